/**
 * `npm start`: Itinera on one machine. Provisions and starts Temporal and FerretDB when
 * no TEMPORAL_ADDRESS / MONGODB_URI is configured, then the worker and the HTTP API.
 * SIGINT/SIGTERM stops everything it started.
 */
import type { Server } from 'node:http';
import { join } from 'node:path';
import { ConfigError, DEV_ADMIN_KEY, DEV_WRITE_KEY, loadConfig, type Config } from './config.js';
import { startFerretDb, startTemporalDevServer } from './infra/embedded.js';
import { isPortFree, type ManagedProcess } from './infra/process.js';
import { ensureFerretDb, ensureTemporalCli, ProvisioningError } from './infra/provision.js';
import { createLogger, type Logger } from './logger.js';
import { runtimeOptionsFrom, startRuntime, type Runtime } from './runtime.js';

const stoppers: (() => Promise<void>)[] = [];

async function startEmbeddedServers(config: Config, logger: Logger): Promise<{ temporalAddress: string; mongoUri: string; temporalUi?: string }> {
  const progress = (message: string) => logger.info(message);
  let temporalAddress = config.temporal.address;
  let temporalUi: string | undefined;
  let mongoUri = config.mongo.uri;
  const starting: Promise<ManagedProcess>[] = [];

  if (!temporalAddress) {
    const port = config.temporal.embeddedPort;
    if (!(await isPortFree(port))) throw new ConfigError(`port ${port} for the embedded Temporal is taken; set TEMPORAL_PORT, or TEMPORAL_ADDRESS to use that server`);
    starting.push(
      ensureTemporalCli(progress).then((binary) =>
        startTemporalDevServer({ binary, dataDir: config.dataDir, port, uiPort: config.temporal.embeddedUiPort, namespace: config.temporal.namespace }),
      ),
    );
    temporalAddress = `127.0.0.1:${port}`;
    temporalUi = `http://127.0.0.1:${config.temporal.embeddedUiPort}`;
  }
  if (!mongoUri) {
    const port = config.mongo.embeddedPort;
    if (!(await isPortFree(port))) throw new ConfigError(`port ${port} for the embedded FerretDB is taken; set FERRETDB_PORT, or MONGODB_URI to use that server`);
    starting.push(ensureFerretDb(progress).then((binary) => startFerretDb({ binary, dataDir: config.dataDir, port })));
    mongoUri = `mongodb://127.0.0.1:${port}/`;
  }
  const results = await Promise.allSettled(starting);
  for (const result of results) if (result.status === 'fulfilled') stoppers.push(() => result.value.stop());
  const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure) throw failure.reason;
  return { temporalAddress, mongoUri, ...(temporalUi ? { temporalUi } : {}) };
}

function listen(runtime: Runtime, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = runtime.app.listen(port, '0.0.0.0', () => resolve(server));
    server.once('error', reject);
  });
}

async function stopAll(): Promise<void> {
  // Reverse order of start: API, then runtime, then the servers it used.
  for (const stop of stoppers.reverse()) await stop().catch(() => undefined);
}

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  let shuttingDown = false;
  const shutdown = (signal: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    logger.info({ signal }, 'stopping Itinera');
    void stopAll().then(() => process.exit(0));
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));

  const servers = await startEmbeddedServers(config, logger);
  const runtime = await startRuntime(runtimeOptionsFrom(config, servers, logger));
  stoppers.push(() => runtime.close());
  const http = await listen(runtime, config.port);
  stoppers.push(() => new Promise<void>((resolve) => http.close(() => resolve())));

  const keyNote = (key: string, dev: string, name: string) => (key === dev ? `${name}=${dev} (development default)` : `${name} set (hidden)`);
  console.log(
    [
      '',
      `Itinera is running.`,
      `  API:          http://127.0.0.1:${config.port}  (health: /health, readiness: /ready)`,
      `  Temporal:     ${servers.temporalAddress}${servers.temporalUi ? `  (UI: ${servers.temporalUi})` : ''}`,
      `  MongoDB:      ${config.mongo.uri ? 'MONGODB_URI (configured)' : servers.mongoUri} database '${config.mongo.dbName}'`,
      `  Data:         ${config.mongo.uri && config.temporal.address ? '(external servers)' : config.dataDir}`,
      `  Keys:         ${keyNote(config.writeKey, DEV_WRITE_KEY, 'ITINERA_WRITE_KEY')}, ${keyNote(config.adminKey, DEV_ADMIN_KEY, 'ITINERA_ADMIN_KEY')}`,
      `  Logs of embedded servers: ${join(config.dataDir, 'logs')}`,
      'Press Ctrl+C to stop.',
      '',
    ].join('\n'),
  );
}

main().catch(async (error: unknown) => {
  if (error instanceof ConfigError || error instanceof ProvisioningError) console.error(`itinera: ${error.message}`);
  else console.error('itinera: failed to start:', error);
  await stopAll();
  process.exit(1);
});
