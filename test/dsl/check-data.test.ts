/** Warnings from the data catalogue: a program against a catalogue snapshot and template names, diagnostics out. */
import { describe, expect, it } from 'vitest';
import { CATALOG_PATH_DEPTH, checkData, suggestName, type CatalogSnapshot } from '../../src/dsl/check-data.js';
import { parseProgram } from '../../src/dsl/index.js';
import { MAX_PATH_DEPTH } from '../../src/ingest/catalog-paths.js';

const CATALOG: CatalogSnapshot = {
  events: [
    { name: 'Ebook Signup', properties: [{ path: 'source', kinds: ['string'] }] },
    {
      name: 'Order Completed',
      properties: [
        { path: 'revenue', kinds: ['number'] },
        { path: 'items', kinds: ['array'] },
      ],
    },
    { name: 'Unsubscribed', properties: [] },
  ],
  traits: [
    { path: 'country', kinds: ['string'] },
    { path: 'address', kinds: ['object'] },
    { path: 'address.city', kinds: ['string'] },
  ],
  consentCategories: [{ name: 'Marketing' }, { name: 'Analytics' }],
  dropped: { events: 0, properties: 0, traits: 0, consentCategories: 0 },
};
const TEMPLATES = ['ebook_review', 'ebook_chapter', 'welcome'];

/** `null`: no catalogue or no templates given. */
function check(source: string, catalog: CatalogSnapshot | null = CATALOG, templates: string[] | null = TEMPLATES) {
  const { program, diagnostics } = parseProgram(source);
  expect(diagnostics).toEqual([]);
  return checkData(program, { ...(catalog ? { catalog } : {}), ...(templates ? { templates } : {}) }).map(
    (d) => `${d.line}:${d.column} ${d.severity} ${d.code}: ${d.message}`,
  );
}

const CONSENT = 'consent marketing { categories "Marketing" }\nconsent analytics {}\n';

describe('events never received', () => {
  it('suggests the nearest event name in every place an event is named', () => {
    const source = `${CONSENT}segment s { performed "Ebook Sigunp" or sum "revenue" of "Order Complted" > 3 }
journey j {
  when performed "Ebook Sigunp"
  exit on "Unsubscribd"
  wait for "Order Completd" up to 1 day
  tag "x"
}
`;
    expect(check(source)).toEqual([
      "3:23 warning ITN2001: no event 'Ebook Sigunp' has been received (did you mean 'Ebook Signup'?)",
      "3:58 warning ITN2001: no event 'Order Complted' has been received (did you mean 'Order Completed'?)",
      "5:18 warning ITN2001: no event 'Ebook Sigunp' has been received (did you mean 'Ebook Signup'?)",
      "6:11 warning ITN2001: no event 'Unsubscribd' has been received (did you mean 'Unsubscribed'?)",
      "7:12 warning ITN2001: no event 'Order Completd' has been received (did you mean 'Order Completed'?)",
    ]);
  });

  it('prefers the name equal ignoring case, and says names match exactly when nothing is near', () => {
    expect(check(`segment s { performed "ebook signup" }\nsegment t { performed "Something Else Entirely" }\n`)).toEqual([
      "1:23 warning ITN2001: no event 'ebook signup' has been received (did you mean 'Ebook Signup'?)",
      "2:23 warning ITN2001: no event 'Something Else Entirely' has been received: event names match exactly, as your apps send them",
    ]);
    expect(suggestName('order completed', ['Order Complete', 'Order Completed'])).toBe('Order Completed');
  });

  it('says the name may lie beyond the caps when the catalogue dropped events', () => {
    const capped = { ...CATALOG, dropped: { ...CATALOG.dropped, events: 12 } };
    expect(check('segment s { performed "Ebook Sigunp" }\n', capped)).toEqual([
      "1:23 warning ITN2001: event 'Ebook Sigunp' is not in the data catalogue, whose caps were reached: it may have been received beyond them (did you mean 'Ebook Signup'?)",
    ]);
  });

  it('says nothing of the data while the catalogue holds no event (a fresh install)', () => {
    const empty: CatalogSnapshot = { events: [], traits: [], consentCategories: [{ name: 'Ads' }], dropped: CATALOG.dropped };
    expect(check(`${CONSENT}segment s { performed "A" where b = 1 and trait c = 2 }\n`, empty)).toEqual([]);
    expect(check(`segment s { performed "A" }\n`, null)).toEqual([]);
  });

  it('interpolates loop variables into event names', () => {
    const source = 'journey j {\n  when performed "Ebook Signup"\n  for i in 1..3 {\n    wait for "Chapter {i} Read" up to 1 day\n  }\n}\n';
    expect(check(source)).toEqual([
      "4:14 warning ITN2001: no event 'Chapter 1 Read' has been received: event names match exactly, as your apps send them",
      "4:14 warning ITN2001: no event 'Chapter 2 Read' has been received: event names match exactly, as your apps send them",
      "4:14 warning ITN2001: no event 'Chapter 3 Read' has been received: event names match exactly, as your apps send them",
    ]);
  });
});

describe('properties never received on their event', () => {
  it('checks where clauses and aggregated properties against that event', () => {
    const source = `journey j {
  when performed "Ebook Signup" where sourse = "landing"
  exit on "Order Completed" where revenue > 3 and items.sku = "x" and not (coupon exists)
  tag "x"
}
segment s { average "revenu" of "Order Completed" > 2 }
`;
    expect(check(source)).toEqual([
      "2:39 warning ITN2002: no event 'Ebook Signup' received has had a property 'sourse' (did you mean 'source'?)",
      "3:76 warning ITN2002: no event 'Order Completed' received has had a property 'coupon'",
      "6:21 warning ITN2002: no event 'Order Completed' received has had a property 'revenu' (did you mean 'revenue'?)",
    ]);
  });

  it('says the property may lie beyond the caps when properties were dropped', () => {
    const capped = { ...CATALOG, dropped: { ...CATALOG.dropped, properties: 1 } };
    expect(check('segment s { performed "Ebook Signup" where sourse = "x" }\n', capped)).toEqual([
      "1:44 warning ITN2002: property 'sourse' is not in the data catalogue for 'Ebook Signup', whose caps were reached: it may lie beyond them (did you mean 'source'?)",
    ]);
  });
});

describe('traits never received', () => {
  it('checks trait conditions, not the traits journeys set', () => {
    const source = `segment s { trait contry = "PL" and trait address.city = "Kraków" and trait adress.zip exists }
journey j {
  when performed "Ebook Signup"
  set trait score = 1
  if trait score > 0 and trait scores > 0 { tag "x" }
}
`;
    expect(check(source)).toEqual([
      "1:19 warning ITN2003: no profile has had a trait 'contry' (did you mean 'country'?)",
      "1:77 warning ITN2003: no profile has had a trait 'adress.zip'",
      "5:32 warning ITN2003: no profile has had a trait 'scores'",
    ]);
  });

  it('vouches for nothing below the depth the catalogue follows', () => {
    expect(CATALOG_PATH_DEPTH).toBe(MAX_PATH_DEPTH);
    const deep = { ...CATALOG, traits: [{ path: 'a.b.c.d.e', kinds: ['object'] }] };
    expect(check('segment s { trait a.b.c.d.e.f = 1 }\n', deep)).toEqual([]);
  });
});

describe('templates that do not exist', () => {
  it('warns once per template at its first send, counting the sends, with the nearest template', () => {
    const source = `journey j {
  when performed "Ebook Signup"
  for chapter in 1..5 {
    send email "ebook_reviw"
    send email "ebook_chapter_{chapter}"
  }
}
journey k {
  when performed "Ebook Signup"
  send email "ebook_reviw"
  send email "welcome"
}
`;
    const warnings = check(source);
    expect(warnings.filter((w) => w.includes("'ebook_reviw'"))).toEqual([
      "4:16 warning ITN2004: no template 'ebook_reviw' (did you mean 'ebook_review'?): the 6 sends naming it are recorded as failed until it exists (PUT /v1/templates/ebook_reviw)",
    ]);
    expect(warnings.filter((w) => w.includes('ebook_chapter_'))).toHaveLength(5);
    expect(warnings[1]).toBe(
      "5:16 warning ITN2004: no template 'ebook_chapter_1' (did you mean 'ebook_chapter'?): the send naming it is recorded as failed until it exists (PUT /v1/templates/ebook_chapter_1)",
    );
  });

  it('checks confirmations and broadcasts too, and templates even without data', () => {
    const source = `consent newsletter { confirm with email "confirm_newsleter" }
segment all { tagged "x" }
broadcast b { to segment all send email "welcom" }
`;
    expect(check(source, null)).toEqual([
      "1:41 warning ITN2004: no template 'confirm_newsleter': the send naming it is recorded as failed until it exists (PUT /v1/templates/confirm_newsleter)",
      "3:41 warning ITN2004: no template 'welcom' (did you mean 'welcome'?): the send naming it is recorded as failed until it exists (PUT /v1/templates/welcom)",
    ]);
  });
});

describe('consent categories', () => {
  it('warns of a category no consent maps (line 1) and of a consent no category received maps', () => {
    const source = 'consent marketing { categories "Marketng" }\nconsent newsletter {}\n';
    expect(check(source)).toEqual([
      "1:1 warning ITN2005: consent category 'Marketing' is received from consent banners but maps to no consent, so it grants nothing: list it in a consent's 'categories' clause",
      "1:1 warning ITN2005: consent category 'Analytics' is received from consent banners but maps to no consent, so it grants nothing: list it in a consent's 'categories' clause",
      "1:9 warning ITN2006: no consent category received maps consent 'marketing' (did you mean 'Marketing'?): name the banner's categories in its 'categories' clause (received: 'Marketing', 'Analytics')",
      "2:9 warning ITN2006: no consent category received maps consent 'newsletter': name the banner's categories in its 'categories' clause (received: 'Marketing', 'Analytics')",
    ]);
  });

  it('maps a consent without categories by its name ignoring case, and says nothing without consents', () => {
    expect(check(CONSENT)).toEqual([]);
    expect(check('segment s { tagged "x" }\n')).toEqual([]);
  });
});
