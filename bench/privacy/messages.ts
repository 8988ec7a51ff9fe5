/**
 * What the privacy benchmark sends: the grown database's people (an identify each, then a
 * shop's views, carts and orders), and the two subjects' identify and tracks.
 */

const USER_AGENT = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15';
const PLANS = ['free', 'pro', 'team', 'enterprise'];

/** A message of the grown database: each person's first is an identify with traits, the rest a shop's traffic. */
export function seedMessage(i: number, people: number) {
  const person = i % people;
  const common = {
    userId: `seed-u${person}`,
    messageId: `seed-${i}`,
    context: { locale: 'en-US', userAgent: USER_AGENT, ip: `81.2.${i % 250}.${(i >> 8) % 250}` },
    timestamp: new Date(Date.now() - (i % 86_400) * 1000).toISOString(),
  };
  if (i < people)
    return {
      type: 'identify',
      ...common,
      traits: { email: `seed${person}@example.com`, plan: PLANS[person % 4], firstName: `Name${person}` },
    };
  return { type: 'track', ...common, ...shopEvent(i) };
}

function shopEvent(i: number) {
  const kind = i % 10;
  const event = kind < 6 ? 'Product Viewed' : kind < 9 ? 'Product Added' : 'Order Completed';
  return {
    event,
    properties: {
      sku: `sku-${i % 300}`,
      name: `Product ${i % 300}`,
      category: ['shoes', 'shirts', 'bags'][i % 3],
      price: 10 + (i % 90),
      url: `https://shop.example.com/products/sku-${i % 300}`,
      ...(event === 'Order Completed' ? { orderId: `order-${i}`, revenue: 25 + (i % 200), currency: 'EUR' } : {}),
    },
  };
}

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
    ...shopEvent(i),
  }));
  return { identify, tracks };
}
