/**
 * The journey workflow's test bench: Temporal's time-skipping test server, a worker of the
 * real workflows with the real activities on a database of its own (no SMTP: e-mails are
 * recorded as not-configured), and a hand-built program deployed. Days pass in milliseconds.
 */
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../../src/activities/index.js';
import { createDeliverer } from '../../src/channels/deliver.js';
import { LinkSigner } from '../../src/channels/links.js';
import type { ProgramIR } from '../../src/dsl/ir.js';
import { createProfileChanges } from '../../src/profile-changes/pipeline.js';
import { createStores, type Stores } from '../../src/store/index.js';
import { rawCollections, type RawCollections } from './raw.js';
import { freshDatabase, testServerBinary } from './servers.js';

export interface JourneyBench {
  env: TestWorkflowEnvironment;
  taskQueue: string;
  stores: Stores;
  raw: RawCollections;
  rulesVersion: number;
  /** A profile with these consents and nothing else. */
  newProfile(consents?: Record<string, unknown>): Promise<string>;
  close(): Promise<void>;
}

export async function startJourneyBench(label: string, program: ProgramIR): Promise<JourneyBench> {
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: testServerBinary() } },
  });
  const database = await freshDatabase(label);
  const stores = createStores(database.db);
  const raw = rawCollections(database.db);
  const rulesVersion = await stores.rules.deploy('(hand-built IR)', program, new Date());
  const taskQueue = `${label}-${randomUUID().slice(0, 8)}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowsPath: fileURLToPath(new URL('../../src/workflows/index.ts', import.meta.url)),
    activities: createActivities({
      stores,
      now: () => new Date(),
      defaultTimeZone: 'UTC',
      changes: createProfileChanges({ stores, now: () => new Date() }),
      deliverer: createDeliverer({
        stores,
        now: () => new Date(),
        links: new LinkSigner(`${label}-test-link-secret`),
        publicUrl: 'http://localhost:3000',
        defaultTimeZone: 'UTC',
      }),
    }),
  });
  const workerRun = worker.run();
  return {
    env,
    taskQueue,
    stores,
    raw,
    rulesVersion,
    async newProfile(consents = {}) {
      const profileId = `p_${randomUUID()}`;
      await stores.profiles.create(profileId, {}, new Date());
      await raw.profiles.updateOne({ _id: profileId }, { $set: { consents } as never });
      return profileId;
    },
    async close() {
      worker.shutdown();
      await workerRun;
      await env.teardown();
      await database.drop();
    },
  };
}
