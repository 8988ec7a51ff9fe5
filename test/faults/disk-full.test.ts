/**
 * Fault: the disk under the database fills up. FerretDB (this test's own) keeps its
 * SQLite files on a small tmpfs mounted for the test (root only: `mount -t tmpfs`); a
 * filler file takes every byte left, and batches of events keep coming until the database
 * refuses one (SQLite's write-ahead log first uses the room it already has). A refused
 * batch is answered 503 `storage_full` with Retry-After, not acknowledged; the filler is deleted,
 * the refused batches are sent again with their message ids (as an SDK retries a 5xx),
 * and every event counts exactly once. FerretDB's SQLite files pass `PRAGMA
 * integrity_check` afterwards.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, open, readdir, rm, statfs } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_KEY,
  WRITE_KEY,
  basicAuth,
  bearer,
  eventually,
  request,
  send,
  startTestItinera,
  type TestItinera,
} from '../support/runtime.js';
import { ownFerretDb, type OwnServer } from './own-servers.js';

const USER = 'df-u';
const SIZE = '24m';
/** Batches of 12 events of ~30 KB: ~360 KB a request, under the 500 KB limit. */
const PER_BATCH = 12;
const PADDING = 'x'.repeat(30_000);
const MAX_BATCHES = 200;

let dataDir: string;
let mountPoint: string;
let mounted = false;
let ferret: OwnServer | undefined;
let itinera: TestItinera;
const admin = { auth: bearer(ADMIN_KEY) };
const write = { auth: basicAuth(WRITE_KEY) };

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'itinera-fault-disk-'));
  mountPoint = join(dataDir, 'ferretdb');
  await mkdir(mountPoint);
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${SIZE}`, 'tmpfs', mountPoint], { stdio: 'pipe' });
  } catch (error) {
    throw new Error(`the disk-full fault needs a tmpfs mount (root, or CAP_SYS_ADMIN): ${(error as { stderr?: Buffer }).stderr ?? error}`);
  }
  mounted = true;
  ferret = await ownFerretDb(dataDir);
  itinera = await startTestItinera('faults-disk', {
    mongoUri: ferret.address,
    runWorker: false,
    sweepIntervalMs: 500,
    writerLimits: { leaseMs: 2_000 },
  });
}, 120_000);
afterAll(async () => {
  await itinera?.close();
  await ferret?.proc.stop();
  if (mounted) execFileSync('umount', [mountPoint]);
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

/** Takes every byte the file system has left. */
async function fill(path: string): Promise<void> {
  const file = await open(path, 'w');
  const chunk = Buffer.alloc(1 << 20);
  try {
    for (;;) {
      const { bavail, bsize } = await statfs(mountPoint);
      if (bavail === 0) return;
      await file.write(bavail * bsize >= chunk.length ? chunk : chunk.subarray(0, bavail * bsize));
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    await file.close();
  }
}

const batchOf = (n: number) =>
  Array.from({ length: PER_BATCH }, (_, i) => ({
    type: 'track',
    userId: USER,
    event: 'Filled',
    messageId: `df-${n}-${i}`,
    properties: { padding: PADDING },
  }));
const post = (n: number) => request(itinera.baseUrl, 'POST', '/v1/batch', { ...write, json: { batch: batchOf(n) } });

describe('the database disk full', () => {
  it('refuses with an error while full, resumes once there is room, and loses nothing acknowledged', { timeout: 180_000 }, async () => {
    expect((await send(itinera.baseUrl, 'POST', '/v1/identify', { ...write, json: { userId: USER } })).status).toBe(200);
    const filler = join(mountPoint, 'filler');
    await fill(filler);

    const acknowledged: number[] = [];
    let refusal: Awaited<ReturnType<typeof post>> | undefined;
    let n = 0;
    for (; n < MAX_BATCHES && !refusal; n++) {
      const answer = await post(n);
      if (answer.status === 200) acknowledged.push(n);
      else refusal = answer;
    }
    expect(refusal, `no batch refused in ${MAX_BATCHES} with the disk full`).toBeDefined();
    expect(refusal!.status).toBe(503);
    expect(refusal!.headers.get('retry-after')).toBe('30');
    expect(refusal!.body).toEqual({
      error: { code: 'storage_full', message: 'the database is out of space; nothing was stored; send it again later' },
    });
    const refusedAt = n - 1;
    // Still full: the next one is refused too, and answered.
    const again = await post(refusedAt);
    expect(again.status).toBe(503);
    console.info(
      `[faults] disk full: ${acknowledged.length} batches acknowledged into the room left, batch ${refusedAt} refused with ${refusal!.status}`,
    );

    await rm(filler);
    // The SDK sends the refused batch again, and the stream goes on.
    for (const m of [refusedAt, refusedAt + 1, refusedAt + 2]) {
      const answer = await eventually(async () => {
        const retried = await post(m);
        return retried.status === 200 ? retried : undefined;
      }, 60_000);
      expect(answer.body).toEqual({ success: true });
    }
    const events = (refusedAt + 3) * PER_BATCH;
    const counter = await eventually(async () => {
      const profile = await request(itinera.baseUrl, 'GET', `/v1/profiles/lookup?userId=${USER}`, admin);
      const filled = profile.body.counters?.Filled as { count: number } | undefined;
      return profile.headers.get('itinera-behind-events') === null && filled?.count === events ? filled : undefined;
    }, 60_000);
    expect(counter.count).toBe(events);
    expect(await itinera.raw.events.countDocuments({ event: 'Filled' })).toBe(events);
    await eventually(async () => (await itinera.raw.outbox.countDocuments({})) === 0, 30_000);

    // No corruption: every SQLite file of FerretDB checks out (read beside it, as WAL allows).
    const files = (await readdir(mountPoint)).filter((name) => name.endsWith('.sqlite'));
    expect(files).toContain(`${itinera.dbName}.sqlite`);
    for (const name of files)
      expect(execFileSync('sqlite3', [join(mountPoint, name), 'PRAGMA integrity_check;'], { encoding: 'utf8' }).trim()).toBe('ok');
  });
});
