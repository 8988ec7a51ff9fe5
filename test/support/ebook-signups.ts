/**
 * What the catalogue tests need the data to hold: two readers' "Ebook Signup" events, one
 * from the landing page and one from the footer, each with a nested campaign name. The
 * catalogue is written behind ingestion: this returns once it holds the event.
 */
import { expect } from 'vitest';
import { ADMIN_KEY, WRITE_KEY, basicAuth, bearer, eventually, send } from './runtime.js';

export async function trackEbookSignups(baseUrl: string): Promise<void> {
  for (const [i, source] of ['landing', 'footer'].entries()) {
    const tracked = await send(baseUrl, 'POST', '/v1/track', {
      auth: basicAuth(WRITE_KEY),
      json: { userId: `reader-${i}`, event: 'Ebook Signup', properties: { source, campaign: { name: 'winter' } } },
    });
    expect(tracked.status).toBe(200);
  }
  await eventually(async () => {
    const catalog = await send(baseUrl, 'GET', '/v1/catalog', { auth: bearer(ADMIN_KEY) });
    return catalog.body.events?.some((event: { name: string }) => event.name === 'Ebook Signup') ? true : undefined;
  });
}
