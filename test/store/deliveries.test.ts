/**
 * Recording a message's steps on the real database, both ways the store writes: guarded
 * (a filter on the status, as on MongoDB, where several processes may share the data) and
 * by `_id` alone under the message's lock (as on FerretDB, where any other filter scans
 * the collection). Either way: the first step creates the message, later ones join its
 * history, a final message is left as it is and returned, and steps recorded at once are
 * all kept.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessageRequest } from '../../src/model.js';
import { DeliveryStore } from '../../src/store/deliveries.js';
import { freshDatabase } from '../support/servers.js';

let database: Awaited<ReturnType<typeof freshDatabase>>;

beforeAll(async () => {
  database = await freshDatabase('deliveries');
});
afterAll(async () => {
  await database?.drop();
});

const at = (minute: number) => new Date(Date.UTC(2026, 11, 1, 9, minute));
const message = (): MessageRequest => ({
  key: `msg_${randomUUID()}`,
  profileId: 'p1',
  channel: 'email',
  name: 'welcome',
  with: {},
  journey: 'welcome',
  rulesVersion: 1,
  step: 's1',
});

describe('message steps', () => {
  const store = () => new DeliveryStore(database.db);

  it('creates the message on its first step, appends the next, and leaves a final one as it is', async () => {
    const deliveries = store();
    const request = message();
    expect(await deliveries.advance(request, { status: 'sending', at: at(0), attempt: 1 })).toBeNull();
    expect(await deliveries.advance(request, { status: 'sent', at: at(1) }, { sentAt: at(1) })).toBeNull();
    const sent = await deliveries.findById(request.key);
    expect(sent).toMatchObject({ status: 'sent', attempts: 1, queuedAt: at(0), sentAt: at(1), journey: 'welcome', step: 's1' });
    expect(sent!.history!.map((step) => step.status)).toEqual(['sending', 'sent']);

    // A retried send after the final step: nothing changes, and the caller learns it was sent.
    const again = await deliveries.advance(request, { status: 'sending', at: at(2), attempt: 2 });
    expect(again).toMatchObject({ status: 'sent', attempts: 1 });
    expect((await deliveries.findById(request.key))!.history).toHaveLength(2);
  });

  it('keeps every step recorded at once', async () => {
    const deliveries = store();
    const request = message();
    await Promise.all(Array.from({ length: 8 }, (_, i) => deliveries.advance(request, { status: 'sending', at: at(i), attempt: i + 1 })));
    const doc = await deliveries.findById(request.key);
    expect(doc).toMatchObject({ status: 'sending', attempts: 8 });
    expect(doc!.history).toHaveLength(8);
  });
});
