/**
 * `itinera import` from the command line writes to the configured database (with the
 * embedded defaults: the FerretDB that `npm start` runs) and dispatches to the configured
 * Temporal; no worker and no HTTP server of its own. The connection opens on the first
 * chunk, so `--help` and usage errors need no servers.
 */
import { loadConfig } from '../config.js';
import { createLogger } from '../logger.js';
import { startRuntime, type Runtime } from '../runtime.js';
import { EMBEDDED_FERRETDB_POOL_SIZE } from '../store/index.js';
import type { ApplyMessages } from './csv-import.js';

export function configuredImport(env: NodeJS.ProcessEnv = process.env): { apply: ApplyMessages; close(): Promise<void> } {
  let runtime: Promise<Runtime> | undefined;
  const open = () => {
    const config = loadConfig(env);
    return startRuntime({
      temporalAddress: config.temporal.address ?? `127.0.0.1:${config.temporal.embeddedPort}`,
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      mongoUri: config.mongo.uri ?? `mongodb://127.0.0.1:${config.mongo.embeddedPort}/`,
      dbName: config.mongo.dbName,
      ...(config.mongo.uri ? {} : { mongoMaxPoolSize: EMBEDDED_FERRETDB_POOL_SIZE }),
      writeKey: config.writeKey,
      adminKey: config.adminKey,
      externalIdKinds: config.externalIdKinds,
      identityLimits: config.identityLimits,
      logger: createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel),
      // The server's sweeper, not this short-lived process, retries what stays pending.
      sweepIntervalMs: 24 * 60 * 60 * 1000,
      runWorker: false,
      enrichment: false,
    });
  };
  return {
    apply: async (messages) => (await (runtime ??= open())).importApply(messages),
    async close() {
      if (runtime) await (await runtime).close();
    },
  };
}
