/**
 * A journey's send makes as few database round trips as it can (issue 32): it reads its
 * message and its person, and writes `sending` and `sent` on the message. The template
 * and the frequency cap come from the process's recent reads (another process's edit is
 * seen within TEMPLATE_RECENT_MS / CAP_RECENT_MS, this process's own at once), the
 * console's counters are written behind (exact once written, however many sends and
 * processes counted at once), and nothing is listed under the person: the person's page,
 * an export and an erasure find the message by its own `profileId`.
 *
 * Real FerretDB and a real SMTP server; the round trips are the driver's own command
 * events on a client of this test.
 */
import { randomUUID } from 'node:crypto';
import { MongoClient, type CommandStartedEvent, type Db } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeliverer, type Deliverer } from '../../src/channels/deliver.js';
import { LinkSigner } from '../../src/channels/links.js';
import { createMailer, type Mailer } from '../../src/channels/mailer.js';
import type { MessageRequest } from '../../src/model.js';
import { COLLECTIONS } from '../../src/store/collections.js';
import { dayOf, hourOf, minuteOf } from '../../src/store/delivery-counts.js';
import { CAP_RECENT_MS, FrequencyCapStore } from '../../src/store/frequency-caps.js';
import { createStores, type Stores } from '../../src/store/index.js';
import { TEMPLATE_RECENT_MS, TemplateStore } from '../../src/store/templates.js';
import { freshDatabase, mongoUri } from '../support/servers.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';

const FROM = 'Shop <news@shop.example>';

let database: Awaited<ReturnType<typeof freshDatabase>>;
/** What another process would use: its own stores over the same database. */
let elsewhere: Stores;
/** This process: stores over a client whose every command is seen. */
let monitoredClient: MongoClient;
let monitoredDb: Db;
let here: Stores;
let sink: SmtpSink;
let mailer: Mailer;
let deliverer: Deliverer;
let commands: string[] = [];

const delivererOver = (stores: Stores) =>
  createDeliverer({
    stores,
    now: () => new Date(),
    mailer,
    links: new LinkSigner('send-round-trips-test-link-secret'),
    publicUrl: 'http://localhost:3000',
    defaultTimeZone: 'UTC',
  });

beforeAll(async () => {
  database = await freshDatabase('sendroundtrips');
  elsewhere = createStores(database.db);
  await elsewhere.deliveries.ensureIndexes();
  monitoredClient = new MongoClient(mongoUri(), { monitorCommands: true });
  await monitoredClient.connect();
  monitoredClient.on('commandStarted', (event: CommandStartedEvent) => {
    const target = event.command[event.commandName];
    commands.push(`${event.commandName}${typeof target === 'string' ? ` ${target}` : ''}`);
  });
  monitoredDb = monitoredClient.db(database.name);
  here = createStores(monitoredDb);
  sink = await startSmtpSink();
  mailer = createMailer(sink.url, FROM);
  deliverer = delivererOver(here);
  await elsewhere.templates.put('chapter', { subject: 'Chapter {{ with.n }}', html: '<p>Chapter {{ with.n }}</p>' }, new Date());
});
afterAll(async () => {
  mailer?.close();
  await here?.deliveries.counts.flush().catch(() => undefined);
  await monitoredClient?.close();
  await sink?.close();
  await database?.drop();
});

/** A person with an address and the marketing consent granted. */
async function person(): Promise<string> {
  const profileId = `p_${randomUUID()}`;
  await elsewhere.profiles.create(profileId, {}, new Date());
  await elsewhere.profiles.setTrait(profileId, 'email', `${profileId}@example.com`, new Date());
  await database.db
    .collection(COLLECTIONS.profiles)
    .updateOne({ _id: profileId as never }, { $set: { consents: { email_marketing: { state: 'granted', at: new Date() } } } });
  return profileId;
}

/** A drip's marketing chapter for the person. */
const chapter = (profileId: string, n: number, journey = 'drip'): MessageRequest => ({
  key: `journey:${journey}:v1:${profileId}:${randomUUID().slice(0, 8)}:s${n}`,
  profileId,
  channel: 'email',
  name: 'chapter',
  with: { n },
  consents: ['email_marketing'],
  messages: 'marketing',
  journey,
  rulesVersion: 1,
  step: `s${n}`,
});

const onTemplates = (command: string) => command.endsWith(' templates');

const counting = async <T>(work: () => Promise<T>): Promise<{ result: T; commands: string[] }> => {
  commands = [];
  const result = await work();
  const seen = commands;
  commands = [];
  return { result, commands: seen };
};

describe('a journey send', () => {
  it('reads its message and its person, writes sending and sent: 4 round trips, nothing listed under the person', async () => {
    // The first send of the process reads the template and the cap (none) for the next ones.
    const first = await counting(async () => deliverer.deliver(chapter(await person(), 1)));
    expect(first.result).toEqual({ status: 'sent', detail: 'smtp 250' });
    expect(first.commands).toEqual(expect.arrayContaining(['find templates', 'find frequency_caps']));

    const profileId = await person();
    await here.deliveries.counts.flush();
    const { result, commands: seen } = await counting(() => deliverer.deliver(chapter(profileId, 2)));
    expect(result).toEqual({ status: 'sent', detail: 'smtp 250' });
    // The counters' timer (once a second, whatever sends) may fire meanwhile: that write is not the send's.
    const sent = seen.filter((command) => command !== 'update delivery_counts');
    expect(sent.sort()).toEqual(['find deliveries', 'find profiles', 'update deliveries', 'update deliveries']);
    expect(seen.length - sent.length).toBeLessThanOrEqual(1);
    expect(sink.mailbox(`${profileId}@example.com`)).toHaveLength(1);
    expect(await database.db.collection(COLLECTIONS.profileMessages).countDocuments()).toBe(0);
  });

  it("counts a burst's outcomes exactly, written behind: a few writes a second, from two processes at once", async () => {
    const people = await Promise.all(Array.from({ length: 10 }, () => person()));
    const requests = people.flatMap((profileId) => [chapter(profileId, 1, 'burst_a'), chapter(profileId, 2, 'burst_b')]);
    const other = delivererOver(elsewhere);
    const began = Date.now();
    const { result, commands: seen } = await counting(() =>
      // Half from this process, half from "another" one, all at once.
      Promise.all(requests.map((request, i) => (i % 2 === 0 ? deliverer : other).deliver(request))),
    );
    const seconds = Math.ceil((Date.now() - began) / 1000);
    expect(result.every((outcome) => outcome.status === 'sent')).toBe(true);
    // This process's counter writes during the burst: one bulk a second at most (7 documents: ≤ 16 per bulk).
    expect(seen.filter((command) => command === 'update delivery_counts').length).toBeLessThanOrEqual(seconds + 1);
    expect(seen.filter((command) => command.endsWith(COLLECTIONS.profileMessages))).toEqual([]);

    // Reads write what this process holds first; the other process's counts are written on its flush.
    await elsewhere.deliveries.counts.flush();
    const day = dayOf(new Date());
    const days = async (scope: `j:${string}`) => (await here.deliveries.counts.days([day], scope)).get(day)?.email?.sent;
    expect(await days('j:burst_a')).toBe(10);
    expect(await days('j:burst_b')).toBe(10);
    const listed = async (scope: `j:${string}`) => {
      const hours = [...new Set([hourOf(new Date(began)), hourOf(new Date())])];
      const minutes = await here.deliveries.counts.minutes(hours, scope);
      return [...minutes.values()].flatMap((counts) => Object.values(counts)).reduce((sum, n) => sum + n, 0);
    };
    expect(await listed('j:burst_a')).toBe(10);
    expect(await listed('j:burst_b')).toBe(10);
    expect(here.deliveries.counts.pendingCount()).toBe(0);
    expect(elsewhere.deliveries.counts.pendingCount()).toBe(0);
    // And the list reads them through that index.
    const page = await here.deliveries.page({
      from: new Date(began - 60_000),
      to: new Date(),
      scope: 'j:burst_b',
      equal: { journey: 'burst_b' },
      limit: 50,
      budget: 1_000,
    });
    expect(page.docs).toHaveLength(10);
    expect(page.docs.every((doc) => doc.bucket! >= minuteOf(new Date(began)))).toBe(true);
  });

  it('is found by the person page, an export and an erasure through its profileId, with those listed before', async () => {
    const profileId = await person();
    const absorbed = `p_${randomUUID()}`;
    const sent = chapter(profileId, 1);
    expect((await deliverer.deliver(sent)).status).toBe('sent');
    const held = chapter(profileId, 2);
    await deliverer.defer(held, new Date(Date.now() + 3_600_000));
    // A message of an id merged into the person, and one listed under the person before the listing went (2026-12-07).
    const merged = chapter(absorbed, 3);
    await elsewhere.deliveries.advance(merged, { status: 'skipped', at: new Date(), detail: 'restricted' });
    await database.db.collection(COLLECTIONS.profileMessages).insertOne({ _id: profileId as never, keys: [sent.key] });

    const ids = [profileId, absorbed];
    const messages = await elsewhere.deliveries.ofProfiles(ids);
    expect(messages.map((doc) => doc._id).sort()).toEqual([sent.key, held.key, merged.key].sort());
    expect(await elsewhere.deliveries.countByProfiles(ids)).toBe(3);
    expect((await elsewhere.deliveries.countPerProfile(ids)).get(profileId)?.size).toBe(2);

    expect(await elsewhere.deliveries.deleteByProfiles(ids)).toBe(3);
    expect(await elsewhere.deliveries.ofProfiles(ids)).toEqual([]);
    expect(await database.db.collection(COLLECTIONS.deliveries).countDocuments({ profileId: { $in: ids } })).toBe(0);
    expect(await database.db.collection(COLLECTIONS.profileMessages).countDocuments({ _id: { $in: ids as never[] } })).toBe(0);
  });
});

describe("a send's recent reads", () => {
  it('see another process’s template edit after TEMPLATE_RECENT_MS, this process’s own edit at once', async () => {
    let now = 1_000_000;
    const sender = new TemplateStore(monitoredDb, { clock: () => now });
    const editor = new TemplateStore(database.db);
    const name = `recent_${randomUUID().slice(0, 8)}`;
    const subject = async () => (await sender.forSend(name))?.subject ?? null;
    await editor.put(name, { subject: 'v1', html: '<p>1</p>' }, new Date());
    expect(await subject()).toBe('v1');

    await editor.put(name, { subject: 'v2', html: '<p>2</p>' }, new Date());
    now += TEMPLATE_RECENT_MS - 1;
    const { result: stale, commands: noRead } = await counting(async () => Promise.all(Array.from({ length: 20 }, subject)));
    expect(stale).toEqual(Array.from({ length: 20 }, () => 'v1'));
    expect(noRead.filter(onTemplates)).toEqual([]);
    now += 1;
    // Expired: one read for every caller at once.
    const { result: fresh, commands: oneRead } = await counting(async () => Promise.all(Array.from({ length: 20 }, subject)));
    expect(fresh).toEqual(Array.from({ length: 20 }, () => 'v2'));
    expect(oneRead.filter(onTemplates)).toEqual(['find templates']);

    await sender.put(name, { subject: 'v3', html: '<p>3</p>' }, new Date());
    expect(await subject()).toBe('v3');

    // Deleted elsewhere: used until the moment ends; a missing template is never kept.
    await editor.delete(name);
    expect(await subject()).toBe('v3');
    now += TEMPLATE_RECENT_MS;
    expect(await subject()).toBeNull();
    await editor.put(name, { subject: 'v4', html: '<p>4</p>' }, new Date());
    expect(await subject()).toBe('v4');
    await sender.delete(name);
    expect(await subject()).toBeNull();
  });

  it('see a frequency cap set in another process after CAP_RECENT_MS, and this process’s own at once', async () => {
    let now = 1_000_000;
    const sender = new FrequencyCapStore(monitoredDb, { clock: () => now });
    const admin = new FrequencyCapStore(database.db);
    const max = async () => (await sender.forSend('webhook'))?.max ?? null;
    expect(await max()).toBeNull();
    await admin.put('webhook', 2, new Date());
    // No cap is kept as well: that is what most sends read.
    const { result, commands: noRead } = await counting(max);
    expect(result).toBeNull();
    expect(noRead.filter((command) => command.endsWith(' frequency_caps'))).toEqual([]);
    now += CAP_RECENT_MS;
    expect(await max()).toBe(2);
    await sender.put('webhook', 5, new Date());
    expect(await max()).toBe(5);
    await admin.delete('webhook');
    expect(await max()).toBe(5);
    now += CAP_RECENT_MS;
    expect(await max()).toBeNull();
  });
});
