#!/usr/bin/env node
// The `itinera` command: runs the compiled CLI (dist/cli.js, built by `npm run build`, which
// `npm install` runs) in this process. A build that does not match the sources is refused
// rather than run: the check (scripts/build-freshness.js) takes a few milliseconds.
import { fileURLToPath } from 'node:url';
import { checkBuild, describeBuild } from '../scripts/build-freshness.js';

const state = checkBuild(fileURLToPath(new URL('..', import.meta.url)));
if (!state.fresh) {
  process.stderr.write(`itinera: ${describeBuild(state)}\n`);
  process.exit(1);
}
const { runAsProcess } = await import('../dist/cli.js');
await runAsProcess();
