/**
 * Servers of a fault test's own, which it may kill, stop or starve without touching the
 * suite's: a Temporal dev server or a FerretDB on a data directory and ports of its own,
 * started again on the same data (as erasure-temporal-kill.test.ts does for Temporal).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFerretDb, startTemporalDevServer } from '../../src/infra/embedded.js';
import { freePort, type ManagedProcess } from '../../src/infra/process.js';
import { ensureFerretDb, ensureTemporalCli } from '../../src/infra/provision.js';

export interface OwnServer {
  /** The running process; replaced by `restart`. */
  proc: ManagedProcess;
  /** `127.0.0.1:<port>` (Temporal) or a `mongodb://` URI (FerretDB). */
  address: string;
  dataDir: string;
  /** SIGKILL, at once; resolves once it has exited. */
  kill(): Promise<void>;
  /** SIGTERM (SIGKILL after the grace period); resolves once it has exited. */
  stop(): Promise<void>;
  /** Started again on the same data directory and ports. */
  restart(): Promise<void>;
  /** Stops it and removes its data directory (unless the test owns it). */
  close(): Promise<void>;
}

async function own(
  prefix: string,
  given: string | undefined,
  start: (dataDir: string) => Promise<ManagedProcess>,
  address: string,
): Promise<OwnServer> {
  const dataDir = given ?? (await mkdtemp(join(tmpdir(), prefix)));
  const server: OwnServer = {
    proc: await start(dataDir),
    address,
    dataDir,
    async kill() {
      server.proc.kill();
      await server.proc.exited;
    },
    async stop() {
      await server.proc.stop();
    },
    async restart() {
      server.proc = await start(dataDir);
    },
    async close() {
      await server.proc.stop();
      if (!given) await rm(dataDir, { recursive: true, force: true });
    },
  };
  return server;
}

export async function ownTemporal(): Promise<OwnServer> {
  const binary = await ensureTemporalCli(() => undefined);
  const ports = { port: await freePort(), httpPort: await freePort(), metricsPort: await freePort() };
  return own(
    'itinera-fault-temporal-',
    undefined,
    (dataDir) => startTemporalDevServer({ binary, dataDir, ...ports, uiPort: 0, headless: true, namespace: 'default' }),
    `127.0.0.1:${ports.port}`,
  );
}

/** FerretDB keeps its SQLite files in `<dataDir>/ferretdb`, its log in `<dataDir>/logs`. */
export async function ownFerretDb(dataDir?: string): Promise<OwnServer> {
  const binary = await ensureFerretDb(() => undefined);
  const port = await freePort();
  return own('itinera-fault-ferretdb-', dataDir, (dir) => startFerretDb({ binary, dataDir: dir, port }), `mongodb://127.0.0.1:${port}/`);
}
