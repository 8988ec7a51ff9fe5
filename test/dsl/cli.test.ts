/** The `itinera` command as a user runs it: through bin/itinera.js, in a child process. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { commands, main } from '../../src/cli.js';

const REPO_ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(REPO_ROOT, 'bin/itinera.js');

function itinera(...args: string[]) {
  const result = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: REPO_ROOT, timeout: 30_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const dir = mkdtempSync(join(tmpdir(), 'itinera-cli-'));
const broken = join(dir, 'broken.itn');
writeFileSync(broken, 'segment finished_ebook { tagged "x" }\njourney j {\n  when enters segment finishd_ebook\n  tag "y"\n}\n');
const warned = join(dir, 'warned.itn');
writeFileSync(warned, 'segment s { tagged like "vip" }\n');

describe('itinera check', () => {
  it('prints nothing and exits 0 for clean files', () => {
    const result = itinera('check', 'examples/ebook.itn', 'examples/retail.itn');
    expect(result).toMatchObject({ code: 0, stdout: '' });
  });

  it('prints path:line:col: severity CODE: message and exits 1 on errors', () => {
    const result = itinera('check', 'examples/ebook.itn', broken);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe(`${broken}:3:23: error ITN1203: unknown segment 'finishd_ebook' (did you mean 'finished_ebook'?)\n`);
  });

  it('exits 0 when there are only warnings', () => {
    const result = itinera('check', warned);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^.*warned\.itn:1:25: warning ITN1704: /);
  });

  it('reports unreadable files and usage errors', () => {
    expect(itinera('check', join(dir, 'nope.itn'))).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('cannot read the file (ENOENT)'),
    });
    expect(itinera('check').code).toBe(2);
    expect(itinera('frobnicate').code).toBe(2);
  });
});

describe('itinera compile', () => {
  it('prints the IR as JSON', () => {
    const result = itinera('compile', 'examples/retail.itn', '--json');
    expect(result.code).toBe(0);
    const ir = JSON.parse(result.stdout);
    expect(ir.irVersion).toBe(1);
    expect(ir.journeys.map((j: { name: string }) => j.name)).toEqual(['cart_recovery', 'win_back', 'vip_welcome', 'vip_farewell']);
  });

  it('prints diagnostics on stderr and exits 1 when there are errors', () => {
    const result = itinera('compile', broken, '--json');
    expect(result).toMatchObject({ code: 1, stdout: '' });
    expect(result.stderr).toContain('error ITN1203');
  });
});

describe('the command table', () => {
  it('lists its commands in help and runs added ones', async () => {
    const lines: string[] = [];
    const io = { out: (line: string) => lines.push(line), err: (line: string) => lines.push(line) };
    commands.hello = { summary: 'say hello', usage: 'itinera hello', run: async (_args, out) => (out.out('hello'), 0) };
    try {
      expect(await main(['hello'], io)).toBe(0);
      expect(await main(['help'], io)).toBe(0);
    } finally {
      delete commands.hello;
    }
    expect(lines[0]).toBe('hello');
    expect(lines.join('\n')).toContain('itinera hello');
  });
});
