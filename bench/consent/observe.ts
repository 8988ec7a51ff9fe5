/**
 * What the consent benchmark reads of the servers while it runs and afterwards: the size of
 * their files, their resident memory, the ledger records acknowledged and not yet seen, and
 * the Temporal dev server's log.
 */
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Collection } from 'mongodb';
import { rssOf } from '../npm-start.js';
import type { ConsentBenchFigures } from './figures.js';

/** Total size of the files under a directory, in bytes (0 when it does not exist), and each file's. */
export async function filesUnder(dir: string): Promise<{ total: number; files: Record<string, number> }> {
  const files: Record<string, number> = {};
  let total = 0;
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    const size = await stat(path).then(
      (s) => s.size,
      () => 0,
    );
    files[path.slice(dir.length + 1)] = size;
    total += size;
  }
  return { total, files };
}

/** Samples the resident memory of some processes every second; `mark` opens a window whose peak is then read. */
export class MemorySampler {
  private readonly peaks = new Map<string, number>();
  private readonly timer: NodeJS.Timeout;
  private sampling: Promise<void> = Promise.resolve();

  constructor(private readonly pids: Record<string, number>) {
    this.timer = setInterval(() => {
      this.sampling = this.sample().then(() => undefined);
    }, 1000);
  }

  async sample(): Promise<Record<string, number>> {
    const now: Record<string, number> = {};
    for (const [name, pid] of Object.entries(this.pids)) {
      now[name] = await rssOf(pid);
      this.peaks.set(name, Math.max(this.peaks.get(name) ?? 0, now[name]));
    }
    return now;
  }

  /** Starts a new peak window from the current sample, which is returned. */
  async mark(): Promise<Record<string, number>> {
    await this.sampling;
    this.peaks.clear();
    return this.sample();
  }

  peak(name: string): number {
    return this.peaks.get(name) ?? 0;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

/**
 * The ledger records acknowledged but not yet seen in the database, in the order they were
 * acknowledged; `poll` looks them up by `_id` (FerretDB's one indexed lookup), a few at a
 * time, until one is still missing.
 */
export class LedgerWatch {
  private readonly unseen: string[] = [];
  seen = 0;

  constructor(private readonly ledger: Collection<{ _id: string }>) {}

  acknowledgedCount = 0;

  acknowledged(recordId: string): void {
    this.unseen.push(recordId);
    this.acknowledgedCount++;
  }

  async poll(budget = 4096): Promise<number> {
    const CHUNK = 32;
    for (let checked = 0; this.unseen.length > 0 && checked < budget; checked += CHUNK) {
      const chunk = this.unseen.slice(0, CHUNK);
      const found = await Promise.all(chunk.map((id) => this.ledger.findOne({ _id: id }, { projection: { _id: 1 } })));
      const missing = chunk.filter((_, i) => found[i] === null);
      this.unseen.splice(0, chunk.length, ...missing);
      this.seen += chunk.length - missing.length;
      if (missing.length > 0) break;
    }
    return this.seen;
  }
}

export async function temporalLog(dataDir: string): Promise<ConsentBenchFigures['temporal']['log']> {
  const file = join(dataDir, 'logs', 'temporal.log');
  const bytes = await stat(file).then(
    (s) => s.size,
    () => undefined,
  );
  if (bytes === undefined) return null;
  const counts = {
    bytes,
    lines: 0,
    errors: 0,
    warnings: 0,
    persistenceDeadlineExceeded: 0,
    workflowTaskTimeouts: 0,
    slowGrpcCalls: 0,
    namespaceNotFound: 0,
  };
  for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
    counts.lines++;
    if (line.includes('level=ERROR')) counts.errors++;
    if (line.includes('level=WARN')) counts.warnings++;
    if (line.includes('level=ERROR') && line.includes('context deadline exceeded')) counts.persistenceDeadlineExceeded++;
    if (line.includes('queue-task-type=WorkflowTaskTimeout')) counts.workflowTaskTimeouts++;
    if (line.includes('msg="Slow gRPC call"')) counts.slowGrpcCalls++;
    if (/[Nn]amespace \S+ is not found|Namespace not found/.test(line)) counts.namespaceNotFound++;
  }
  return counts;
}
