/**
 * `itinera lsp` working against a running Itinera (ITINERA_URL, ITINERA_ADMIN_KEY): inside
 * `performed "` it offers the event names ingestion has seen, after `where` their
 * properties, and hovering over a deployed segment tells its size there.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trackEbookSignups } from '../support/ebook-signups.js';
import { ADMIN_KEY, bearer, eventually, send, startTestItinera, type TestItinera } from '../support/runtime.js';
import { startLspClient, type LspClient } from './client.js';

const RULES = `segment readers {
  performed "Ebook Signup"
}
`;

const admin = { auth: bearer(ADMIN_KEY) };

let itinera: TestItinera;
let client: LspClient;

beforeAll(async () => {
  itinera = await startTestItinera('lsp_server_data');
  await trackEbookSignups(itinera.baseUrl);
  const deployed = await send(itinera.baseUrl, 'PUT', '/v1/rules', { ...admin, text: RULES });
  expect(deployed.status).toBe(200);
  // Its size is computed behind the deploy: wait until the server has it.
  await eventually(async () => {
    const segment = (await send(itinera.baseUrl, 'GET', '/v1/segments/readers', admin)).body as { state?: string; size?: number };
    return segment.state === 'ready' && segment.size === 2;
  }, 60_000);
  client = await startLspClient({ ITINERA_URL: itinera.baseUrl, ITINERA_ADMIN_KEY: ADMIN_KEY });
}, 180_000);

afterAll(async () => {
  await client?.close();
  await itinera?.close();
});

const URI = 'file:///rules/readers.itn';

describe('itinera lsp with a server', () => {
  it('offers the event names the data holds inside performed "…", closing the string', async () => {
    const text = 'segment fans {\n  performed "Eb\n}\n';
    await client.open(URI, text);
    const items = await client.completion(URI, { line: 1, character: '  performed "Eb'.length });
    expect(items.map((item) => item.label)).toEqual(['Ebook Signup']);
    expect(items[0]).toMatchObject({
      detail: '2 seen',
      textEdit: { range: { start: { line: 1, character: 13 }, end: { line: 1, character: 15 } }, newText: 'Ebook Signup"' },
    });
  });

  it("offers that event's property paths after where", async () => {
    const text = 'segment fans {\n  performed "Ebook Signup" where \n}\n';
    await client.change(URI, 2, text);
    const items = await client.completion(URI, { line: 1, character: '  performed "Ebook Signup" where '.length });
    expect(items.map((item) => item.label)).toEqual(expect.arrayContaining(['source', 'campaign.name']));
  });

  it("tells a deployed segment's size on hover", async () => {
    await client.change(URI, 3, RULES);
    const hover = await client.hover(URI, { line: 0, character: 10 });
    expect((hover?.contents as { value: string }).value).toContain(`**2 profiles** on ${itinera.baseUrl}`);
  });
});
