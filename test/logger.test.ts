import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/logger.js';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: createLogger('info', stream), text: () => lines.join('') };
}

describe('logging', () => {
  it('redacts credentials and personal data wherever they appear', () => {
    const { logger, text } = capture();
    logger.info({ req: { headers: { authorization: 'Bearer s3cret-admin' } }, email: 'ada@example.com' }, 'request');
    logger.info({ message: { traits: { name: 'Ada Lovelace' }, userId: 'u-42', properties: { phone: '+48 600' } } }, 'nested');
    const output = text();
    for (const secret of ['s3cret-admin', 'ada@example.com', 'Ada Lovelace', 'u-42', '+48 600']) expect(output).not.toContain(secret);
    expect(output).toContain('[redacted]');
  });

  it('keeps opaque ids readable', () => {
    const { logger, text } = capture();
    logger.info({ eventId: 'evt_abc', profileId: 'p_123' }, 'dispatched');
    expect(text()).toContain('evt_abc');
    expect(text()).toContain('p_123');
  });
});
