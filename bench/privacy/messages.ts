/**
 * What the privacy benchmark sends: the grown database's people (an identify each, then a
 * shop's views, carts and orders), and the two subjects' identify and tracks.
 */

const USER_AGENT = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15';
import { shopperEvent } from '../shop-traffic.js';

export { knownShopperMessage as seedMessage } from '../shop-traffic.js';

export interface Subject {
  name: 'light' | 'heavy';
  userId: string;
  email: string;
  tracks: number;
}

/** A subject's messages: an identify first (its own batch, sent before the rest), then its tracks. */
export function subjectMessages(subject: Subject) {
  const context = { locale: 'pl-PL', userAgent: USER_AGENT, ip: '83.12.40.7' };
  const identify = {
    type: 'identify',
    userId: subject.userId,
    messageId: `${subject.name}-identify`,
    context,
    traits: {
      email: subject.email,
      firstName: 'Ada',
      lastName: subject.name === 'heavy' ? 'Heavy' : 'Light',
      plan: 'pro',
      city: 'Kraków',
      newsletter: true,
    },
  };
  const started = Date.now() - subject.tracks * 1000;
  const tracks = Array.from({ length: subject.tracks }, (_, i) => ({
    type: 'track',
    userId: subject.userId,
    messageId: `${subject.name}-${i}`,
    context,
    timestamp: new Date(started + i * 1000).toISOString(),
    ...shopperEvent(i),
  }));
  return { identify, tracks };
}
