/**
 * A shop's traffic, as the ingestion benchmarks send it: 1 person in 5 known, the rest
 * anonymous; views, carts and orders. The same `i` gives the same event every time, so two
 * configurations (and a raw baseline) of one run store the same thing.
 */
export const PHONE_USER_AGENT =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';

export function shopEvent(i: number, prefix: string, people: number) {
  const person = i % people;
  const ids = person % 5 === 0 ? { userId: `${prefix}-u${person}` } : { anonymousId: `${prefix}-a${person}` };
  const kind = i % 10;
  const event = kind < 6 ? 'Product Viewed' : kind < 9 ? 'Product Added' : 'Order Completed';
  return {
    type: 'track',
    ...ids,
    event,
    messageId: `${prefix}-${i}`,
    properties: { sku: `sku-${i % 300}`, price: 10 + (i % 90), ...(event === 'Order Completed' ? { revenue: 25 + (i % 200) } : {}) },
    context: {
      locale: 'en-US',
      userAgent: PHONE_USER_AGENT,
      ip: `81.2.${i % 250}.${(i >> 8) % 250}`,
    },
    timestamp: new Date(Date.now() - (i % 86_400) * 1000).toISOString(),
  };
}

const PLANS = ['free', 'pro', 'team', 'enterprise'];

/**
 * A grown database's i-th message, every person known: each person's first message is an
 * identify with traits (an e-mail, a plan, a name), the rest a shop's views, carts and orders.
 */
export function knownShopperMessage(i: number, people: number) {
  const person = i % people;
  const common = {
    userId: `seed-u${person}`,
    messageId: `seed-${i}`,
    context: { locale: 'en-US', userAgent: PHONE_USER_AGENT, ip: `81.2.${i % 250}.${(i >> 8) % 250}` },
    timestamp: new Date(Date.now() - (i % 86_400) * 1000).toISOString(),
  };
  if (i < people)
    return {
      type: 'identify',
      ...common,
      traits: { email: `seed${person}@example.com`, plan: PLANS[person % 4], firstName: `Name${person}` },
    };
  return { type: 'track', ...common, ...shopperEvent(i) };
}

/** The i-th of a known shopper's views, carts and orders: the event and its properties. */
export function shopperEvent(i: number) {
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

/** `workers` loops of `work` at once. */
export async function inParallel(workers: number, work: (worker: number) => Promise<void>): Promise<void> {
  await Promise.all(Array.from({ length: workers }, (_, worker) => work(worker)));
}
