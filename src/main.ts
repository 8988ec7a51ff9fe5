/**
 * `npm start`: Itinera on one machine. Provisions and starts Temporal and FerretDB when
 * no TEMPORAL_ADDRESS / MONGODB_URI is configured, then the worker and the HTTP API (or
 * one of them: ITINERA_ROLE, docs/deploy.md).
 * SIGINT/SIGTERM stops everything it started, within ITINERA_STOP_TIMEOUT_MS (exit code 0,
 * or 1 when the deadline passed or a step failed); a second signal stops at once (exit code
 * 130 or 143). The embedded servers never outlive this process (see infra/process.ts).
 */
import type { Server } from 'node:http';
import { join } from 'node:path';
import { Runtime as TemporalRuntime } from '@temporalio/worker';
import { ConfigError, DEV_ADMIN_KEY, DEV_WRITE_KEY, loadConfig, type Config } from './config.js';
import { startFerretDb, startTemporalDevServer } from './infra/embedded.js';
import { isPortFree, STOP_GRACE_MS, type ManagedProcess } from './infra/process.js';
import { ensureFerretDb, ensureTemporalCli, ProvisioningError } from './infra/provision.js';
import { createLogger, type Logger } from './logger.js';
import { runtimeOptionsFrom, startRuntime, type Runtime } from './runtime.js';
import { exitCodeForSignal, SAME_SIGNAL_MS, stopWithin, type StopStep } from './shutdown.js';

/** What a stop undoes, in the order it was started: the runtime, then the HTTP API. */
const started: StopStep[] = [];
/** The embedded servers, stopped last and whatever happened before. */
const servers: ManagedProcess[] = [];
/** After the deadline a server gets this long to exit on SIGTERM before SIGKILL. */
const LATE_GRACE_MS = 5000;
/** After this long serving, the journey simulations are prepared: not in the way of starting up. */
const SIMULATION_PREPARE_DELAY_MS = 3000;

/**
 * A server is stopped by a stop even while it is still starting: it is registered as soon as
 * it runs, before it listens. (One spawned at the very instant the stop ends is left to its
 * watchdog, which stops it once this process is gone.)
 */
function registerServer(proc: ManagedProcess, logger: Logger): void {
  servers.push(proc);
  logger.info({ server: proc.name, pid: proc.pid }, 'embedded server running; waiting for it to listen');
  if (stopping) void proc.stop(LATE_GRACE_MS);
}

async function startEmbeddedServers(
  config: Config,
  logger: Logger,
): Promise<{ temporalAddress: string; mongoUri: string; temporalUi?: string }> {
  const progress = (message: string) => logger.info(message);
  const onStarted = (proc: ManagedProcess) => registerServer(proc, logger);
  let temporalAddress = config.temporal.address;
  let temporalUi: string | undefined;
  let mongoUri = config.mongo.uri;
  const starting: Promise<ManagedProcess>[] = [];

  if (!temporalAddress) {
    const port = config.temporal.embeddedPort;
    if (!(await isPortFree(port)))
      throw new ConfigError(`port ${port} for the embedded Temporal is taken; set TEMPORAL_PORT, or TEMPORAL_ADDRESS to use that server`);
    starting.push(
      ensureTemporalCli(progress).then((binary) =>
        startTemporalDevServer({
          binary,
          dataDir: config.dataDir,
          port,
          uiPort: config.temporal.embeddedUiPort,
          namespace: config.temporal.namespace,
          onStarted,
        }),
      ),
    );
    temporalAddress = `127.0.0.1:${port}`;
    temporalUi = `http://127.0.0.1:${config.temporal.embeddedUiPort}`;
  }
  if (!mongoUri) {
    const port = config.mongo.embeddedPort;
    if (!(await isPortFree(port)))
      throw new ConfigError(`port ${port} for the embedded FerretDB is taken; set FERRETDB_PORT, or MONGODB_URI to use that server`);
    starting.push(ensureFerretDb(progress).then((binary) => startFerretDb({ binary, dataDir: config.dataDir, port, onStarted })));
    mongoUri = `mongodb://127.0.0.1:${port}/`;
  }
  const results = await Promise.allSettled(starting);
  const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure) throw failure.reason;
  return { temporalAddress, mongoUri, ...(temporalUi ? { temporalUi } : {}) };
}

function listen(runtime: Runtime, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = runtime.app.listen(port, '0.0.0.0', () => resolve(server));
    // An import streams its file for as long as it takes (a million rows: minutes); Node's
    // default would cut every request off at 5 minutes. Slow headers are still refused
    // (headersTimeout), and every other route reads a size-limited body.
    server.requestTimeout = 0;
    server.once('error', reject);
  });
}

let stopping: Promise<number> | undefined;

/** Stops everything started so far (once); resolves with the exit code. */
function stopAll(config: Config, logger: Logger): Promise<number> {
  return (stopping ??= (async () => {
    const outcome = await stopWithin(
      {
        // Reverse order of start: API, then runtime; the servers they used last.
        graceful: [...started].reverse(),
        final: servers.map((server) => ({ name: server.name, run: (late) => server.stop(late ? LATE_GRACE_MS : STOP_GRACE_MS) })),
        deadlineMs: config.stopTimeoutMs,
      },
      {
        onStep: (step) => logger.debug({ step }, 'stopping'),
        onFailure: (step, error) => logger.error({ err: error, step }, `stopping ${step} failed`),
        onDeadline: (step) =>
          logger.error(
            { step, stopTimeoutMs: config.stopTimeoutMs },
            `stop deadline passed while "${step}" was still running; stopping the embedded servers anyway. ` +
              'Accepted events are safe: they are in the outbox, and the sweeper finishes them on the next start',
          ),
      },
    );
    if (outcome.exitCode === 0) logger.info('Itinera stopped');
    return outcome.exitCode;
  })());
}

async function main(config: Config, logger: Logger): Promise<void> {
  let firstSignalAt = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping && Date.now() - firstSignalAt < SAME_SIGNAL_MS) return;
    if (stopping) {
      // Synchronous to the end: nothing of ours may be left running when this process is gone.
      logger.warn(
        { signal },
        'second signal: stopping at once; the embedded servers are killed. Accepted events are finished from the outbox on the next start',
      );
      for (const server of servers) server.kill();
      process.exit(exitCodeForSignal(signal));
    }
    firstSignalAt = Date.now();
    logger.info({ signal, stopTimeoutMs: config.stopTimeoutMs }, 'stopping Itinera (a second Ctrl+C stops at once)');
    void stopAll(config, logger).then((code) => process.exit(code));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // The signals are ours: the worker drains when the stop gets to it (after the API and the
  // profile writes), not on its own as soon as a signal arrives.
  TemporalRuntime.install({ shutdownSignals: [] });

  const endpoints = await startEmbeddedServers(config, logger);
  const runtime = await startRuntime(runtimeOptionsFrom(config, endpoints, logger));
  started.push({ name: 'runtime (outbox sweeper, profile writer, Temporal worker, connections)', run: () => runtime.close() });
  const http = await listen(runtime, config.port);
  started.push({ name: 'HTTP API (requests in flight)', run: () => new Promise<void>((resolve) => http.close(() => resolve())) });
  if (config.role === 'worker') exitWhenWorkerEnds(runtime, config, logger);
  // Once serving, the first journey simulation is made as quick as the others (docs/simulation.md).
  else setTimeout(() => runtime.prepareSimulations(), SIMULATION_PREPARE_DELAY_MS).unref();

  if (config.role === 'worker') {
    console.log(
      [
        '',
        `Itinera worker is running (ITINERA_ROLE=worker, deployment '${config.deploymentId}').`,
        `  Health:       http://127.0.0.1:${config.port}/health, /ready  (nothing else is served here)`,
        `  Temporal:     ${endpoints.temporalAddress}, namespace '${config.temporal.namespace}', task queue '${config.temporal.taskQueue}'`,
        `  MongoDB:      ${config.mongo.uri ? 'MONGODB_URI (configured)' : endpoints.mongoUri} database '${config.mongo.dbName}'`,
        'Press Ctrl+C to stop.',
        '',
      ].join('\n'),
    );
    return;
  }
  // The console is of no use until someone can sign in: say how to add the first user.
  const users = (await runtime.stores.users.list()).length;
  const consoleNote =
    users > 0
      ? `${users} user${users === 1 ? '' : 's'}`
      : 'no users yet: add one with  echo "<password>" | npx itinera users add <name> --role admin';
  const keyNote = (key: string, dev: string, name: string) =>
    key === dev ? `${name}=${dev} (development default)` : `${name} set (hidden)`;
  console.log(
    [
      '',
      `Itinera is running${config.role === 'api' ? ' (ITINERA_ROLE=api: no worker in this process)' : ''}.`,
      `  API:          http://127.0.0.1:${config.port}  (health: /health, readiness: /ready)`,
      `  Console:      http://localhost:${config.port}/console/  (${consoleNote})`,
      `  Temporal:     ${endpoints.temporalAddress}${endpoints.temporalUi ? `  (UI: ${endpoints.temporalUi})` : ''}`,
      `  MongoDB:      ${config.mongo.uri ? 'MONGODB_URI (configured)' : endpoints.mongoUri} database '${config.mongo.dbName}'`,
      `  Data:         ${config.mongo.uri && config.temporal.address ? '(external servers)' : config.dataDir}`,
      `  Keys:         ${keyNote(config.writeKey, DEV_WRITE_KEY, 'ITINERA_WRITE_KEY')}, ${keyNote(config.adminKey, DEV_ADMIN_KEY, 'ITINERA_ADMIN_KEY')}`,
      `  E-mail:       ${config.smtp ? `SMTP ${smtpHostOf(config.smtp.url)}, from ${config.smtp.from}` : 'not configured (set ITINERA_SMTP_URL and ITINERA_MAIL_FROM): e-mails are recorded as not-configured'}`,
      `  Links:        ${config.publicUrl ?? `http://localhost:${config.port}`}  (unsubscribe links in e-mails; ITINERA_PUBLIC_URL)`,
      `  Logs of embedded servers: ${join(config.dataDir, 'logs')}`,
      'Press Ctrl+C to stop.',
      '',
    ].join('\n'),
  );
}

/**
 * A worker process whose worker has stopped (failed, or shut down by a signal the SDK took)
 * does nothing useful: it stops and exits 1 so its supervisor starts a new one. An `all`
 * process stays up, since its API still accepts events (they wait in the outbox); its
 * /ready says the worker is down.
 */
function exitWhenWorkerEnds(runtime: Runtime, config: Config, logger: Logger): void {
  void runtime.workerEnded?.then(async () => {
    if (stopping) return;
    logger.fatal('the Temporal worker stopped; stopping this worker process (exit code 1) so that it is restarted');
    await stopAll(config, logger);
    process.exit(1);
  });
}

/** The SMTP server without its credentials, for the banner. */
function smtpHostOf(url: string): string {
  const parsed = new URL(url);
  return `${parsed.protocol}//${parsed.host}`;
}

function failedToStart(error: unknown): void {
  if (error instanceof ConfigError || error instanceof ProvisioningError) console.error(`itinera: ${error.message}`);
  else console.error('itinera: failed to start:', error);
}

let config: Config;
try {
  config = loadConfig();
} catch (error) {
  failedToStart(error);
  process.exit(1);
}
const logger = createLogger(config.logLevel, undefined, { identityKinds: config.externalIdKinds });
main(config, logger).catch(async (error: unknown) => {
  // A start cut short by a signal fails as a matter of course; that stop reports and exits.
  if (stopping) return;
  failedToStart(error);
  await stopAll(config, logger);
  process.exit(1);
});
