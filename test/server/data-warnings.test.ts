/**
 * Warnings from the data on the real servers: events ingested over HTTP fill the data
 * catalogue, and the deploy summary and the deploy response then warn of the names a
 * program uses that the data has never shown, with suggestions; a missing template named
 * by a send inside a `for` loop is one warning.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, WRITE_KEY, basicAuth, bearer, eventually, send, startTestItinera, type TestItinera } from '../support/runtime.js';

const admin = { auth: bearer(ADMIN_KEY) };
const writer = { auth: basicAuth(WRITE_KEY) };

const PROGRAM = `consent marketing {
  categories "Marketing"
}

journey ebook {
  when performed "Ebook Sigunp" operational
  for chapter in 1..5 {
    send email "ebook_reviw"
    wait 1 day
  }
}

segment landing_readers {
  performed "Ebook Signup" where sourse = "landing"
}

segment poles {
  trait contry = "PL"
}
`;

let itinera: TestItinera;
beforeAll(async () => {
  itinera = await startTestItinera('datawarnings', { runWorker: false });
  expect(
    (await send(itinera.baseUrl, 'PUT', '/v1/templates/ebook_review', { ...admin, json: { subject: 'Review', html: '<p>Hi</p>' } })).status,
  ).toBe(201);
});
afterAll(async () => {
  await itinera?.close();
});

const summarise = async (program: string) => {
  const answer = await send(itinera.baseUrl, 'POST', '/v1/rules/summary', { ...admin, text: program });
  expect(answer.status).toBe(200);
  return answer.body as { ok: boolean; diagnostics: unknown[]; warnings: Record<string, unknown>[] };
};

const TEMPLATE_WARNING = {
  code: 'template_missing',
  journey: 'ebook',
  journeys: ['ebook'],
  template: 'ebook_reviw',
  suggestion: 'ebook_review',
  sends: 5,
  step: '0@1.0',
  steps: ['0@1.0', '0@2.0', '0@3.0', '0@4.0', '0@5.0'],
  line: 8,
  column: 16,
  message:
    'journey ebook: no template "ebook_reviw" (did you mean "ebook_review"?) (PUT /v1/templates/ebook_reviw); its 5 sends are recorded as failed until there is',
};

describe('warnings from the data', () => {
  it('says nothing of the data while the catalogue holds no event, and one warning for a missing template sent five times', async () => {
    const summary = await summarise(PROGRAM);
    expect(summary.ok).toBe(true);
    expect(summary.warnings).toEqual([TEMPLATE_WARNING]);
  });

  it('warns in the summary and at deploy of events, properties and traits never received, with suggestions', async () => {
    const track = {
      userId: 'dw-1',
      event: 'Ebook Signup',
      messageId: 'dw-ebook',
      properties: { source: 'landing' },
      context: { consent: { categoryPreferences: { Marketing: true } } },
    };
    expect((await send(itinera.baseUrl, 'POST', '/v1/track', { ...writer, json: track })).status).toBe(200);
    const identify = { userId: 'dw-1', messageId: 'dw-identify', traits: { country: 'PL' } };
    expect((await send(itinera.baseUrl, 'POST', '/v1/identify', { ...writer, json: identify })).status).toBe(200);
    await eventually(async () => {
      const catalog = (await send(itinera.baseUrl, 'GET', '/v1/catalog', admin)).body;
      return catalog.events.length > 0 && catalog.traits.length > 0;
    });

    const dataWarnings = [
      TEMPLATE_WARNING,
      {
        code: 'ITN2001',
        message: "no event 'Ebook Sigunp' has been received (did you mean 'Ebook Signup'?)",
        line: 6,
        column: 18,
      },
      {
        code: 'ITN2002',
        message: "no event 'Ebook Signup' received has had a property 'sourse' (did you mean 'source'?)",
        line: 14,
        column: 34,
      },
      { code: 'ITN2003', message: "no profile has had a trait 'contry' (did you mean 'country'?)", line: 18, column: 9 },
    ];
    const summary = await summarise(PROGRAM);
    expect(summary.warnings).toEqual(dataWarnings);
    // The compiler's diagnostics stay the compiler's: the program itself is valid.
    expect(summary.diagnostics).toEqual([]);

    const deployed = await send(itinera.baseUrl, 'PUT', '/v1/rules', { ...admin, text: PROGRAM });
    expect(deployed.status).toBe(200);
    expect(deployed.body.warnings).toEqual(dataWarnings);
  });

  it('warns of consent categories received that no consent maps, and of a consent none maps', async () => {
    const track = {
      userId: 'dw-2',
      event: 'Ebook Signup',
      messageId: 'dw-ads',
      context: { consent: { categoryPreferences: { Marketing: true, Ads: false } } },
    };
    expect((await send(itinera.baseUrl, 'POST', '/v1/track', { ...writer, json: track })).status).toBe(200);
    await eventually(async () => {
      const catalog = (await send(itinera.baseUrl, 'GET', '/v1/catalog', admin)).body;
      return catalog.consentCategories.some((category: { name: string }) => category.name === 'Ads');
    });
    const summary = await summarise('consent marketing { categories "Marketing" }\nconsent newsletter {}\n');
    expect(summary.warnings).toEqual([
      {
        code: 'ITN2005',
        message:
          "consent category 'Ads' is received from consent banners but maps to no consent, so it grants nothing: list it in a consent's 'categories' clause",
        line: 1,
        column: 1,
      },
      {
        code: 'ITN2006',
        message:
          "no consent category received maps consent 'newsletter': name the banner's categories in its 'categories' clause (received: 'Marketing', 'Ads')",
        line: 2,
        column: 9,
      },
    ]);
  });
});
