#!/usr/bin/env node
// The `itinera` command: runs the TypeScript CLI (src/cli.ts) through tsx, so the repository
// needs no build step. tsx is resolved from here, not from the caller's directory.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const tsx = import.meta.resolve('tsx');
const result = spawnSync(process.execPath, ['--import', tsx, cli, ...process.argv.slice(2)], { stdio: 'inherit' });
if (result.error) {
  console.error(`itinera: ${result.error.message}`);
  process.exit(1);
}
process.exit(result.status ?? 1);
