import { describe, expect, it } from 'vitest';
import { correctedTimestamp } from '../../src/tracking/segment-spec.js';

describe('timestamps', () => {
  const received = new Date('2026-05-01T10:00:00Z');

  it('uses the received time when the client gives none', () => {
    expect(correctedTimestamp({}, received)).toEqual(received);
  });

  it('trusts the timestamp when there is no sentAt to measure skew by', () => {
    expect(correctedTimestamp({ timestamp: '2026-05-01T09:00:00Z' }, received)).toEqual(new Date('2026-05-01T09:00:00Z'));
  });

  it('removes the client clock skew measured by sentAt', () => {
    // The device clock is a day behind; the event happened 5 s before it was sent.
    const corrected = correctedTimestamp({ timestamp: '2026-04-30T09:59:50Z', sentAt: '2026-04-30T09:59:55Z' }, received);
    expect(corrected).toEqual(new Date('2026-05-01T09:59:55Z'));
  });

  it('accepts originalTimestamp as analytics libraries send it', () => {
    const corrected = correctedTimestamp({ originalTimestamp: '2026-05-01T09:59:00Z', sentAt: '2026-05-01T10:00:00Z' }, received);
    expect(corrected).toEqual(new Date('2026-05-01T09:59:00Z'));
  });
});
