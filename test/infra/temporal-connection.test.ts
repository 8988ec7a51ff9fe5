/**
 * The start-up check of the Temporal namespace, against the test dev server: a namespace
 * that is not there stops the start with one line naming it and how to fix it; a server
 * that does not answer is told apart, quickly, so an API process can start without it.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config.js';
import { freePort } from '../../src/infra/process.js';
import { checkNamespace } from '../../src/infra/temporal-connection.js';
import { createLogger } from '../../src/logger.js';
import { startRuntime } from '../../src/runtime.js';
import { ADMIN_KEY, WRITE_KEY } from '../support/runtime.js';
import { mongoUri, temporalAddress } from '../support/servers.js';

const missing = `no-such-namespace-${randomUUID().slice(0, 8)}`;

describe('the Temporal namespace, checked at start-up', () => {
  it('is found when it exists', async () => {
    expect(await checkNamespace({ address: temporalAddress(), namespace: 'default' })).toBe('exists');
  });

  it('stops the start in one line naming the namespace and the fix when it does not', async () => {
    const check = checkNamespace({ address: temporalAddress(), namespace: missing });
    await expect(check).rejects.toBeInstanceOf(ConfigError);
    await expect(check).rejects.toThrow(
      `TEMPORAL_NAMESPACE: namespace "${missing}" does not exist on Temporal at ${temporalAddress()}; ` +
        `create it (temporal operator namespace create --namespace ${missing}, or in Temporal Cloud) or set TEMPORAL_NAMESPACE to one that exists`,
    );

    // A runtime, worker or not, refuses to start on it.
    for (const runWorker of [true, false]) {
      const starting = startRuntime({
        temporalAddress: temporalAddress(),
        namespace: missing,
        taskQueue: `itinera-ns-${randomUUID().slice(0, 8)}`,
        mongoUri: mongoUri(),
        dbName: `t_ns_${randomUUID().slice(0, 8)}`,
        writeKey: WRITE_KEY,
        adminKey: ADMIN_KEY,
        logger: createLogger('silent'),
        sweepIntervalMs: 60_000,
        runWorker,
      });
      await expect(starting).rejects.toThrow(/^TEMPORAL_NAMESPACE: namespace "no-such-namespace-[0-9a-f]+" does not exist/);
    }
  });

  it('tells an unreachable server apart within moments', async () => {
    const startedAt = Date.now();
    expect(await checkNamespace({ address: `127.0.0.1:${await freePort()}`, namespace: 'default' })).toBe('unreachable');
    expect(Date.now() - startedAt).toBeLessThan(1_000);
  });
});
