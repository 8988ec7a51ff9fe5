/**
 * One `npm start` for a benchmark, as a user starts it: a fresh data directory, free ports,
 * npm start's embedded defaults; a database client beside it; and everything stopped and
 * removed again at the end, on Ctrl+C, or when the benchmark dies.
 */
import { rmSync } from 'node:fs';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { MongoClient, type Db } from 'mongodb';
import { loadConfig, type Config } from '../src/config.js';
import { embeddedStartEnv, type EmbeddedPorts } from '../src/infra/embedded.js';
import { freePort } from '../src/infra/process.js';
import { startItinera, stopItinera, waitUntilReady, type Itinera } from './npm-start.js';

export interface NpmSession {
  itinera: Itinera;
  config: Config;
  dataDir: string;
  ports: EmbeddedPorts;
  baseUrl: string;
  /** The write key as HTTP Basic, and the admin key as a bearer token. */
  writeAuth: string;
  adminAuth: string;
  /** Itinera's database, through a client of the benchmark's own. */
  db: Db;
}

export interface NpmSessionOptions {
  /** Names the data directory (`itinera-<name>-bench-…`), so a leftover one says whose it was. */
  name?: string;
  /** Where to copy the servers' logs before the data directory goes (a bench's `…_KEEP_LOGS`). */
  keepLogsIn?: string;
  /** Told first on Ctrl+C, so the benchmark's own loops stop sending. */
  onInterrupt?: () => void;
}

/**
 * Runs `work` against a fresh `npm start`; stops it (SIGINT) and removes its data whatever
 * happens. `log` reports the steps.
 */
export async function withNpmStart<T>(
  log: (message: string) => void,
  work: (session: NpmSession) => Promise<T>,
  options: NpmSessionOptions = {},
): Promise<T> {
  const dataDir = await mkdtemp(join(tmpdir(), `itinera-${options.name ? `${options.name}-` : ''}bench-`));
  const ports: EmbeddedPorts = { api: await freePort(), temporal: await freePort(), ui: await freePort(), ferret: await freePort() };
  const env = embeddedStartEnv(ports, dataDir);
  const config = loadConfig(env);
  let itinera: Itinera | undefined;
  let mongo: MongoClient | undefined;
  let cleaning: Promise<void> | undefined;
  const cleanup = () =>
    (cleaning ??= (async () => {
      await mongo?.close().catch(() => undefined);
      if (itinera) log(`npm start stopped (${await stopItinera(itinera.child)})`);
      if (options.keepLogsIn) await keepLogs(dataDir, options.keepLogsIn, log);
      await rm(dataDir, { recursive: true, force: true });
    })());
  const onSignal = (signal: NodeJS.Signals) => {
    log(`${signal}: cleaning up`);
    options.onInterrupt?.();
    void cleanup().finally(() => process.exit(130));
  };
  // Should the benchmark end some other way (a crash), the server and its data go with it.
  const onExit = () => {
    if (itinera && itinera.child.exitCode === null && itinera.child.signalCode === null) itinera.child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  process.once('exit', onExit);
  try {
    log(`npm start in ${dataDir} (API ${ports.api}, Temporal ${ports.temporal}, FerretDB ${ports.ferret})`);
    itinera = startItinera(env);
    const baseUrl = `http://127.0.0.1:${ports.api}`;
    await waitUntilReady(`${baseUrl}/ready`, itinera);
    mongo = await new MongoClient(`mongodb://127.0.0.1:${ports.ferret}/`, { maxPoolSize: 4 }).connect();
    return await work({
      itinera,
      config,
      dataDir,
      ports,
      baseUrl,
      writeAuth: `Basic ${Buffer.from(`${config.writeKey}:`).toString('base64')}`,
      adminAuth: `Bearer ${config.adminKey}`,
      db: mongo.db(config.mongo.dbName),
    });
  } catch (error) {
    if (itinera) log(`npm start's last output:\n${itinera.output().slice(-4000)}`);
    throw error;
  } finally {
    await cleanup();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('exit', onExit);
  }
}

async function keepLogs(dataDir: string, into: string, log: (message: string) => void): Promise<void> {
  await cp(join(dataDir, 'logs'), into, { recursive: true }).then(
    () => log(`the servers' logs are in ${resolve(into)}`),
    (error: unknown) => log(`could not keep the logs: ${String(error)}`),
  );
}
