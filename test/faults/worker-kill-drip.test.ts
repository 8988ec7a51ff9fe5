/**
 * Fault: the worker process is killed (SIGKILL) while a drip's e-mails are going out to
 * a dozen people: the SMTP server has just taken the sixth message, and the worker dies
 * before it hears the answer, with other sends and runs in flight. A new worker process
 * takes the runs over; each person gets each e-mail exactly once (by Message-ID, as a
 * mail store keeps them), every message is recorded sent once, and the runs complete.
 * test/channels/crash.test.ts kills a worker in one send of one run; this is the drip.
 */
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { journeyWorkflowId } from '../../src/util/workflow-ids.js';
import { ADMIN_KEY, WRITE_KEY, basicAuth, bearer, eventually, send, startTestItinera, type TestItinera } from '../support/runtime.js';
import { temporalAddress } from '../support/servers.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';
import { exited, forkWorker } from '../support/worker-child.js';

const RULES = `
journey drip {
  when performed "Joined"
  operational
  reentry always
  send email "one"
  send email "two"
  wait 1 second
  send email "three"
}
`;
const PEOPLE = Array.from({ length: 12 }, (_, n) => `drip${n}`);
const SUBJECTS = ['One', 'Two', 'Three'];
/** The transmission during which the worker dies. */
const KILL_AT = 6;

let itinera: TestItinera;
let sink: SmtpSink;
let version: number;
const children: ChildProcess[] = [];
const admin = { auth: bearer(ADMIN_KEY) };
const write = { auth: basicAuth(WRITE_KEY) };

async function startWorker(): Promise<ChildProcess> {
  const child = await forkWorker({
    temporalAddress: temporalAddress(),
    taskQueue: itinera.taskQueue,
    dbName: itinera.dbName,
    smtpUrl: sink.url,
    adminKey: ADMIN_KEY,
  });
  children.push(child);
  return child;
}

beforeAll(async () => {
  sink = await startSmtpSink();
  // The API here, the worker in a child process it can kill.
  itinera = await startTestItinera('faults-drip', { runWorker: false });
  for (const [name, subject] of [
    ['one', 'One'],
    ['two', 'Two'],
    ['three', 'Three'],
  ])
    expect(
      (await send(itinera.baseUrl, 'PUT', `/v1/templates/${name}`, { ...admin, json: { subject, html: `<p>${subject}</p>` } })).status,
    ).toBe(201);
  const deployed = await send(itinera.baseUrl, 'PUT', '/v1/rules', { ...admin, text: RULES });
  expect(deployed.status).toBe(200);
  version = deployed.body.version;
});
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await itinera?.close();
  await sink?.close();
});

describe('a worker killed mid-drip', () => {
  it('a new worker finishes the drip: each person gets each e-mail exactly once', { timeout: 120_000 }, async () => {
    const first = await startWorker();
    sink.onMessage = () => {
      if (sink.received.length !== KILL_AT) return;
      sink.onMessage = undefined;
      first.kill('SIGKILL');
    };
    const batch = PEOPLE.flatMap((userId) => [
      { type: 'identify', userId, traits: { email: `${userId}@example.com` } },
      { type: 'track', userId, event: 'Joined' },
    ]);
    expect((await send(itinera.baseUrl, 'POST', '/v1/batch', { ...write, json: { batch } })).status).toBe(200);

    await exited(first);
    expect(first.signalCode).toBe('SIGKILL');
    // The kill came mid-drip: some e-mails out, most not.
    const outAtKill = sink.mailbox().length;
    expect(outAtKill).toBeGreaterThanOrEqual(KILL_AT);
    expect(outAtKill).toBeLessThan(PEOPLE.length * SUBJECTS.length);

    await startWorker();
    const profileIds = new Map<string, string>();
    for (const userId of PEOPLE) {
      const profileId = (await send(itinera.baseUrl, 'GET', `/v1/profiles/lookup?userId=${userId}`, admin)).body.id as string;
      profileIds.set(userId, profileId);
      const run = itinera.runtime.temporal.workflow.getHandle(journeyWorkflowId('drip', version, profileId));
      expect(await run.result()).toBe('completed');
    }

    for (const [userId, profileId] of profileIds) {
      // Each e-mail once in the person's mailbox, in the drip's order.
      expect(sink.mailbox(`${userId}@example.com`).map((mail) => mail.subject)).toEqual(SUBJECTS);
      const messages = await eventually(async () => {
        const listed = (await send(itinera.baseUrl, 'GET', `/v1/profiles/${profileId}/messages`, admin)).body.messages as Record<
          string,
          any
        >[];
        return listed.length === SUBJECTS.length ? listed : undefined;
      });
      expect(messages.map((message) => message.status)).toEqual(['sent', 'sent', 'sent']);
      expect(messages.map((message) => message.name).sort()).toEqual(['one', 'three', 'two']);
    }
    // A transmission repeated is one the dead worker never heard answered: the same
    // Message-ID again, and a message whose record counts a second attempt.
    const repeats = sink.received.length - sink.mailbox().length;
    const retried = await itinera.raw.deliveries.countDocuments({ attempts: { $gt: 1 } });
    expect(sink.mailbox()).toHaveLength(PEOPLE.length * SUBJECTS.length);
    expect(repeats).toBeLessThanOrEqual(retried);
    console.info(
      `[faults] worker killed mid-drip: ${outAtKill} e-mails out at the kill, ${repeats} resent with their Message-ID, ${retried} messages retried`,
    );
  });
});
