/** `itinera import`: real temp files in, captured stdout/stderr and exit codes out. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runImportCommand } from '../../src/import/cli.js';
import type { ImportMessage } from '../../src/import/csv-import.js';
import { lines } from './helpers.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'itinera-import-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
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
  messages: ImportMessage[];
}

async function run(argv: string[], options: { isTTY?: boolean; apply?: (m: ImportMessage[]) => Promise<void>; everyRows?: number } = {}): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const messages: ImportMessage[] = [];
  const code = await runImportCommand(argv, {
    apply: options.apply ?? (async (chunk) => void messages.push(...chunk)),
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text), isTTY: options.isTTY ?? false },
    ...(options.everyRows ? { progressInterval: { rows: options.everyRows, ms: 60_000 } } : {}),
  });
  return { code, stdout, stderr, messages };
}

describe('itinera import', () => {
  it('imports a clean file: exit 0, a summary, nothing on stdout', async () => {
    const file = await csvFile('clean.csv', lines('user_id,plan,age', 'u1,pro,31', 'u2,free,40'));
    const result = await run(['profiles', file, '--map', 'age=trait:age:number']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(new RegExp(`^${file}: imported 2 rows \\(2 good, 0 bad\\) in \\d+\\.\\d s\\n$`));
    expect(result.messages.map((m) => m.type === 'identify' && m.traits)).toEqual([{ plan: 'pro', age: 31 }, { plan: 'free', age: 40 }]);
  });

  it('prints each bad row as file:line: reason and exits 1; good rows are imported', async () => {
    const file = await csvFile('bad.csv', lines('user_id,event,revenue', 'u1,Paid,10', 'u2,Paid,ten', ',Paid,5', 'u4,"Paid', 'twice",7'));
    const result = await run(['events', file, '--map=revenue=property:revenue:number', '--chunk-size', '1']);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe(`${file}:3: column "revenue": "ten" is not a number\n${file}:4: userId: either userId or anonymousId is required\n`);
    expect(result.stderr).toContain('imported 4 rows (2 good, 2 bad)');
    expect(result.messages.map((m) => m.type === 'track' && m.event)).toEqual(['Paid', 'Paid\ntwice']);
  });

  it('says how many bad rows it did not list', async () => {
    const rows = Array.from({ length: 1005 }, () => ',x');
    const file = await csvFile('many-bad.csv', lines('user_id,plan', ...rows));
    const result = await run(['profiles', file]);
    expect(result.code).toBe(1);
    expect(result.stdout.trimEnd().split('\n')).toHaveLength(1001);
    expect(result.stdout).toContain(`${file}: … and 5 more bad rows (only the first 1,000 are listed)`);
  });

  it('prints a plain progress line when stderr is not a terminal', async () => {
    const rows = Array.from({ length: 1200 }, (_, i) => `u${i},pro`);
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
    const file = await csvFile('tty.csv', lines('user_id,plan', 'u1,pro'));
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
  ])('exits 2 on the usage error in %j', async (argv, message) => {
    const result = await run(argv);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toContain('usage: itinera import profiles|events');
  });

  it('exits 2 when the mapping names a column the file lacks', async () => {
    const file = await csvFile('nocol.csv', lines('user_id,plan', 'u1,pro'));
    const result = await run(['profiles', file, '--map', 'age=trait:age:number']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${file}: error: the mapping names "age", which the header does not have`);
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

  it('exits 1 and says the import stopped when apply fails', async () => {
    const file = await csvFile('down.csv', lines('user_id', 'u1', 'u2', 'u3'));
    const result = await run(['profiles', file, '--chunk-size', '2'], { apply: async () => Promise.reject(new Error('database down')) });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('error: the import stopped after about');
    expect(result.stderr).toContain('database down');
  });

  it('prints help with --help', async () => {
    const result = await run(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('--map column=target[:type]');
  });
});
