import { Writable } from 'node:stream';
import { MongoServerError } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../src/logger.js';
import { freshDatabase } from './support/servers.js';

function capture(options: { identityKinds?: string[] } = {}) {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const text = () => lines.join('');
  const records = () => lines.map((line) => JSON.parse(line) as Record<string, any>);
  return { logger: createLogger('info', stream, options), text, records };
}

function expectNone(output: string, secrets: string[]) {
  for (const secret of secrets) expect(output).not.toContain(secret);
}

describe('logging', () => {
  it('redacts credentials and personal data wherever they appear', () => {
    const { logger, text } = capture();
    logger.info({ req: { headers: { authorization: 'Bearer s3cret-admin' } }, email: 'ada@example.com' }, 'request');
    logger.info({ message: { traits: { name: 'Ada Lovelace' }, userId: 'u-42', properties: { phone: '+48 600' } } }, 'nested');
    const output = text();
    expectNone(output, ['s3cret-admin', 'ada@example.com', 'Ada Lovelace', 'u-42', '+48 600']);
    expect(output).toContain('[redacted]');
  });

  it('redacts consent proofs and the records that carry them', () => {
    const { logger, text } = capture();
    logger.warn(
      {
        record: {
          purpose: 'email_marketing',
          proof: { pageUrl: 'https://shop.example/u/ada', userAgent: 'Ada-Browser/1.0', ip: '81.2.69.0' },
        },
      },
      'ledger',
    );
    logger.warn(
      { consent: { userAgent: 'Ada-Browser/1.0', pageUrl: 'https://shop.example/u/ada', externalIds: [{ id: 'crm-ada', type: 'crm' }] } },
      'request',
    );
    const output = text();
    expectNone(output, ['shop.example/u/ada', 'Ada-Browser', '81.2.69.0', 'crm-ada']);
    expect(output).toContain('email_marketing');
  });

  it('scrubs identifiers from text: configured external id keys, query strings, URL-encoded addresses', () => {
    const { logger, text } = capture({ identityKinds: ['loyalty_id'] });
    logger.warn({ insertedIds: { 0: 'loyalty_id:PL-123', 1: 'email:ada@example.com' } }, 'bulk write failed');
    logger.info({ url: '/v1/profiles/lookup?phone=%2B48600123&email=ada%40example.com' }, 'request');
    logger.info('lookup of userId=u-77 by loyalty_id=PL-456 answered 404');
    logger.info({ link: 'https://example.org/unsubscribe?to=grace%40example.org' }, 'link');
    const output = text();
    expectNone(output, ['PL-123', 'PL-456', 'ada@example.com', '%2B48600123', 'ada%40example.com', 'u-77', 'grace%40example.org']);
    expect(output).toContain('loyalty_id:[redacted]');
    expect(output).toContain('phone=[redacted]');
  });

  it('keeps opaque ids readable', () => {
    const { logger, text } = capture();
    logger.info({ eventId: 'evt_abc', profileId: 'p_123', workflowId: 'journey-welcome-p_123' }, 'dispatched');
    expect(text()).toContain('evt_abc');
    expect(text()).toContain('p_123');
    expect(text()).toContain('journey-welcome-p_123');
  });

  it('redacts several levels deep, whatever the case or spelling of the key', () => {
    const { logger, records } = capture();
    logger.info(
      { a: { b: { c: { d: { Email: 'ada@example.com', profileId: 'p1', secrets: { API_KEY: 'k-1', token: 't-1' } } } } } },
      'deep',
    );
    logger.info({ res: { headers: { 'x-api-key': 'k-2', 'Set-Cookie': ['sid=abc'], 'content-type': 'text/plain' } } }, 'headers');
    const [deep, headers] = records();
    expect(deep!.a.b.c.d).toEqual({ Email: '[redacted]', profileId: 'p1', secrets: { API_KEY: '[redacted]', token: '[redacted]' } });
    expect(headers!.res.headers).toEqual({ 'x-api-key': '[redacted]', 'Set-Cookie': '[redacted]', 'content-type': 'text/plain' });
  });

  it('redacts inside arrays of messages', () => {
    const { logger, records } = capture();
    logger.info(
      {
        batch: [
          { userId: 'u-1', messageId: 'm-1' },
          { anonymousId: 'anon-2', messageId: 'm-2' },
        ],
      },
      'batch',
    );
    expect(records()[0]!.batch).toEqual([
      { userId: '[redacted]', messageId: 'm-1' },
      { anonymousId: '[redacted]', messageId: 'm-2' },
    ]);
  });

  it('redacts a profile’s identities', () => {
    const { logger, text } = capture();
    logger.info({ profile: { _id: 'p1', identities: { email: ['a@b.c'], phone: ['+48600'] } } }, 'profile');
    expectNone(text(), ['a@b.c', '+48600']);
    expect(text()).toContain('p1');
  });

  it('redacts errors: causes, custom fields, aggregated errors, in pino’s error shape', () => {
    const { logger, records, text } = capture();
    logger.warn({ err: new Error('write failed', { cause: { email: 'ada@example.com' } }) }, 'plain cause');
    logger.warn({ err: new Error('write failed', { cause: new Error('rejected ada@example.com') }) }, 'error cause');
    const withFields = Object.assign(new Error('merge failed'), {
      traits: { name: 'Ada' },
      cause: { email: 'ada@example.com', profileId: 'p1' },
    });
    logger.warn({ err: withFields }, 'custom fields');
    logger.warn({ err: new AggregateError([Object.assign(new Error('one'), { userId: 'u-9' })], 'several') }, 'aggregate');
    logger.warn({ failures: [{ error: Object.assign(new Error('deep'), { body: 'raw body' }) }] }, 'an error elsewhere');

    expectNone(text(), ['ada@example.com', 'Ada', 'u-9', 'raw body']);
    const [plain, caused, fields, aggregate, elsewhere] = records();
    expect(plain!.err).toMatchObject({ type: 'Error', message: 'write failed' });
    expect(plain!.err.stack).toContain('Error: write failed');
    expect(caused!.err.message).toBe('write failed: rejected [redacted]');
    expect(fields!.err).toMatchObject({ type: 'Error', traits: '[redacted]', cause: { email: '[redacted]', profileId: 'p1' } });
    expect(aggregate!.err.aggregateErrors).toEqual([expect.objectContaining({ type: 'Error', message: 'one', userId: '[redacted]' })]);
    expect(elsewhere!.failures[0].error).toMatchObject({ type: 'Error', message: 'deep', body: '[redacted]' });
  });

  it('scrubs a MongoDB duplicate-key error: message, errmsg, stack, keyValue, errorResponse', () => {
    const { logger, records, text } = capture();
    const message = 'E11000 duplicate key error collection: db.identities index: _id_ dup key: { _id: "email:ada@example.com" }';
    const duplicate = new MongoServerError({
      message,
      errmsg: message,
      code: 11000,
      keyPattern: { _id: 1 },
      keyValue: { _id: 'email:ada@example.com' },
    });
    logger.error(duplicate);
    logger.error({ err: new Error('link failed', { cause: duplicate }) }, 'nested');
    expectNone(text(), ['ada@example.com']);
    const [direct, nested] = records();
    expect(direct!.msg).toBe('E11000 duplicate key error collection: db.identities index: _id_ dup key: { [redacted] }');
    expect(direct!.err).toMatchObject({ type: 'MongoServerError', code: 11000, keyPattern: { _id: 1 }, keyValue: '[redacted]' });
    expect(direct!.err.stack.split('\n')[0]).toBe(`MongoServerError: ${direct!.msg}`);
    expect(nested!.err.message).toContain('link failed: E11000 duplicate key error');
  });

  it('scrubs e-mail addresses and identity keys out of free text, messages included', () => {
    const { logger, records } = capture();
    logger.info({ reason: 'email:ada@example.com is linked to p2' }, 'could not link %s', 'grace@example.org');
    const [record] = records();
    expect(record!.reason).toBe('email:[redacted] is linked to p2');
    expect(record!.msg).toBe('could not link [redacted]');
  });

  it('survives cycles and runaway depth', () => {
    const { logger, records } = capture();
    const looped: Record<string, unknown> = { profileId: 'p1' };
    looped.self = looped;
    const error = Object.assign(new Error('looped'), { context: looped, again: looped });
    let deep: Record<string, unknown> = { profileId: 'bottom' };
    for (let level = 0; level < 50; level++) deep = { next: deep };
    logger.info({ looped, err: error, deep }, 'cycles');
    const [record] = records();
    expect(record!.looped).toEqual({ profileId: 'p1', self: '[circular]' });
    expect(record!.err.again).toEqual({ profileId: 'p1', self: '[circular]' });
    expect(JSON.stringify(record!.deep)).toContain('[too deep]');
  });

  it('leaves the logged objects as they were', () => {
    const { logger } = capture();
    const error = Object.assign(new Error('x'), { keyValue: { _id: 'email:ada@example.com' } });
    const input = {
      batch: [{ userId: 'u-1', traits: { email: 'ada@example.com' } }],
      profile: { identities: { email: ['ada@example.com'] } },
    };
    const before = structuredClone(input);
    logger.info({ ...input, err: error }, 'once');
    expect(input).toEqual(before);
    expect(error.keyValue).toEqual({ _id: 'email:ada@example.com' });
    expect(Object.getOwnPropertySymbols(error)).toEqual([]);
  });

  it('redacts the bindings of child loggers, at any generation', () => {
    const { logger, text } = capture();
    logger.child({ profileId: 'p1' }).child({ userId: 'u-7' }).info('child');
    expectNone(text(), ['u-7']);
    expect(text()).toContain('p1');
  });
});

describe('logging a real duplicate-key error from the database', () => {
  const COLLECTION = 'identities';
  const identity = { _id: 'email:ada@example.com', profileId: 'p1' };
  let database: Awaited<ReturnType<typeof freshDatabase>>;

  beforeAll(async () => {
    database = await freshDatabase('logger');
  });
  afterAll(async () => {
    await database.drop();
  });

  async function caught(write: () => Promise<unknown>): Promise<unknown> {
    try {
      await write();
    } catch (error) {
      return error;
    }
    throw new Error('expected the write to fail');
  }

  it('keeps the identity out of a failed insertOne', async () => {
    const identities = database.db.collection<{ _id: string; profileId: string }>(COLLECTION);
    await identities.insertOne({ ...identity });
    const err = await caught(() => identities.insertOne({ ...identity }));
    const { logger, text, records } = capture();
    logger.warn({ err }, 'identity link failed');
    expect(text()).not.toContain('ada@example.com');
    expect(records()[0]!.err.code).toBe(11000);
    expect(text()).toContain('duplicate');
  });

  it('keeps the identities out of a failed insertMany (the documents travel in writeErrors)', async () => {
    const identities = database.db.collection<{ _id: string; profileId: string }>(COLLECTION);
    const err = await caught(() =>
      identities.insertMany([{ ...identity }, { _id: 'phone:+48600123', profileId: 'p2' }], { ordered: false }),
    );
    const { logger, text, records } = capture();
    logger.warn({ err }, 'identity links failed');
    expectNone(text(), ['ada@example.com', '+48600123']);
    const [record] = records();
    expect(record!.err).toMatchObject({
      type: 'MongoBulkWriteError',
      code: 11000,
      writeErrors: [{ code: 11000, index: 0, op: '[redacted]' }],
    });
    expect(record!.err.result.insertedIds).toEqual({ 1: 'phone:[redacted]' });
    expect(text()).toContain('duplicate');
  });
});
