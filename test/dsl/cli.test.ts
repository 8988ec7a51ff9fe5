/** The `itinera` command as a user runs it: through bin/itinera.js, in a child process. */
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { commands, main } from '../../src/cli.js';

const REPO_ROOT = resolve(import.meta.dirname, '../..');

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  await new Promise((done) => server.close(done));
  return port;
}
const BIN = join(REPO_ROOT, 'bin/itinera.js');

function itinera(...args: string[]) {
  return itineraWith({}, ...args);
}

function itineraWith(env: NodeJS.ProcessEnv, ...args: string[]) {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    cwd: REPO_ROOT,
    timeout: 30_000,
    env: { ...process.env, ...env },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const dir = mkdtempSync(join(tmpdir(), 'itinera-cli-'));
const broken = join(dir, 'broken.itn');
writeFileSync(broken, 'segment finished_ebook { tagged "x" }\njourney j {\n  when enters segment finishd_ebook\n  tag "y"\n}\n');
const warned = join(dir, 'warned.itn');
writeFileSync(warned, 'segment s { tagged like "vip" }\n');

describe('itinera check', () => {
  it('prints one summary line per clean file and exits 0', () => {
    const result = itinera('check', '--offline', 'examples/ebook.itn', 'examples/retail.itn', 'examples/showcase.itn');
    expect(result).toMatchObject({
      code: 0,
      stderr: '',
      stdout: [
        'examples/ebook.itn: 3 segments, 3 journeys, 1 consent, no problems',
        'examples/retail.itn: 4 segments, 4 journeys, 2 consents, no problems',
        'examples/showcase.itn: 10 segments, 4 journeys, 2 consents, 1 broadcast, no problems',
        '',
      ].join('\n'),
    });
  });

  it('prints path:line:col: severity CODE: message and exits 1 on errors', () => {
    const result = itinera('check', '--offline', 'examples/ebook.itn', broken);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe(
      'examples/ebook.itn: 3 segments, 3 journeys, 1 consent, no problems\n' +
        `${broken}:3:23: error ITN1203: unknown segment 'finishd_ebook' (did you mean 'finished_ebook'?)\n`,
    );
  });

  it('exits 0 when there are only warnings, and counts them in the summary line', () => {
    const result = itinera('check', '--offline', warned);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /^.*warned\.itn:1:25: warning ITN1704: .*\n.*warned\.itn: 1 segment, 0 journeys, 0 consents, 1 warning\n$/,
    );
  });

  it('checks offline when no server answers: silently at the default address, in one line when ITINERA_URL names it', async () => {
    const port = await closedPort();
    const quiet = itineraWith({ ITINERA_URL: '', PORT: String(port) }, 'check', 'examples/ebook.itn');
    expect(quiet).toMatchObject({ code: 0, stderr: '', stdout: 'examples/ebook.itn: 3 segments, 3 journeys, 1 consent, no problems\n' });
    const named = itineraWith({ ITINERA_URL: `http://127.0.0.1:${port}` }, 'check', 'examples/ebook.itn');
    expect(named).toMatchObject({ code: 0, stdout: 'examples/ebook.itn: 3 segments, 3 journeys, 1 consent, no problems\n' });
    expect(named.stderr).toBe(
      `itinera check: cannot reach the Itinera server at http://127.0.0.1:${port} (ECONNREFUSED); checked without the data\n`,
    );
  });

  it('reports unreadable files and usage errors', () => {
    expect(itinera('check', join(dir, 'nope.itn'))).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('cannot read the file (ENOENT)'),
    });
    expect(itinera('check').code).toBe(2);
    expect(itinera('check', '--offline').code).toBe(2);
    expect(itinera('check', '--online', 'examples/ebook.itn').code).toBe(2);
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
