/**
 * Real servers for benchmarks: the ones named by TEMPORAL_ADDRESS / MONGODB_URI, or an
 * embedded Temporal dev server and FerretDB on free ports with throw-away data.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFerretDb, startTemporalDevServer } from '../src/infra/embedded.js';
import { freePort, type ManagedProcess } from '../src/infra/process.js';
import { ensureFerretDb, ensureTemporalCli } from '../src/infra/provision.js';

export interface BenchServers {
  temporalAddress: string;
  mongoUri: string;
  stop(): Promise<void>;
}

export async function startBenchServers(progress: (message: string) => void = () => undefined): Promise<BenchServers> {
  const dataDir = await mkdtemp(join(tmpdir(), 'itinera-bench-'));
  const started: ManagedProcess[] = [];
  let temporalAddress = process.env.TEMPORAL_ADDRESS;
  if (!temporalAddress) {
    const port = await freePort();
    started.push(
      await startTemporalDevServer({
        binary: await ensureTemporalCli(progress),
        dataDir,
        port,
        uiPort: 0,
        headless: true,
        namespace: 'default',
      }),
    );
    temporalAddress = `127.0.0.1:${port}`;
  }
  let mongoUri = process.env.MONGODB_URI;
  if (!mongoUri) {
    const port = await freePort();
    started.push(await startFerretDb({ binary: await ensureFerretDb(progress), dataDir, port }));
    mongoUri = `mongodb://127.0.0.1:${port}/`;
  }
  return {
    temporalAddress,
    mongoUri,
    async stop() {
      await Promise.all(started.map((proc) => proc.stop()));
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
