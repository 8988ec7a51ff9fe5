/**
 * The person the erasure crash tests erase: identified with traits, consenting to e-mail
 * marketing, with three "Article Read" events, and in the `readers` segment (which the
 * tests' rules declare) by the time this returns, so that every part of an erasure has
 * something to remove.
 */
import { ADMIN_KEY, WRITE_KEY, basicAuth, bearer, eventually, send } from './runtime.js';

export async function seedReader(
  baseUrl: string,
  person: { userId: string; anonymousId?: string; traits: Record<string, unknown> },
): Promise<{ id: string }> {
  const write = { auth: basicAuth(WRITE_KEY) };
  await send(baseUrl, 'POST', '/v1/identify', { ...write, json: person });
  await send(baseUrl, 'POST', '/v1/consents', { ...write, json: { userId: person.userId, purpose: 'email_marketing', state: 'granted' } });
  for (let i = 0; i < 3; i++)
    await send(baseUrl, 'POST', '/v1/track', { ...write, json: { userId: person.userId, event: 'Article Read', properties: { n: i } } });
  return eventually(async () => {
    const found = (await send(baseUrl, 'GET', `/v1/profiles/lookup?userId=${person.userId}`, { auth: bearer(ADMIN_KEY) })).body;
    return found.segments?.length === 1 ? (found as { id: string }) : undefined;
  });
}
