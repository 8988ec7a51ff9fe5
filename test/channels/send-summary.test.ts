/**
 * The worker's send summary on its own clock (shortened here from a minute): a line for an
 * interval that had sends, counted from the real deliverer's outcomes over a real
 * database, the counts starting again after each line; nothing for an idle interval or an
 * idle shutdown.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeliverer, type Deliverer } from '../../src/channels/deliver.js';
import { LinkSigner } from '../../src/channels/links.js';
import { startSendSummary } from '../../src/channels/send-summary.js';
import type { MessageRequest } from '../../src/model.js';
import { createStores } from '../../src/store/index.js';
import { captureLog } from '../support/log-capture.js';
import { eventually } from '../support/eventually.js';
import { freshDatabase } from '../support/servers.js';

let deliverer: Deliverer;
let drop: () => Promise<void>;
beforeAll(async () => {
  const database = await freshDatabase('sendsummary');
  drop = database.drop;
  deliverer = createDeliverer({
    stores: createStores(database.db),
    now: () => new Date(),
    links: new LinkSigner('send-summary-test-link-secret'),
    publicUrl: 'http://localhost:3000',
    defaultTimeZone: 'UTC',
  });
});
afterAll(async () => {
  await drop?.();
});

/** A run's message to a person nobody holds (erased meanwhile): skipped, nothing sent anywhere. */
const message = (key: string, channel: 'email' | 'webhook'): MessageRequest => ({
  key,
  profileId: `nobody-${key}`,
  channel,
  name: 'hello',
  with: {},
  journey: 'welcome',
  rulesVersion: 1,
  step: 's1',
});

/** The lines' counts added up, as `channel status` → count. */
function merged(lines: Record<string, any>[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const line of lines)
    for (const { channel, status, count } of line.sends as { channel: string; status: string; count: number }[])
      counts[`${channel} ${status}`] = (counts[`${channel} ${status}`] ?? 0) + count;
  return counts;
}

describe('send summary', () => {
  it('writes a line per interval that had sends, by channel and outcome, and starts counting again', async () => {
    const log = captureLog();
    const summary = startSendSummary(log.logger, 200);
    const counting = summary.counting(deliverer);
    const linesCounting = (total: number) =>
      eventually(async () => {
        const lines = log.withMessage('send summary');
        return lines.reduce((sum, line) => sum + (line.total as number), 0) === total ? lines : undefined;
      });
    try {
      expect(await counting.deliver(message('a', 'email'))).toEqual({ status: 'skipped', detail: 'no profile' });
      await counting.deliver(message('b', 'email'));
      await counting.deliver(message('c', 'webhook'));
      // The three may straddle a tick: their lines together count them once each.
      const first = await linesCounting(3);
      expect(merged(first)).toEqual({ 'email skipped': 2, 'webhook skipped': 1 });

      await counting.deliver(message('d', 'webhook'));
      const next = await linesCounting(4);
      expect(next.slice(first.length)).toEqual([
        expect.objectContaining({ sends: [{ channel: 'webhook', status: 'skipped', count: 1 }], total: 1 }),
      ]);

      // Nothing was sent since the last line: an idle stop writes nothing more.
      const written = next.length;
      summary.stop();
      expect(log.withMessage('send summary')).toHaveLength(written);
    } finally {
      summary.stop();
    }
  });
});
