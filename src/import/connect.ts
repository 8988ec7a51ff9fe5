/**
 * `itinera import` from the command line writes to the configured database (with the
 * embedded defaults: the FerretDB that `npm start` runs) and dispatches to the configured
 * Temporal; no worker and no HTTP server of its own. The connection opens on the first
 * chunk (or, for a mapping with consent columns, when their purposes are checked against
 * the active rules, before the file is read), so `--help` and usage errors need no servers.
 */
import { loadConfig } from '../config.js';
import { createLogger } from '../logger.js';
import { runtimeOptionsFrom, startRuntime, type Runtime } from '../runtime.js';
import { declaredPurposesIn } from './apply.js';
import type { ApplyMessages } from './types.js';

export function configuredImport(env: NodeJS.ProcessEnv = process.env): { apply: ApplyMessages; close(): Promise<void> } {
  let runtime: Promise<Runtime> | undefined;
  const open = () => {
    const config = loadConfig(env);
    const servers = {
      temporalAddress: config.temporal.address ?? `127.0.0.1:${config.temporal.embeddedPort}`,
      mongoUri: config.mongo.uri ?? `mongodb://127.0.0.1:${config.mongo.embeddedPort}/`,
    };
    const logger = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel, undefined, { identityKinds: config.externalIdKinds });
    return startRuntime({
      ...runtimeOptionsFrom(config, servers, logger),
      // The server's sweeper, not this short-lived process, retries what stays pending.
      sweepIntervalMs: 24 * 60 * 60 * 1000,
      runWorker: false,
      enrichment: false,
    });
  };
  const apply: ApplyMessages = async (messages) => (await (runtime ??= open())).importApply(messages);
  apply.declaredPurposes = async () => declaredPurposesIn((await (runtime ??= open())).stores.rules);
  return {
    apply,
    async close() {
      if (!runtime) return;
      const opened = await runtime;
      // Every row applied and dispatched before the command reports success.
      await opened.writer.drain();
      await opened.close();
    },
  };
}
