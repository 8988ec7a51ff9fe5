/**
 * Crash safety of a send: the worker process is killed (SIGKILL) after the SMTP server has
 * the message and before the worker could record its answer. A new worker process takes
 * over; the send's retry finds the message unfinished and sends it again with the same
 * Message-ID, which the mailbox keeps once; the record says sent, once, after two
 * attempts, and the run goes on from there.
 */
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProgramIR } from '../../src/dsl/ir.js';
import { createStores, type Stores } from '../../src/store/index.js';
import type * as workflows from '../../src/workflows/index.js';
import { journeyWorkflowId } from '../../src/util/workflow-ids.js';
import { freshDatabase, temporalAddress } from '../support/servers.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';
import { forkWorker } from '../support/worker-child.js';

const program: ProgramIR = {
  irVersion: 1,
  consents: [],
  segments: [],
  journeys: [
    {
      name: 'receipt',
      trigger: { kind: 'performed', event: 'Order Completed' },
      requiresConsent: [],
      reentry: { kind: 'always' },
      exitOn: [],
      steps: [
        { kind: 'sendEmail', id: 's0', template: 'receipt', with: {} },
        { kind: 'tag', id: 's1', tag: 'receipt_sent' },
      ],
    },
  ],
};

let sink: SmtpSink;
let stores: Stores;
let drop: () => Promise<void>;
let dbName: string;
let connection: Connection;
let temporal: Client;
const taskQueue = `crash-${randomUUID().slice(0, 8)}`;
const children: ChildProcess[] = [];

async function startWorker(): Promise<ChildProcess> {
  const child = await forkWorker({ temporalAddress: temporalAddress(), taskQueue, dbName, smtpUrl: sink.url });
  children.push(child);
  return child;
}

beforeAll(async () => {
  sink = await startSmtpSink();
  const database = await freshDatabase('crash');
  ({ drop } = database);
  dbName = database.name;
  stores = createStores(database.db);
  await stores.rules.deploy('(hand-built IR)', program, new Date());
  await stores.templates.put('receipt', { subject: 'Your receipt', html: '<p>Thanks</p>' }, new Date());
  connection = await Connection.connect({ address: temporalAddress() });
  temporal = new Client({ connection });
});
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await connection?.close();
  await sink?.close();
  await drop?.();
});

describe('a worker killed mid-send', () => {
  it('resends after the restart with the same Message-ID: one message in the mailbox, one record', async () => {
    const profileId = `p_${randomUUID()}`;
    await stores.profiles.create(profileId, {}, new Date());
    await stores.profiles.setTrait(profileId, 'email', 'crash@example.com', new Date());
    const first = await startWorker();
    // The SMTP server has the whole message: the worker dies before it hears the answer.
    sink.onMessage = () => {
      sink.onMessage = undefined;
      first.kill('SIGKILL');
    };
    const version = (await stores.rules.activeVersion())!;
    const run = await temporal.workflow.start<typeof workflows.journeyWorkflow>('journeyWorkflow', {
      taskQueue,
      workflowId: journeyWorkflowId('receipt', version, profileId),
      args: [{ journey: 'receipt', rulesVersion: version, profileId, triggerEventId: 'evt_1' }],
    });
    await new Promise<void>((resolve) =>
      first.exitCode !== null || first.signalCode !== null ? resolve() : first.once('exit', () => resolve()),
    );
    expect(sink.received).toHaveLength(1);
    // The worker is gone before its record: the message stands as an attempt under way.
    const [message] = await stores.deliveries.ofProfiles([profileId]);
    expect(message).toMatchObject({ status: 'sending', attempts: 1 });

    await startWorker();
    expect(await run.result()).toBe('completed');
    expect(sink.received).toHaveLength(2);
    expect(sink.received[1]!.messageId).toBe(sink.received[0]!.messageId);
    expect(sink.mailbox('crash@example.com')).toHaveLength(1);
    const [recorded] = await stores.deliveries.ofProfiles([profileId]);
    expect(recorded).toMatchObject({ status: 'sent', attempts: 2 });
    expect(recorded!.history!.map((step) => step.status)).toEqual(['sending', 'sending', 'sent']);
    expect((await stores.profiles.findById(profileId))!.tags).toEqual(['receipt_sent']);
  });
});
