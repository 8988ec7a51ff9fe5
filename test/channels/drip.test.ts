/**
 * The e-book drip of examples/ebook.itn, end to end on Temporal's time-skipping server:
 * events over HTTP, e-mails at a real local SMTP server, days passing in moments. Readers
 * get five chapters one day apart with the chapter tags swapped in order, the review
 * request from `ask_for_review` (started on entering `mid_ebook`), and on finishing the
 * variant of `next_product`'s split that their cohort gets. A reader who unsubscribes with
 * the one-click POST after chapter 2 receives nothing more, and keeps no chapter tag (the
 * drip's `on exit`). Quiet hours hold a send
 * durably, visibly, until they end.
 */
import { readFileSync } from 'node:fs';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile } from '../../src/dsl/index.js';
import type { StepIR } from '../../src/dsl/ir.js';
import { cohortPercentile, pickBranch } from '../../src/workflows/cohort.js';
import { journeyWorkflowId } from '../../src/util/workflow-ids.js';
import { journeyStateQuery } from '../../src/workflows/messages.js';
import { ADMIN_KEY, WRITE_KEY, basicAuth, bearer, eventually, send, startTestItinera, type TestItinera } from '../support/runtime.js';
import { testServerBinary } from '../support/servers.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const EBOOK = readFileSync(new URL('../../examples/ebook.itn', import.meta.url), 'utf8');

/** A quiet window around the moment the file runs (UTC: the people here have no time zone). */
const hhmm = (ms: number) => new Date(ms).toISOString().slice(11, 16);
const QUIET = { start: hhmm(Date.now() - HOUR), end: hhmm(Date.now() + 2 * HOUR) };
const RULES = `${EBOOK}
journey late_offer {
  when performed "Offer Requested"
  requires consent email_marketing
  reentry always
  quiet hours ${QUIET.start}-${QUIET.end}
  send email "offer"
}
`;

const TEMPLATES: Record<string, { subject: string; html: string }> = {
  ebook_chapter: { subject: 'Chapter {{ with.chapter }}', html: '<p>Chapter {{ with.chapter }} for {{ traits.first_name }}</p>' },
  ebook_review: { subject: 'How do you like it?', html: '<p>Tell us</p>' },
  premium_course: { subject: 'Premium course', html: '<p>Premium</p>' },
  starter_course: { subject: 'Starter course', html: '<p>Starter</p>' },
  starter_course_discount: { subject: 'Starter course, {{ with.discount }}% off', html: '<p>Starter, cheaper</p>' },
  offer: { subject: 'An offer', html: '<p>Offer</p>' },
};

let env: TestWorkflowEnvironment;
let itinera: TestItinera;
let sink: SmtpSink;
let version: number;
const admin = { auth: bearer(ADMIN_KEY) };
const write = { auth: basicAuth(WRITE_KEY) };

beforeAll(async () => {
  env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: testServerBinary() } } });
  sink = await startSmtpSink();
  itinera = await startTestItinera('drip', { temporalAddress: env.address, smtp: { url: sink.url, from: 'Books <books@shop.example>' } });
  for (const [name, template] of Object.entries(TEMPLATES)) {
    expect((await send(itinera.baseUrl, 'PUT', `/v1/templates/${name}`, { ...admin, json: template })).status).toBe(201);
  }
  const deployed = await send(itinera.baseUrl, 'PUT', '/v1/rules', { ...admin, text: RULES });
  expect(deployed.status).toBe(200);
  expect(deployed.body.warnings).toEqual([]);
  version = deployed.body.version;
  await eventually(
    async () =>
      (await send(itinera.baseUrl, 'GET', '/v1/segments', admin)).body.segments.every(
        (segment: { state: string }) => segment.state === 'ready',
      ),
    60_000,
  );
});
afterAll(async () => {
  await itinera?.close();
  await sink?.close();
  await env?.teardown();
});

async function reader(userId: string): Promise<string> {
  expect(
    (await send(itinera.baseUrl, 'POST', '/v1/consents', { ...write, json: { userId, purpose: 'email_marketing', state: 'granted' } }))
      .status,
  ).toBe(200);
  expect(
    (
      await send(itinera.baseUrl, 'POST', '/v1/identify', {
        ...write,
        json: { userId, traits: { email: `${userId}@example.com`, first_name: userId } },
      })
    ).status,
  ).toBe(200);
  return (await send(itinera.baseUrl, 'GET', `/v1/profiles/lookup?userId=${userId}`, admin)).body.id as string;
}

const track = async (userId: string, event: string) =>
  expect((await send(itinera.baseUrl, 'POST', '/v1/track', { ...write, json: { userId, event } })).status).toBe(200);
const subjectsOf = (userId: string) => sink.mailbox(`${userId}@example.com`).map((mail) => mail.subject);
const chapterTagsOf = async (userId: string) =>
  (((await send(itinera.baseUrl, 'GET', `/v1/profiles/lookup?userId=${userId}`, admin)).body.tags ?? []) as string[]).filter((tag) =>
    tag.endsWith('rozdz1ebook'),
  );
const messagesOf = async (profileId: string) =>
  (await send(itinera.baseUrl, 'GET', `/v1/profiles/${profileId}/messages`, admin)).body.messages as Record<string, any>[];

describe('quiet hours', () => {
  it('holds a send until the window ends, durably and visibly, then sends it', async () => {
    const profileId = await reader('night-owl');
    await track('night-owl', 'Offer Requested');
    const run = itinera.runtime.temporal.workflow.getHandle(journeyWorkflowId('late_offer', version, profileId));
    const state = await eventually(async () => {
      const current = await run.query(journeyStateQuery).catch(() => undefined);
      return current?.waiting?.reason === 'quiet hours' ? current : undefined;
    });
    const [held] = await messagesOf(profileId);
    expect(held).toMatchObject({ status: 'deferred', detail: 'quiet hours' });
    expect(new Date(held!.history[0].until).toISOString().slice(11, 16)).toBe(QUIET.end);
    expect(state.waiting!.untilMs).toBeGreaterThan(Date.now());
    expect(subjectsOf('night-owl')).toEqual([]);

    await env.sleep(2 * HOUR + 60_000);
    await eventually(async () => subjectsOf('night-owl').length === 1);
    const [sent] = await messagesOf(profileId);
    expect(sent!.history.map((step: { status: string }) => step.status)).toEqual(['deferred', 'sending', 'sent']);
  });
});

describe('the e-book drip', () => {
  it('delivers five chapters a day apart, asks for a review, offers each cohort its course, and stops on unsubscribe', async () => {
    const { ir } = compile(EBOOK);
    const split = ir!.journeys
      .find((journey) => journey.name === 'next_product')!
      .steps.flatMap((step: StepIR) => (step.kind === 'if' ? step.else : []))
      .find((step): step is Extract<StepIR, { kind: 'split' }> => step.kind === 'split')!;
    const variantOf = (profileId: string) =>
      pickBranch(
        cohortPercentile(profileId, 'next_product', split.id),
        split.branches.map((b) => b.percent),
      ) === 0
        ? 'Starter course'
        : 'Starter course, 10% off';

    // Readers until both cohorts of the split have one (each lands by a hash of their id).
    const readers = new Map<string, string>();
    for (let n = 0; n < 20 && new Set([...readers.values()].map(variantOf)).size < 2; n++)
      readers.set(`reader${n}`, await reader(`reader${n}`));
    expect(new Set([...readers.values()].map(variantOf)).size).toBe(2);
    const quitter = await reader('quitter');

    for (const userId of [...readers.keys(), 'quitter']) await track(userId, 'Ebook Signup');
    for (let chapter = 1; chapter <= 5; chapter++) {
      for (const userId of readers.keys()) {
        await eventually(async () => subjectsOf(userId).includes(`Chapter ${chapter}`), 60_000);
        // One chapter tag at a time, the current one.
        await eventually(async () => (await chapterTagsOf(userId)).join() === `${chapter}rozdz1ebook`, 60_000);
      }
      if (chapter <= 2) await eventually(async () => subjectsOf('quitter').includes(`Chapter ${chapter}`), 60_000);
      if (chapter === 2) {
        const [mail] = sink.mailbox('quitter@example.com').filter((m) => m.subject === 'Chapter 2');
        const url = /^<([^>]+)>$/.exec(mail!.headers.get('list-unsubscribe') ?? '')![1]!;
        const posted = await fetch(`${itinera.baseUrl}${new URL(url).pathname}`, {
          method: 'POST',
          body: 'List-Unsubscribe=One-Click',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        });
        expect(posted.status).toBe(200);
        const drip = itinera.runtime.temporal.workflow.getHandle(journeyWorkflowId('ebook_drip', version, quitter));
        expect(await drip.result()).toBe('consent-withdrawn');
        // The drip's `on exit` took the chapter tag off: the quitter is no longer mid_ebook.
        expect(await chapterTagsOf('quitter')).toEqual([]);
      }
      await env.sleep(DAY);
    }
    // Finished: the course offer waits for 10:00 in the reader's time zone.
    await env.sleep(DAY);
    for (const [userId, profileId] of readers) {
      await eventually(async () => subjectsOf(userId).length === 7, 60_000);
      expect(subjectsOf(userId)).toEqual([
        'Chapter 1',
        'How do you like it?',
        'Chapter 2',
        'Chapter 3',
        'Chapter 4',
        'Chapter 5',
        variantOf(profileId),
      ]);
      expect(await chapterTagsOf(userId)).toEqual([]);
    }
    // The review request came 12 hours in, before chapter 2; after the click, nothing.
    expect(subjectsOf('quitter')).toEqual(['Chapter 1', 'How do you like it?', 'Chapter 2']);
    expect((await messagesOf(quitter)).every((message) => message.status === 'sent')).toBe(true);
  });
});
