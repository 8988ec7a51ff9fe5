#!/usr/bin/env node
// The `itinera` command: runs the compiled CLI (dist/cli.js, built by `npm run build`, which
// `npm install` runs) in this process. A build that does not match the sources is refused
// rather than run: the check (scripts/build-freshness.js) takes a few milliseconds.
// Whatever fails here, before the CLI's own handling (src/cli.ts main), is one line too:
// the stack only with --verbose.
import { fileURLToPath } from 'node:url';
import { checkBuild, describeBuild } from '../scripts/build-freshness.js';

try {
  const state = checkBuild(fileURLToPath(new URL('..', import.meta.url)));
  if (!state.fresh) {
    process.stderr.write(`itinera: ${describeBuild(state)}\n`);
    process.exit(1);
  }
  const { runAsProcess } = await import('../dist/cli.js');
  await runAsProcess();
} catch (error) {
  const verbose = process.argv.includes('--verbose');
  const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
  process.stderr.write(`itinera: unexpected error: ${message}${verbose ? '' : ' (--verbose shows where)'}\n`);
  if (verbose && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  process.exitCode = 1;
}
