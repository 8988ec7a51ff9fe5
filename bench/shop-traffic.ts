/**
 * A shop's traffic, as the ingestion benchmarks send it: 1 person in 5 known, the rest
 * anonymous; views, carts and orders. The same `i` gives the same event every time, so two
 * configurations (and a raw baseline) of one run store the same thing.
 */
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
      userAgent:
        'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
      ip: `81.2.${i % 250}.${(i >> 8) % 250}`,
    },
    timestamp: new Date(Date.now() - (i % 86_400) * 1000).toISOString(),
  };
}

/** `workers` loops of `work` at once. */
export async function inParallel(workers: number, work: (worker: number) => Promise<void>): Promise<void> {
  await Promise.all(Array.from({ length: workers }, (_, worker) => work(worker)));
}
