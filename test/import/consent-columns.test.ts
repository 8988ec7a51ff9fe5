/** Consent columns in the CSV import engine, with an in-memory `apply`: the mapping, the rows, the messages. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runImportCommand } from '../../src/import/cli.js';
import {
  consentPurposes,
  importCsv,
  ImportError,
  parseColumnMapping,
  type ApplyMessages,
  type ImportMessage,
} from '../../src/import/csv-import.js';
import { collector, csvStream, lines } from './helpers.js';

const mappingError = (specs: string[]) => {
  try {
    parseColumnMapping(specs);
  } catch (error) {
    expect(error).toBeInstanceOf(ImportError);
    expect((error as ImportError).code).toBe('bad_mapping');
    return (error as ImportError).message;
  }
  throw new Error(`expected ${specs.join(' ')} to be refused`);
};

const CONSENT_MAP = [
  'nl=consent:email_marketing',
  'nl_at=consent_at:email_marketing',
  'nl_method=consent_method:email_marketing',
  'nl_text=consent_text:email_marketing',
  'nl_url=consent_url:email_marketing',
  'nl_page=consent_page_url:email_marketing',
  'nl_ip=consent_ip:email_marketing',
  'nl_ua=consent_user_agent:email_marketing',
];
const CONSENT_HEADER = 'user_id,email,plan,nl,nl_at,nl_method,nl_text,nl_url,nl_page,nl_ip,nl_ua';

async function run(kind: 'profiles' | 'events', text: string, specs: string[], apply?: ApplyMessages) {
  const collected = collector();
  const report = await importCsv({ kind, input: csvStream(text), mapping: parseColumnMapping(specs), apply: apply ?? collected.apply });
  return { report, messages: collected.messages };
}

const consentMessages = (messages: ImportMessage[]) => messages.filter((m) => m.consent !== undefined);

describe('consent targets in a mapping', () => {
  it('parses every consent target of a purpose, and lists the purposes', () => {
    const mapping = parseColumnMapping([...CONSENT_MAP, 'an=consent:analytics']);
    expect(mapping.get('nl')).toEqual({ to: 'consent', purpose: 'email_marketing', field: 'state' });
    expect(mapping.get('nl_page')).toEqual({ to: 'consent', purpose: 'email_marketing', field: 'pageUrl' });
    expect(mapping.get('nl_ua')).toEqual({ to: 'consent', purpose: 'email_marketing', field: 'userAgent' });
    expect(consentPurposes(mapping)).toEqual(['email_marketing', 'analytics']);
  });

  it.each([
    [['nl=consent:'], 'consent needs a purpose, as in consent:email_marketing'],
    [['nl=consent'], 'consent needs a purpose'],
    [['nl=consent:email_marketing', 'd=consent_at:'], 'consent_at needs a purpose'],
    [['nl=consent:email_marketing:boolean'], 'consent:<purpose> takes no type'],
    [['nl=consent:email_marketing:x'], 'too many ":" after consent:email_marketing'],
    [['nl=consent:e-mail'], '"e-mail" is not a consent purpose'],
    [['d=consent_at:email_marketing'], 'consent_at:email_marketing needs a column with the state: map one to consent:email_marketing'],
    [
      ['nl=consent:analytics', 'ip=consent_ip:email_marketing'],
      'mapping "ip=consent_ip:email_marketing": consent_ip:email_marketing needs a column with the state',
    ],
    [['a=consent:email_marketing', 'b=consent:email_marketing'], 'columns "a" and "b" both map to consent:email_marketing'],
    [['nl=consent_state:email_marketing'], 'unknown target "consent_state"'],
  ])('refuses %j: %s', (specs, expected) => {
    const message = mappingError(specs);
    expect(message).toContain(expected);
    expect(message).toContain('consent:<purpose>');
  });
});

describe('consent columns in rows', () => {
  it('adds one consent track per purpose beside the row, with the same person, its date and its proof', async () => {
    const { report, messages } = await run(
      'profiles',
      lines(
        CONSENT_HEADER,
        'u1,ann@example.com,pro,Yes,2026-01-15,checkbox,Send me the newsletter,https://shop.example/privacy,https://shop.example/signup, 81.2.69.142 ,Mozilla/5.0',
      ),
      CONSENT_MAP,
    );
    expect(report).toMatchObject({ rows: 1, good: 1, bad: 0 });
    expect(messages).toHaveLength(2);
    const [row, consent] = messages as [ImportMessage, ImportMessage];
    expect(row).toMatchObject({ type: 'identify', userId: 'u1', traits: { plan: 'pro', email: 'ann@example.com' } });
    expect(row.consent).toBeUndefined();
    // Consent columns are not traits.
    expect(Object.keys((row as { traits: object }).traits)).toEqual(['plan', 'email']);
    expect(consent).toEqual({
      type: 'track',
      event: 'Consent Granted',
      userId: 'u1',
      timestamp: '2026-01-15T00:00:00.000Z',
      messageId: expect.stringMatching(/^csv-consent-[\w-]{32}$/),
      properties: { purpose: 'email_marketing', state: 'granted' },
      context: { traits: { email: 'ann@example.com' } },
      consent: {
        changes: [{ purpose: 'email_marketing', state: 'granted' }],
        origin: { kind: 'import', source: 'import' },
        proof: {
          method: 'checkbox',
          shown: { text: 'Send me the newsletter', url: 'https://shop.example/privacy' },
          pageUrl: 'https://shop.example/signup',
          ip: '81.2.69.0',
          userAgent: 'Mozilla/5.0',
        },
      },
    });
  });

  it('reads the state words without case; an empty state is no change for that row', async () => {
    const rows = ['TRUE', 'yes', '1', 'Granted', 'y', 'false', 'No', '0', 'DENIED', 'n', 'Revoked', ''].map((word, i) => `u${i},${word}`);
    const { report, messages } = await run('profiles', lines('user_id,nl', ...rows), ['nl=consent:email_marketing']);
    expect(report).toMatchObject({ rows: 12, good: 12, bad: 0 });
    expect(messages.filter((m) => m.type === 'identify')).toHaveLength(12);
    expect(consentMessages(messages).map((m) => [m.userId, m.consent!.changes![0]!.state, m.type === 'track' && m.event])).toEqual([
      ['u0', 'granted', 'Consent Granted'],
      ['u1', 'granted', 'Consent Granted'],
      ['u2', 'granted', 'Consent Granted'],
      ['u3', 'granted', 'Consent Granted'],
      ['u4', 'granted', 'Consent Granted'],
      ['u5', 'denied', 'Consent Denied'],
      ['u6', 'denied', 'Consent Denied'],
      ['u7', 'denied', 'Consent Denied'],
      ['u8', 'denied', 'Consent Denied'],
      ['u9', 'denied', 'Consent Denied'],
      ['u10', 'revoked', 'Consent Revoked'],
    ]);
    // Without a proof column the method is "import", and nothing else is claimed.
    expect(consentMessages(messages)[0]!.consent!.proof).toEqual({ method: 'import' });
  });

  it('reports a bad state, date or address as a bad row with its line, and imports nothing of it', async () => {
    const { report, messages } = await run(
      'profiles',
      lines(
        'user_id,plan,nl,nl_at,nl_ip',
        'u1,pro,maybe,,',
        'u2,pro,yes,2026-02-30,',
        'u3,pro,yes,,999.1.1.1',
        'u4,pro,yes,2026-01-10T08:30:00+01:00,2001:db8:85a3::8a2e:370:7334',
      ),
      ['nl=consent:email_marketing', 'nl_at=consent_at:email_marketing', 'nl_ip=consent_ip:email_marketing'],
    );
    expect(report).toMatchObject({ rows: 4, good: 1, bad: 3 });
    expect(report.errors).toEqual([
      { line: 2, reason: 'column "nl": "maybe" is not a consent state (granted/yes/true/1/y, denied/no/false/0/n, or revoked)' },
      { line: 3, reason: 'column "nl_at": "2026-02-30" is not an ISO-8601 date (such as 2024-03-05 or 2024-03-05T10:00:00Z)' },
      { line: 4, reason: 'column "nl_ip": "999.1.1.1" is not an IP address' },
    ]);
    expect(messages.map((m) => m.userId)).toEqual(['u4', 'u4']);
    expect(consentMessages(messages)[0]).toMatchObject({
      timestamp: '2026-01-10T07:30:00.000Z',
      consent: { proof: { ip: '2001:db8:85a3::' } },
    });
  });

  it('refuses a proof value longer than POST /v1/consents takes', async () => {
    const { report } = await run('profiles', lines('user_id,nl,how', `u1,yes,${'x'.repeat(65)}`), [
      'nl=consent:email_marketing',
      'how=consent_method:email_marketing',
    ]);
    expect(report.errors).toEqual([{ line: 2, reason: 'column "how": a consent method may be at most 64 characters, not 65' }]);
  });

  it("dates a change by consent_at, else by the row's timestamp, else leaves it to the import time", async () => {
    const { messages } = await run(
      'events',
      lines('user_id,event,timestamp,nl,nl_at,an', 'u1,Signed Up,2026-03-01T10:00:00Z,yes,2026-02-01,no', 'u2,Signed Up,,revoked,,'),
      ['nl=consent:email_marketing', 'nl_at=consent_at:email_marketing', 'an=consent:analytics'],
    );
    expect(messages.map((m) => [m.userId, m.type === 'track' && m.event, m.timestamp])).toEqual([
      ['u1', 'Signed Up', '2026-03-01T10:00:00.000Z'],
      ['u1', 'Consent Granted', '2026-02-01T00:00:00.000Z'],
      ['u1', 'Consent Denied', '2026-03-01T10:00:00.000Z'],
      ['u2', 'Signed Up', undefined],
      ['u2', 'Consent Revoked', undefined],
    ]);
    expect(messages[0]).toMatchObject({ properties: {} });
  });

  it("derives the consent messages' ids from the row's message and the purpose: the same file gives the same ids", async () => {
    const file = lines('user_id,nl,an', 'u1,yes,no', 'u2,yes,');
    const specs = ['nl=consent:email_marketing', 'an=consent:analytics'];
    const first = await run('profiles', file, specs);
    const again = await run('profiles', file, specs);
    expect(again.messages.map((m) => m.messageId)).toEqual(first.messages.map((m) => m.messageId));
    expect(new Set(first.messages.map((m) => m.messageId)).size).toBe(first.messages.length);
    // A changed state is another row, so another change.
    const changed = await run('profiles', lines('user_id,nl,an', 'u1,revoked,no'), specs);
    expect(changed.messages[1]!.messageId).not.toBe(first.messages[1]!.messageId);
  });

  it('keeps the id of a row whose consent cells are empty, and the given messageId as the base', async () => {
    const plain = await run('profiles', lines('user_id,plan', 'u1,pro'), []);
    const withEmptyConsent = await run('profiles', lines('user_id,plan,nl', 'u1,pro,'), ['nl=consent:email_marketing']);
    expect(withEmptyConsent.messages).toEqual(plain.messages);

    const given = await run('events', lines('message_id,user_id,event,nl', 'm-1,u1,Ordered,yes'), ['nl=consent:email_marketing']);
    expect(given.messages.map((m) => m.messageId)).toEqual(['m-1', expect.stringMatching(/^csv-consent-/)]);
  });

  it("identifies an anonymous row's consent by its anonymousId", async () => {
    const { messages } = await run('events', lines('anonymous_id,event,nl', 'a-1,Viewed,yes'), ['nl=consent:email_marketing']);
    expect(consentMessages(messages)[0]).toMatchObject({ anonymousId: 'a-1', event: 'Consent Granted' });
    expect(consentMessages(messages)[0]!.userId).toBeUndefined();
  });
});

describe('declared purposes', () => {
  const withRules = (declared: string[], apply: ApplyMessages = async () => {}) =>
    Object.assign(apply, { declaredPurposes: async () => declared });

  it('fails the whole import before reading a row when a purpose is not declared, naming the declared ones', async () => {
    let applied = 0;
    const apply = withRules(['email_marketing', 'analytics'], async (chunk) => void (applied += chunk.length));
    const error = await run(
      'profiles',
      lines('user_id,nl,ads', 'u1,yes,yes'),
      ['nl=consent:email_marketing', 'ads=consent:advertising'],
      apply,
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImportError);
    expect(error).toMatchObject({
      code: 'unknown_purpose',
      message: 'consent purpose "advertising" is not declared in the active rules; declared: email_marketing, analytics',
    });
    expect(applied).toBe(0);
  });

  it('says so when the rules declare no consent at all', async () => {
    const error = await run('profiles', lines('user_id,nl', 'u1,yes'), ['nl=consent:email_marketing'], withRules([])).catch(
      (e: unknown) => e,
    );
    expect((error as Error).message).toBe(
      'consent purpose "email_marketing" is not declared in the active rules; declared: none (deploy rules that declare a consent)',
    );
  });

  it('imports when every purpose is declared; an import without consent columns does not ask', async () => {
    let asked = 0;
    const collected = collector();
    const apply = Object.assign(collected.apply, { declaredPurposes: async () => (asked++, ['email_marketing']) });
    await importCsv({
      kind: 'profiles',
      input: csvStream(lines('user_id,nl', 'u1,yes')),
      mapping: parseColumnMapping(['nl=consent:email_marketing']),
      apply,
    });
    expect(collected.messages).toHaveLength(2);
    await importCsv({ kind: 'profiles', input: csvStream(lines('user_id,plan', 'u1,pro')), apply });
    expect(asked).toBe(1);
  });
});

describe('itinera import with consent columns', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'itinera-import-consent-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** The command's checks that need no server; with a server, see consent-import-db.test.ts. */
  async function cli(argv: string[]) {
    let stdout = '';
    let stderr = '';
    const code = await runImportCommand(argv, {
      env: { ITINERA_URL: 'http://127.0.0.1:9' },
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: (text: string) => (stderr += text), isTTY: false },
    });
    return { code, stdout, stderr };
  }

  it('lists the consent targets in --help', async () => {
    const { code, stdout } = await cli(['--help']);
    expect(code).toBe(0);
    for (const target of [
      'consent:<purpose>',
      'consent_at:<purpose>',
      'consent_method:<purpose>',
      'consent_text:<purpose>',
      'consent_url:<purpose>',
      'consent_page_url:<purpose>',
      'consent_ip:<purpose>',
      'consent_user_agent:<purpose>',
    ]) {
      expect(stdout).toContain(target);
    }
  });

  it('treats a malformed consent mapping as a usage error', async () => {
    const file = join(dir, 'people.csv');
    await writeFile(file, lines('user_id,nl,nl_at', 'u1,yes,2026-01-01'));
    const noPurpose = await cli(['profiles', file, '--map', 'nl=consent:']);
    expect(noPurpose.code).toBe(2);
    expect(noPurpose.stderr).toContain('consent needs a purpose');
    const noState = await cli(['profiles', file, '--map', 'nl_at=consent_at:email_marketing']);
    expect(noState.code).toBe(2);
    expect(noState.stderr).toContain('needs a column with the state');
  });
});
