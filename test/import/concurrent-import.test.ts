/**
 * `itinera import` while the same server ingests events for the same people over HTTP:
 * the command is a client of the server (it opens no runtime of its own, so no second
 * sweeper or profile writer can take its batches), and every person's counters end exact.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, WRITE_KEY, basicAuth, bearer, send, startTestItinera, type TestItinera } from '../support/runtime.js';

const PEOPLE = 30;
const IMPORTED_PER_PERSON = 20;
const EVENT = 'Order Completed';

let itinera: TestItinera;
let dir: string;
beforeAll(async () => {
  // A sweep every half second: an outbox entry the import still holds must not be taken by it.
  itinera = await startTestItinera('importrace', { runWorker: false, sweepIntervalMs: 500 });
  dir = await mkdtemp(join(tmpdir(), 'itinera-import-race-'));
});
afterAll(async () => {
  await itinera?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const userId = (i: number) => `race-${i}`;

function runCli(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/itinera.js', ...args], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += String(chunk)));
    child.stderr.on('data', (chunk) => (stderr += String(chunk)));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** What each person's counter must add up to. */
class Expected {
  readonly count = new Map<string, number>();
  readonly revenue = new Map<string, number>();

  add(user: string, revenue: number): void {
    this.count.set(user, (this.count.get(user) ?? 0) + 1);
    this.revenue.set(user, (this.revenue.get(user) ?? 0) + revenue);
  }
}

describe('itinera import beside live ingestion', () => {
  it("leaves every person's counters exact", async () => {
    const expected = new Expected();
    const known = await send(itinera.baseUrl, 'POST', '/v1/batch', {
      auth: basicAuth(WRITE_KEY),
      json: {
        batch: Array.from({ length: PEOPLE }, (_, i) => ({
          type: 'identify',
          userId: userId(i),
          traits: { plan: 'pro' },
          messageId: `race-id-${i}`,
        })),
      },
    });
    expect(known.status).toBe(200);

    const rows: string[] = [];
    for (let n = 0; n < IMPORTED_PER_PERSON; n++) {
      for (let i = 0; i < PEOPLE; i++) {
        const revenue = 1 + ((i + n) % 7);
        rows.push(`${userId(i)},${EVENT},2026-05-01T10:${String(n).padStart(2, '0')}:00Z,${revenue},imported-${i}-${n}`);
        expected.add(userId(i), revenue);
      }
    }
    const file = join(dir, 'orders.csv');
    await writeFile(file, `user_id,event,timestamp,revenue,message_id\n${rows.join('\n')}\n`);

    // The command needs only the server: a database or Temporal it tried to reach would fail it.
    const cli = runCli(['import', 'events', file, '--map', 'revenue=property:revenue:number', '--chunk-size', '25'], {
      ITINERA_URL: itinera.baseUrl,
      ITINERA_ADMIN_KEY: ADMIN_KEY,
      MONGODB_URI: 'mongodb://127.0.0.1:9/',
      TEMPORAL_ADDRESS: '127.0.0.1:9',
    });
    let done = false;
    void cli.then(() => (done = true));

    // Live traffic for the same people, in batches, until the import has finished (and a few after).
    let sent = 0;
    let sentDuringImport = 0;
    for (let round = 0; !done || round < 5; round++) {
      const batch = Array.from({ length: 10 }, (_, k) => {
        const i = (round * 7 + k) % PEOPLE;
        const revenue = 10 + k;
        expected.add(userId(i), revenue);
        return { type: 'track', userId: userId(i), event: EVENT, properties: { revenue }, messageId: `live-${round}-${k}` };
      });
      const response = await send(itinera.baseUrl, 'POST', '/v1/batch', { auth: basicAuth(WRITE_KEY), json: { batch } });
      expect(response.status).toBe(200);
      sent += batch.length;
      if (!done) sentDuringImport += batch.length;
    }
    const result = await cli;
    expect(result.stderr).toContain(
      `imported ${(PEOPLE * IMPORTED_PER_PERSON).toLocaleString('en-US')} rows (${(PEOPLE * IMPORTED_PER_PERSON).toLocaleString('en-US')} good, 0 bad)`,
    );
    expect(result.code).toBe(0);
    expect(sentDuringImport).toBeGreaterThan(0);
    expect(sent).toBeGreaterThan(sentDuringImport);

    // Everything accepted is applied, and a few sweeps pass that could apply something twice.
    await itinera.runtime.writer.settled();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await itinera.runtime.writer.settled();

    const counters: Record<string, unknown> = {};
    const wanted: Record<string, unknown> = {};
    for (let i = 0; i < PEOPLE; i++) {
      const profile = (await send(itinera.baseUrl, 'GET', `/v1/profiles/lookup?userId=${userId(i)}`, { auth: bearer(ADMIN_KEY) })).body;
      counters[userId(i)] = profile.counters?.[EVENT];
      wanted[userId(i)] = { count: expected.count.get(userId(i)), sum: { revenue: expected.revenue.get(userId(i)) } };
    }
    expect(counters).toEqual(wanted);
    // And the events behind them, once each.
    const stored = await itinera.raw.events.countDocuments({ event: EVENT });
    expect(stored).toBe([...expected.count.values()].reduce((a, b) => a + b, 0));
  });
});
