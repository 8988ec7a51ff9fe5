/**
 * Records the histories that test/workflows/replay.test.ts replays, from the workflow code
 * of the checkout it runs in: `npx tsx test/workflows/record-history.ts`. It starts the
 * time-skipping test server and FerretDB (or uses MONGODB_URI), runs the journeys and the
 * erasure below with the real activities, and writes test/workflows/histories/*.pb.
 * Arguments `<history>=<file>` write only those histories, under those names, beside the
 * others: `journey-recorded=journey-local-sends.pb` keeps the release's own recording and
 * adds the same run as today's code makes it.
 *
 * Record from the code whose runs are to keep replaying (a release's), before changing
 * the workflows; the replay test then proves the change keeps their command sequence.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WorkflowHandle } from '@temporalio/client';
import proto from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { MongoClient } from 'mongodb';
import { createActivities } from '../../src/activities/index.js';
import { createDeliverer } from '../../src/channels/deliver.js';
import { LinkSigner } from '../../src/channels/links.js';
import type { ProgramIR } from '../../src/dsl/ir.js';
import { startFerretDb } from '../../src/infra/embedded.js';
import { freePort, type ManagedProcess } from '../../src/infra/process.js';
import { ensureFerretDb, ensureTestServer } from '../../src/infra/provision.js';
import { PrivacyKeys } from '../../src/privacy/keys.js';
import { createProfileChanges } from '../../src/profile-changes/pipeline.js';
import { createStores } from '../../src/store/index.js';
import { erasureWorkflowId, journeyWorkflowId } from '../../src/util/workflow-ids.js';
import { erasureWorkflow } from '../../src/workflows/erasure.js';
import { journeyWorkflow } from '../../src/workflows/journey.js';
import { journeyStateQuery, profileEventSignal } from '../../src/workflows/messages.js';

const HOUR = 3_600_000;
const historiesDir = fileURLToPath(new URL('./histories/', import.meta.url));
const taskQueue = `record-${randomUUID().slice(0, 8)}`;

/** `hh:mm` in UTC, `offsetMs` from now: quiet hours that are checked but never hold the send. */
const utcClock = (offsetMs: number) => new Date(Date.now() + offsetMs).toISOString().slice(11, 16);

const program: ProgramIR = {
  irVersion: 1,
  consents: [],
  segments: [],
  journeys: [
    {
      // (a) exit when judged at entry (false), a tag, a wait for an event that is signalled,
      // a send (quiet hours checked, the e-mail recorded as not-configured), the end.
      name: 'recorded',
      trigger: { kind: 'performed', event: 'Go' },
      requiresConsent: [],
      reentry: { kind: 'never' },
      exitOn: [],
      exitWhen: { kind: 'tagged', tag: 'recorded_never' },
      quietHours: { start: utcClock(12 * HOUR), end: utcClock(12 * HOUR + 60_000) },
      steps: [
        { kind: 'tag', id: 'r0', tag: 'recorded_entered' },
        {
          kind: 'waitFor',
          id: 'r1',
          event: 'Order Completed',
          timeoutMs: 4 * HOUR,
          then: [{ kind: 'tag', id: 'r2', tag: 'recorded_ordered' }],
          otherwise: [],
        },
        { kind: 'sendEmail', id: 'r3', template: 'welcome', with: {} },
      ],
    },
    {
      // (d) a row of instant steps taken together (a send, a tag), a wait, another row (an
      // untag, a trait) and the end; recorded by the lean code only.
      name: 'rows',
      trigger: { kind: 'performed', event: 'Go' },
      requiresConsent: [],
      reentry: { kind: 'never' },
      exitOn: [],
      steps: [
        { kind: 'sendEmail', id: 'w0', template: 'welcome', with: {} },
        { kind: 'tag', id: 'w1', tag: 'rows_sent' },
        { kind: 'wait', id: 'w2', ms: HOUR },
        { kind: 'untag', id: 'w3', tag: 'rows_sent' },
        { kind: 'setTrait', id: 'w4', path: 'rows_done', value: true },
      ],
    },
    {
      // (e) an `on exit` block (issue 31): a tag, a wait that an `exit on` event ends, then
      // the block's untag and trait in one local activity; recorded by the code that has it.
      name: 'exiting',
      trigger: { kind: 'performed', event: 'Go' },
      requiresConsent: [],
      messages: 'operational',
      reentry: { kind: 'never' },
      exitOn: [{ event: 'Unsubscribed' }],
      steps: [
        { kind: 'tag', id: 'e0', tag: 'exiting_in' },
        { kind: 'wait', id: 'e1', ms: HOUR },
        { kind: 'tag', id: 'e2', tag: 'exiting_done' },
      ],
      onExit: [
        { kind: 'untag', id: 'onExit.0', tag: 'exiting_in' },
        { kind: 'setTrait', id: 'onExit.1', path: 'exiting_ended', value: true },
      ],
    },
    {
      // (b) a history limit of 1: the run continues as new after its first step.
      name: 'continued',
      trigger: { kind: 'performed', event: 'Go' },
      requiresConsent: [],
      reentry: { kind: 'never' },
      exitOn: [],
      steps: [
        { kind: 'tag', id: 'c0', tag: 'continued_a' },
        { kind: 'tag', id: 'c1', tag: 'continued_b' },
      ],
    },
  ],
};

/** The histories to write (`journey-recorded.pb` → its file), all under their own names without arguments. */
const only = new Map(process.argv.slice(2).map((arg) => [`${arg.split('=')[0]}.pb`, arg.split('=')[1] ?? `${arg}.pb`]));

async function save(name: string, handle: WorkflowHandle): Promise<void> {
  const file = only.size === 0 ? name : only.get(name);
  if (file === undefined) return;
  const history = await handle.fetchHistory();
  await writeFile(join(historiesDir, file), proto.temporal.api.history.v1.History.encode(history).finish());
  console.log(`${file}: ${history.events!.length} events`);
}

async function main(): Promise<void> {
  const progress = (message: string) => console.log(message);
  const dataDir = await mkdtemp(join(tmpdir(), 'itinera-record-'));
  let ferret: ManagedProcess | undefined;
  let mongoUri = process.env.MONGODB_URI;
  if (!mongoUri) {
    const port = await freePort();
    ferret = await startFerretDb({ binary: await ensureFerretDb(progress), dataDir, port });
    mongoUri = `mongodb://127.0.0.1:${port}/`;
  }
  const mongo = new MongoClient(mongoUri);
  const db = mongo.db(`record_${randomUUID().slice(0, 8)}`);
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: await ensureTestServer(progress) } },
  });
  try {
    const stores = createStores(db);
    const now = () => new Date();
    const changes = createProfileChanges({ stores, now });
    const rulesVersion = await stores.rules.deploy('(hand-built IR)', program, now());
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowsPath: fileURLToPath(new URL('../../src/workflows/index.ts', import.meta.url)),
      activities: createActivities({
        stores,
        now,
        defaultTimeZone: 'UTC',
        changes,
        deliverer: createDeliverer({
          stores,
          now,
          links: new LinkSigner('record-link-secret'),
          publicUrl: 'http://localhost:3000',
          defaultTimeZone: 'UTC',
        }),
        privacyKeys: new PrivacyKeys('record-privacy-secret'),
        processes: { terminate: async () => false, forgetClocks: async () => undefined },
      }),
    });
    await worker.runUntil(async () => {
      // (a)
      const journeyProfile = 'p_recorded';
      await stores.profiles.create(journeyProfile, {}, now());
      const journey = await env.client.workflow.start(journeyWorkflow, {
        taskQueue,
        workflowId: journeyWorkflowId('recorded', rulesVersion, journeyProfile),
        args: [{ journey: 'recorded', rulesVersion, profileId: journeyProfile, triggerEventId: 'evt_go' }],
      });
      for (;;) {
        const state = await journey.query(journeyStateQuery).catch(() => undefined);
        if (state?.step === 'r1' && state.waiting) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      await journey.signal(profileEventSignal, { eventId: 'evt_order', event: 'Order Completed' });
      console.log(`journey: ${await journey.result()}`);
      await save('journey-recorded.pb', journey);

      // (b)
      const continuedProfile = 'p_continued';
      await stores.profiles.create(continuedProfile, {}, now());
      const continued = await env.client.workflow.start(journeyWorkflow, {
        taskQueue,
        workflowId: journeyWorkflowId('continued', rulesVersion, continuedProfile),
        args: [{ journey: 'continued', rulesVersion, profileId: continuedProfile, triggerEventId: 'evt_go', historyLimit: 1 }],
      });
      console.log(`continued: ${await env.client.workflow.getHandle(continued.workflowId).result()}`);
      await save('journey-continuing.pb', env.client.workflow.getHandle(continued.workflowId, continued.firstExecutionRunId));
      await save('journey-continued.pb', env.client.workflow.getHandle(continued.workflowId));

      // (d)
      const rowsProfile = 'p_rows';
      await stores.profiles.create(rowsProfile, {}, now());
      const rows = await env.client.workflow.start(journeyWorkflow, {
        taskQueue,
        workflowId: journeyWorkflowId('rows', rulesVersion, rowsProfile),
        args: [{ journey: 'rows', rulesVersion, profileId: rowsProfile, triggerEventId: 'evt_go' }],
      });
      console.log(`rows: ${await rows.result()}`);
      await save('journey-rows.pb', rows);

      // (e)
      const exitingProfile = 'p_exiting';
      await stores.profiles.create(exitingProfile, {}, now());
      const exiting = await env.client.workflow.start(journeyWorkflow, {
        taskQueue,
        workflowId: journeyWorkflowId('exiting', rulesVersion, exitingProfile),
        args: [{ journey: 'exiting', rulesVersion, profileId: exitingProfile, triggerEventId: 'evt_go' }],
      });
      for (;;) {
        const state = await exiting.query(journeyStateQuery).catch(() => undefined);
        if (state?.step === 'e1' && state.waiting) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      await exiting.signal(profileEventSignal, { eventId: 'evt_unsub', event: 'Unsubscribed' });
      console.log(`exiting: ${await exiting.result()}`);
      await save('journey-on-exit.pb', exiting);

      // (c)
      const erasedProfile = 'p_erased';
      await stores.profiles.create(erasedProfile, {}, now());
      const requestId = `er_${randomUUID()}`;
      await stores.privacyRequests.create({
        _id: requestId,
        kind: 'erasure',
        profileId: erasedProfile,
        status: 'pending',
        createdAt: now(),
        updatedAt: now(),
      });
      const erasure = await env.client.workflow.start(erasureWorkflow, {
        taskQueue,
        workflowId: erasureWorkflowId(requestId),
        args: [{ requestId }],
      });
      console.log(`erasure: ${await erasure.result()}`);
      await save('erasure-steps.pb', erasure);
    });
  } finally {
    await env.teardown();
    await db.dropDatabase().catch(() => undefined);
    await mongo.close();
    await ferret?.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

await main();
