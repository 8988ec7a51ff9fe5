/**
 * Whatever goes wrong, the `itinera` command says it in one line on stderr, `itinera: …`,
 * as a user runs it (bin/itinera.js in a child process): no server listening, a key the
 * server refuses; an unexpected error shows its stack only with --verbose.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commands, main } from '../../src/cli.js';
import { startTestItinera, type TestItinera } from '../support/runtime.js';

const REPO_ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(REPO_ROOT, 'bin/itinera.js');

let itinera: TestItinera;
let dir: string;
let program: string;
let templates: string;
beforeAll(async () => {
  itinera = await startTestItinera('clierrors', { runWorker: false });
  dir = await mkdtemp(join(tmpdir(), 'itinera-cli-errors-'));
  program = join(dir, 'rules.itn');
  await writeFile(program, 'segment s { tagged "x" }\n');
  templates = join(dir, 'templates');
  await mkdir(templates);
  await writeFile(join(templates, 'hello.html'), '<p>Hello</p>');
  await writeFile(join(templates, 'hello.subject.txt'), 'Hello');
});
afterAll(async () => {
  await itinera?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The command in a child process (asynchronously: the test server answers from this one). */
function itineraCommand(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: REPO_ROOT, env: { ...process.env, ...env }, timeout: 30_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += String(chunk)));
    child.stderr.on('data', (chunk) => (stderr += String(chunk)));
    child.once('error', fail);
    child.once('close', (code) => done({ code, stdout, stderr }));
  });
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  const { port } = server.address() as AddressInfo;
  await new Promise((closed) => server.close(closed));
  return port;
}

describe('itinera errors', () => {
  it('says in one line that the server cannot be reached, for deploy and templates push', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const line = `itinera: cannot reach the server at ${url} (ECONNREFUSED): is \`npm start\` running? (set ITINERA_URL)\n`;
    for (const args of [
      ['deploy', program, '--yes'],
      ['templates', 'push', templates],
    ]) {
      const result = await itineraCommand(args, { ITINERA_URL: url });
      expect(result).toEqual({ code: 1, stdout: '', stderr: line });
    }
  });

  it("says in one line that the server refused the admin key, with the server's code and message", async () => {
    const result = await itineraCommand(['deploy', program, '--yes'], { ITINERA_URL: itinera.baseUrl, ITINERA_ADMIN_KEY: 'not-the-key' });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(
      new RegExp(
        `^itinera: the server at ${itinera.baseUrl} refused the admin key \\(401 unauthorized: [^\\n]+\\); set ITINERA_ADMIN_KEY to the key it runs with\\n$`,
      ),
    );
  });

  it('says in one line that a file cannot be read', async () => {
    const result = await itineraCommand(['deploy', join(dir, 'nope.itn'), '--yes'], { ITINERA_URL: itinera.baseUrl });
    expect(result).toEqual({ code: 1, stdout: '', stderr: `itinera: ${join(dir, 'nope.itn')}: cannot read the file (ENOENT)\n` });
  });

  it('prints an unexpected error as one line, and its stack only with --verbose', async () => {
    commands.explode = {
      summary: 'fails as a bug would',
      usage: 'itinera explode',
      run: async () => {
        throw new TypeError("Cannot read properties of undefined (reading 'version')\n    and a second line");
      },
    };
    try {
      const quiet: string[] = [];
      expect(await main(['explode'], { out: () => undefined, err: (line) => quiet.push(line) })).toBe(1);
      expect(quiet).toEqual(["itinera: unexpected error: Cannot read properties of undefined (reading 'version') (--verbose shows where)"]);

      const verbose: string[] = [];
      expect(await main(['explode', '--verbose'], { out: () => undefined, err: (line) => verbose.push(line) })).toBe(1);
      expect(verbose[0]).toBe("itinera: unexpected error: Cannot read properties of undefined (reading 'version')");
      expect(verbose[1]).toMatch(/^TypeError: Cannot read properties[\s\S]*\n\s+at /);
    } finally {
      delete commands.explode;
    }
  });
});
