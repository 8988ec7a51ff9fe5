/**
 * `itinera import` against a running Itinera (real servers, an HTTP API on a free port):
 * real temp files in, captured stdout/stderr and exit codes out, what the server stored
 * checked through its API.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runImportCommand } from '../../src/import/cli.js';
import { ADMIN_KEY, bearer, send, startTestItinera, type TestItinera } from '../support/runtime.js';
import { lines } from './helpers.js';

let itinera: TestItinera;
let dir: string;
beforeAll(async () => {
  itinera = await startTestItinera('importcli', { runWorker: false });
  dir = await mkdtemp(join(tmpdir(), 'itinera-import-'));
});
afterAll(async () => {
  await itinera?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function csvFile(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(argv: string[], options: { isTTY?: boolean; everyRows?: number; env?: NodeJS.ProcessEnv } = {}): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await runImportCommand(argv, {
    env: options.env ?? { ITINERA_URL: itinera.baseUrl, ITINERA_ADMIN_KEY: ADMIN_KEY },
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text), isTTY: options.isTTY ?? false },
    ...(options.everyRows ? { progressInterval: { rows: options.everyRows, ms: 60_000 } } : {}),
  });
  return { code, stdout, stderr };
}

const lookup = async (userId: string) =>
  (await send(itinera.baseUrl, 'GET', `/v1/profiles/lookup?userId=${userId}`, { auth: bearer(ADMIN_KEY) })).body;

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('itinera import', () => {
  it('imports a clean file through the server: exit 0, a summary, nothing on stdout', async () => {
    const file = await csvFile('clean.csv', lines('user_id,plan,age', 'clean-1,pro,31', 'clean-2,free,40'));
    const result = await run(['profiles', file, '--map', 'age=trait:age:number']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(new RegExp(`^${file}: imported 2 rows \\(2 good, 0 bad\\) in \\d+\\.\\d s\\n$`));
    expect((await lookup('clean-1')).traits).toEqual({ plan: 'pro', age: 31 });
    expect((await lookup('clean-2')).traits).toEqual({ plan: 'free', age: 40 });
    expect(await itinera.raw.events.countDocuments({ userId: { $in: ['clean-1', 'clean-2'] }, source: 'import' })).toBe(2);
  });

  it('prints each bad row as file:line: reason and exits 1; good rows are imported', async () => {
    const file = await csvFile(
      'bad.csv',
      lines('user_id,event,revenue', 'bad-1,Paid,10', 'bad-2,Paid,ten', ',Paid,5', 'bad-4,"Paid', 'twice",7'),
    );
    const result = await run(['events', file, '--map=revenue=property:revenue:number', '--chunk-size', '1']);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe(
      `${file}:3: column "revenue": "ten" is not a number\n${file}:4: userId: either userId or anonymousId is required\n`,
    );
    expect(result.stderr).toContain('imported 4 rows (2 good, 2 bad)');
    const events = await itinera.raw.events.find({ userId: { $in: ['bad-1', 'bad-2', 'bad-4'] } }).toArray();
    expect(events.map((e) => e.event).sort()).toEqual(['Paid', 'Paid\ntwice']);
  });

  it('says how many bad rows it did not list', async () => {
    const rows = Array.from({ length: 1005 }, () => ',x');
    const file = await csvFile('many-bad.csv', lines('user_id,plan', ...rows));
    const result = await run(['profiles', file]);
    expect(result.code).toBe(1);
    expect(result.stdout.trimEnd().split('\n')).toHaveLength(1001);
    expect(result.stdout).toContain(`${file}: … and 5 more bad rows (only the first 1,000 are listed)`);
  });

  it('prints a plain progress line, as the server reports it, when stderr is not a terminal', async () => {
    const rows = Array.from({ length: 1200 }, (_, i) => `progress-${i},pro`);
    const file = await csvFile('progress.csv', lines('user_id,plan', ...rows));
    const result = await run(['profiles', file, '--chunk-size', '100'], { everyRows: 500 });
    expect(result.code).toBe(0);
    expect(result.stderr.split('\n').filter((line) => line.startsWith('imported'))).toEqual([
      'imported 500 rows (500 good, 0 bad)',
      'imported 1,000 rows (1,000 good, 0 bad)',
    ]);
    expect(result.stderr).toContain(`${file}: imported 1,200 rows (1,200 good, 0 bad) in`);
  });

  it('draws a progress bar when stderr is a terminal', async () => {
    const file = await csvFile('tty.csv', lines('user_id,plan', 'tty-1,pro'));
    const result = await run(['profiles', file], { isTTY: true });
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/\[[█░]+\] 100% \| 1 rows \(1 good, 0 bad\)/);
    expect(result.stderr).toContain('imported 1 rows (1 good, 0 bad)');
  });

  it.each([
    [[], /say what to import/],
    [['users', 'x.csv'], /cannot import "users"/],
    [['profiles'], /name the CSV file/],
    [['profiles', 'a.csv', 'b.csv'], /one file at a time/],
    [['profiles', 'a.csv', '--map'], /--map needs a value/],
    [['profiles', 'a.csv', '--map', 'plan'], /mapping "plan": no "="/],
    [['profiles', 'a.csv', '--chunk-size', '0'], /--chunk-size needs a whole number/],
    [['profiles', 'a.csv', '--verbose'], /unknown option --verbose/],
  ])('exits 2 on the usage error in %j, without a server', async (argv, message) => {
    const result = await run(argv, { env: { ITINERA_URL: `http://127.0.0.1:${await closedPort()}` } });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toContain('usage: itinera import profiles|events');
  });

  it('exits 2 when the mapping names a column the file lacks (the server says so)', async () => {
    const file = await csvFile('nocol.csv', lines('user_id,plan', 'nocol-1,pro'));
    const result = await run(['profiles', file, '--map', 'age=trait:age:number']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`${file}: error: the mapping names "age", which the header does not have (columns: "user_id", "plan")\n`);
    expect(await lookup('nocol-1')).toMatchObject({ error: { code: 'not_found' } });
  });

  it('exits 1 for a missing file, an empty file and a file without id column', async () => {
    const missing = await run(['profiles', join(dir, 'nope.csv')]);
    expect([missing.code, missing.stderr]).toEqual([1, `${join(dir, 'nope.csv')}: error: cannot read the file (ENOENT)\n`]);
    const empty = await run(['profiles', await csvFile('empty.csv', '')]);
    expect(empty.code).toBe(1);
    expect(empty.stderr).toMatch(/error: the file is empty/);
    const noHeader = await run(['profiles', await csvFile('noheader.csv', lines('u1,pro'))]);
    expect(noHeader.code).toBe(1);
    expect(noHeader.stderr).toMatch(/no column maps to userId or anonymousId/);
  });

  it('says in one line that no server answers, naming the URL and how to start one', async () => {
    const file = await csvFile('nobody.csv', lines('user_id', 'nobody-1'));
    const port = await closedPort();
    const result = await run(['profiles', file], { env: { ITINERA_URL: `http://127.0.0.1:${port}` } });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `itinera import: cannot reach the Itinera server at http://127.0.0.1:${port} (ECONNREFUSED); start it with \`npm start\`, or set ITINERA_URL to its address\n`,
    );
    // Without ITINERA_URL: where `npm start` listens, on PORT.
    const byDefault = await run(['profiles', file], { env: { PORT: String(port) } });
    expect(byDefault.stderr).toContain(`cannot reach the Itinera server at http://127.0.0.1:${port} (ECONNREFUSED)`);
  });

  it('says in one line that the admin key was refused, and imports nothing', async () => {
    const file = await csvFile('key.csv', lines('user_id', 'key-1'));
    const result = await run(['profiles', file], { env: { ITINERA_URL: itinera.baseUrl, ITINERA_ADMIN_KEY: 'not-the-admin-key' } });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `itinera import: the server at ${itinera.baseUrl} refused the admin key (401: invalid admin key); set ITINERA_ADMIN_KEY to the key the server runs with\n`,
    );
    expect(await lookup('key-1')).toMatchObject({ error: { code: 'not_found' } });
  });

  it('refuses an ITINERA_URL that is not a server address', async () => {
    const file = await csvFile('url.csv', lines('user_id', 'url-1'));
    const result = await run(['profiles', file], { env: { ITINERA_URL: 'localhost:3000/x' } });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('itinera import: ITINERA_URL: "localhost:3000/x" must be an http:// or https:// URL\n');
  });

  it('prints help with --help', async () => {
    const result = await run(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('--map column=target[:type]');
    expect(result.stdout).toContain('ITINERA_URL');
  });
});

describe('itinera import when the server stops half-way', () => {
  let stub: Server;
  let url: string;
  beforeAll(async () => {
    // A server that reports two rows, then says the import stopped (or drops the connection).
    stub = createServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      res.write(`${JSON.stringify({ progress: { rows: 2, good: 2, bad: 0, bytes: 10 } })}\n`);
      if (req.url?.startsWith('/v1/import/events'))
        res.end(`${JSON.stringify({ error: { code: 'internal', message: 'internal error; see the server log' } })}\n`);
      else setTimeout(() => res.socket?.destroy(), 20);
    });
    await new Promise<void>((resolve) => stub.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(stub.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => stub?.close(resolve));
  });

  it('exits 1 and says the import stopped, and that a re-import applies only the rest', async () => {
    const file = await csvFile('stopped.csv', lines('user_id,event', 's1,A', 's2,A', 's3,A'));
    const inBand = await run(['events', file], { env: { ITINERA_URL: url } });
    expect(inBand.code).toBe(1);
    expect(inBand.stderr).toBe(
      `${file}: error: the import stopped after about 2 rows: internal error; see the server log\n` +
        `${file}: the rows applied so far stay applied; importing the file again applies only the others\n`,
    );
    const dropped = await run(['profiles', file], { env: { ITINERA_URL: url } });
    expect(dropped.code).toBe(1);
    expect(dropped.stderr).toMatch(/error: the import stopped after about 2 rows: the connection to the server was lost/);
  });
});
