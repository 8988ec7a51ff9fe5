/**
 * `itinera check` against a running Itinera (real servers, an HTTP API on a free port): the
 * data catalogue filled over HTTP, a real temp file checked, the data's warnings and the
 * summary line read from what the command prints.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCheck } from '../../src/cli.js';
import { ADMIN_KEY, WRITE_KEY, basicAuth, bearer, eventually, send, startTestItinera, type TestItinera } from '../support/runtime.js';

const PROGRAM = `journey ebook {
  when performed "Ebook Sigunp" operational
  for chapter in 1..5 {
    send email "ebook_reviw"
    wait 1 day
  }
}

segment landing_readers {
  performed "Ebook Signup" where sourse = "landing"
}
`;

let itinera: TestItinera;
let dir: string;
let file: string;
beforeAll(async () => {
  itinera = await startTestItinera('checkcli', { runWorker: false });
  dir = await mkdtemp(join(tmpdir(), 'itinera-check-'));
  file = join(dir, 'ebook.itn');
  await writeFile(file, PROGRAM);
  const admin = { auth: bearer(ADMIN_KEY) };
  expect(
    (await send(itinera.baseUrl, 'PUT', '/v1/templates/ebook_review', { ...admin, json: { subject: 'Review', html: '<p>Hi</p>' } })).status,
  ).toBe(201);
  const track = { userId: 'cc-1', event: 'Ebook Signup', messageId: 'cc-ebook', properties: { source: 'landing' } };
  expect((await send(itinera.baseUrl, 'POST', '/v1/track', { auth: basicAuth(WRITE_KEY), json: track })).status).toBe(200);
  await eventually(async () => (await send(itinera.baseUrl, 'GET', '/v1/catalog', admin)).body.events.length > 0);
});
afterAll(async () => {
  await itinera?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function check(env: NodeJS.ProcessEnv, ...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCheck(args, { out: (line) => out.push(line), err: (line) => err.push(line) }, env);
  return { code, out, err };
}

describe('itinera check with a server', () => {
  it('adds the warnings from the data, with suggestions, and counts them in the summary line', async () => {
    const result = await check({ ITINERA_URL: itinera.baseUrl, ITINERA_ADMIN_KEY: ADMIN_KEY }, file);
    expect(result).toEqual({
      code: 0,
      err: [],
      out: [
        `${file}:2:18: warning ITN2001: no event 'Ebook Sigunp' has been received (did you mean 'Ebook Signup'?)`,
        `${file}:4:16: warning ITN2004: no template 'ebook_reviw' (did you mean 'ebook_review'?): the 5 sends naming it are recorded as failed until it exists (PUT /v1/templates/ebook_reviw)`,
        `${file}:10:34: warning ITN2002: no event 'Ebook Signup' received has had a property 'sourse' (did you mean 'source'?)`,
        `${file}: 1 segment, 1 journey, 0 consents, 3 warnings`,
      ],
    });
  });

  it('checks offline with --offline, and says in one line why the data was not read when the key is refused', async () => {
    const offline = await check({ ITINERA_URL: itinera.baseUrl, ITINERA_ADMIN_KEY: ADMIN_KEY }, '--offline', file);
    expect(offline).toEqual({ code: 0, err: [], out: [`${file}: 1 segment, 1 journey, 0 consents, no problems`] });

    const refused = await check({ ITINERA_URL: itinera.baseUrl, ITINERA_ADMIN_KEY: 'wrong' }, file);
    expect(refused.code).toBe(0);
    expect(refused.out).toEqual([`${file}: 1 segment, 1 journey, 0 consents, no problems`]);
    expect(refused.err).toEqual([
      `itinera check: the server at ${itinera.baseUrl} did not give its data catalogue (401 Unauthorized); checked without the data`,
    ]);
  });
});
