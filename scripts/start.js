// @ts-check
/**
 * `npm start`: rebuilds dist/ when the stamp does not match the sources (incrementally:
 * a few seconds after an edit, nothing when it matches), then runs dist/main.js in this
 * process: no loader and no second Node process in between, as tsx had.
 */
import { fileURLToPath } from 'node:url';
import { build } from './build.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const status = build(root, { ifStale: true });
if (status !== 0) process.exit(status);
// Stack traces in the logs name src/*.ts and its lines, as they did when tsx ran the sources.
process.setSourceMapsEnabled(true);
await import('../dist/main.js');
