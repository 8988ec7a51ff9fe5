/**
 * Starting the embedded servers: the Temporal CLI dev server (SQLite file) and FerretDB
 * (SQLite directory), both with their data under one data directory so a second start
 * keeps everything.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { startProcess, waitForPort, type ManagedProcess } from './process.js';

export interface EmbeddedTemporalOptions {
  binary: string;
  dataDir: string;
  port: number;
  uiPort: number;
  /**
   * Its HTTP API and metrics ports; by default the CLI picks free ones itself, which a
   * process picking ports at the same moment (a test setup) can take first.
   */
  httpPort?: number;
  metricsPort?: number;
  /** Tests have no use for the web UI. */
  headless?: boolean;
  namespace: string;
  /** Told of the process as soon as it runs, before it listens: a stop meanwhile must reach it. */
  onStarted?: (proc: ManagedProcess) => void;
}

/** Temporal's timer look-ahead on the embedded server: the latest a near timer fires. */
export const TIMER_MAX_TIME_SHIFT = '10ms';

export async function startTemporalDevServer(options: EmbeddedTemporalOptions): Promise<ManagedProcess> {
  const logFile = join(options.dataDir, 'logs', 'temporal.log');
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(options.port),
    '--db-filename',
    join(options.dataDir, 'temporal', 'temporal.db'),
    '--namespace',
    options.namespace,
    '--log-level',
    'warn',
    // Every task is a commit: a write-ahead log syncs once per commit, not twice, and
    // `synchronous=full` keeps each acknowledged one on disk (docs/architecture.md).
    '--sqlite-pragma',
    'journal_mode=wal',
    '--sqlite-pragma',
    'synchronous=full',
    // The timer queue fires nothing earlier than now + this shift (1 s by default), so a
    // timer set under a second ahead fires up to a second late. A segment clock shard,
    // busy ringing, sets its timer a few milliseconds ahead (docs/segments.md).
    '--dynamic-config-value',
    `history.timerProcessorMaxTimeShift="${TIMER_MAX_TIME_SHIFT}"`,
  ];
  if (options.httpPort !== undefined) args.push('--http-port', String(options.httpPort));
  if (options.metricsPort !== undefined) args.push('--metrics-port', String(options.metricsPort));
  if (options.headless) args.push('--headless');
  else args.push('--ui-port', String(options.uiPort));
  await mkdir(join(options.dataDir, 'temporal'), { recursive: true });
  const proc = await startProcess('Temporal dev server', options.binary, args, { logFile });
  options.onStarted?.(proc);
  await waitForPort(proc, options.port, 120_000, logFile).catch(async (error) => {
    await proc.stop();
    throw error;
  });
  return proc;
}

export interface EmbeddedFerretDbOptions {
  binary: string;
  dataDir: string;
  port: number;
  /** As for Temporal: told of the process before it listens. */
  onStarted?: (proc: ManagedProcess) => void;
}

export async function startFerretDb(options: EmbeddedFerretDbOptions): Promise<ManagedProcess> {
  const logFile = join(options.dataDir, 'logs', 'ferretdb.log');
  const proc = await startProcess(
    'FerretDB',
    options.binary,
    ['-listen', `127.0.0.1:${options.port}`, '-data-dir', join(options.dataDir, 'ferretdb'), '-log-level', 'error'],
    { logFile },
  );
  options.onStarted?.(proc);
  await waitForPort(proc, options.port, 60_000, logFile).catch(async (error) => {
    await proc.stop();
    throw error;
  });
  return proc;
}

export interface EmbeddedPorts {
  api: number;
  temporal: number;
  ui: number;
  ferret: number;
}

/**
 * The environment of an `npm start` on the embedded servers, on these ports, with its data
 * in `dataDir`: this process's environment without TEMPORAL_ADDRESS or MONGODB_URI (which
 * would replace the embedded servers). For the tests and benchmarks that start it whole.
 */
export function embeddedStartEnv(ports: EmbeddedPorts, dataDir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'development',
    PORT: String(ports.api),
    TEMPORAL_PORT: String(ports.temporal),
    TEMPORAL_UI_PORT: String(ports.ui),
    FERRETDB_PORT: String(ports.ferret),
    ITINERA_DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
  };
  delete env.TEMPORAL_ADDRESS;
  delete env.MONGODB_URI;
  return env;
}
