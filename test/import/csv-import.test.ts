/** The CSV import engine, with an in-memory `apply`: what it produces from real CSV text. */
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { importCsv, ImportError, parseColumnMapping, type ImportMessage } from '../../src/import/csv-import.js';
import { collector, csvStream, lines } from './helpers.js';

describe('default mapping', () => {
  it('turns a profiles row into an identify with traits', async () => {
    const { apply, messages } = collector();
    const report = await importCsv({
      kind: 'profiles',
      input: csvStream(lines('user_id,anonymousId,Email,plan,timestamp', 'u1,a1,ann@example.com,pro,2024-03-05T10:00:00Z')),
      apply,
    });
    expect(report).toMatchObject({ rows: 1, good: 1, bad: 0, errors: [], errorsTruncated: false });
    expect(messages).toEqual([
      {
        type: 'identify',
        userId: 'u1',
        anonymousId: 'a1',
        timestamp: '2024-03-05T10:00:00.000Z',
        traits: { plan: 'pro', email: 'ann@example.com' },
        messageId: expect.stringMatching(/^csv-[\w-]{32}$/),
      },
    ]);
  });

  it('turns an events row into a track with properties, the e-mail in context.traits', async () => {
    const { apply, messages } = collector();
    await importCsv({
      kind: 'events',
      input: csvStream(lines('userId,event,email,revenue,message_id', 'u1,Order Completed,ann@example.com,12.5,m-1')),
      apply,
    });
    expect(messages).toEqual([
      {
        type: 'track',
        userId: 'u1',
        event: 'Order Completed',
        properties: { revenue: '12.5' },
        context: { traits: { email: 'ann@example.com' } },
        messageId: 'm-1',
      },
    ]);
  });

  it('keeps a column named event as a trait of a profile', async () => {
    const { apply, messages } = collector();
    await importCsv({ kind: 'profiles', input: csvStream(lines('user_id,event', 'u1,launch')), apply });
    expect(messages[0]).toMatchObject({ type: 'identify', traits: { event: 'launch' } });
  });
});

describe('explicit mapping', () => {
  it('renames, types and ignores columns; the rest keep their default', async () => {
    const { apply, messages } = collector();
    const report = await importCsv({
      kind: 'events',
      input: csvStream(lines('customer,what,revenue,paid,when,internal,coupon', 'c-7,Order Completed,19.90,yes,2024-03-05 10:30,x,SPRING')),
      mapping: parseColumnMapping([
        'customer=userId',
        'what=event',
        'revenue=property:revenue:number',
        'paid=property:paid:boolean',
        'when=timestamp',
        'internal=ignore',
      ]),
      apply,
    });
    expect(report.bad).toBe(0);
    expect(messages[0]).toMatchObject({
      type: 'track',
      userId: 'c-7',
      event: 'Order Completed',
      // A time without zone is UTC, whatever the machine's zone.
      timestamp: '2024-03-05T10:30:00.000Z',
      properties: { revenue: 19.9, paid: true, coupon: 'SPRING' },
    });
    expect(messages[0]!.type === 'track' && messages[0]!.properties).not.toHaveProperty('internal');
  });

  it('converts dates to ISO strings in UTC', async () => {
    const { apply, messages } = collector();
    await importCsv({
      kind: 'profiles',
      input: csvStream(lines('user_id,born,seen', 'u1,1990-07-01,2024-03-05T12:00:00+02:00')),
      mapping: parseColumnMapping(['born=trait:born:date', 'seen=trait:last_seen:date']),
      apply,
    });
    expect(messages[0]).toMatchObject({ traits: { born: '1990-07-01T00:00:00.000Z', last_seen: '2024-03-05T10:00:00.000Z' } });
  });

  it.each([
    ['email', /no "="/],
    ['=userId', /no column name/],
    ['a=', /no target/],
    ['a=nickname', /unknown target "nickname"/],
    ['a=trait:age:integer', undefined],
    ['a=userId:number', /userId is always a string/],
    ['a=timestamp:number', /a timestamp is always a date/],
    ['a=trait:', /trait needs a name/],
    ['a=ignore:string', /takes no type/],
  ])('rejects the spec %s with a clear reason', (spec, reason) => {
    if (reason === undefined) {
      // "integer" is not a type, so it is part of the trait's name.
      expect([...parseColumnMapping([spec])]).toEqual([['a', { to: 'trait', name: 'age:integer' }]]);
      return;
    }
    expect(() => parseColumnMapping([spec])).toThrow(reason);
    expect(() => parseColumnMapping([spec])).toThrow(ImportError);
  });

  it('parses names with ":" and columns with "="', () => {
    expect([...parseColumnMapping(['a=b=trait:x:y:number', 'c=property:number'])]).toEqual([
      ['a=b', { to: 'trait', name: 'x:y', type: 'number' }],
      ['c', { to: 'property', name: 'number' }],
    ]);
    expect(() => parseColumnMapping(['a=userId', 'a=email'])).toThrow(/mapped twice/);
  });
});

describe('quoting and line numbers', () => {
  it('reads commas, quotes and line breaks inside quoted fields, and numbers later lines right', async () => {
    const { apply, messages } = collector();
    const text =
      'user_id,address,note\r\n' + // line 1
      'u1,"12 Main St, Springfield","says ""hi"""\r\n' + // line 2
      'u2,"line one\r\nline two\r\nline three",ok\r\n' + // lines 3-5
      'u3,"x\ny",fine\r\n' + // lines 6-7
      'u4,somewhere,"bad"oops\r\n' + // line 8: malformed quote
      'u5,a,b,c\r\n'; // line 9: too many fields
    const report = await importCsv({ kind: 'profiles', input: csvStream(text), apply });
    expect(messages.map((m) => m.type === 'identify' && m.traits)).toEqual([
      { address: '12 Main St, Springfield', note: 'says "hi"' },
      { address: 'line one\r\nline two\r\nline three', note: 'ok' },
      { address: 'x\ny', note: 'fine' },
    ]);
    expect(report.errors).toEqual([
      { line: 8, reason: expect.stringMatching(/malformed quoting: a closing quote/) },
      { line: 9, reason: 'expected 3 fields, as in the header, but found 4' },
    ]);
  });

  it('reports a multi-line row at its first line, and the rows after it at theirs', async () => {
    const { apply } = collector();
    const text = lines('user_id,age', 'u1,"1', '2"', '', 'u2,abc');
    const report = await importCsv({
      kind: 'profiles',
      input: csvStream(text),
      mapping: parseColumnMapping(['age=trait:age:number']),
      apply,
    });
    expect(report.errors).toEqual([
      { line: 2, reason: 'column "age": "1\\n2" is not a number' },
      { line: 5, reason: 'column "age": "abc" is not a number' },
    ]);
  });

  it('goes on after a malformed quote, and reports an unclosed one with the lines it swallowed', async () => {
    const { apply, messages } = collector();
    const text = lines('user_id,plan', '"u1"x,pro', 'u2,free', 'u3,"team', 'u4,pro', 'u5,pro');
    const report = await importCsv({ kind: 'profiles', input: csvStream(text), apply });
    expect(messages.map((m) => m.userId)).toEqual(['u2']);
    expect(report.errors).toEqual([
      { line: 2, reason: expect.stringMatching(/malformed quoting/) },
      { line: 4, reason: 'a quoted field opened here is never closed, so the rest of the file (lines 4–6) could not be read' },
    ]);
    expect(report).toMatchObject({ rows: 3, good: 1, bad: 2 });
  });
});

describe('bad rows', () => {
  it('reports each with its line and reason, and imports the good rows around them', async () => {
    const { apply, messages } = collector();
    const text = lines(
      'user_id,anonymous_id,age,joined,vip',
      'u1,,31,2024-01-02,true', // 2 good
      ',,40,2024-01-02,false', // 3 no id
      'u3,,forty,2024-01-02,true', // 4 bad number
      'u4,,41,2024-02-30,true', // 5 no such day
      'u5,,41,01/02/2024,true', // 6 not ISO
      'u6,,41,2024-01-02,maybe', // 7 bad boolean
      'u7,,41', // 8 too few fields
      `${'x'.repeat(300)},,41,2024-01-02,true`, // 9 userId too long
      ',a9,42,,', // 10 good
    );
    const report = await importCsv({
      kind: 'profiles',
      input: csvStream(text),
      mapping: parseColumnMapping(['age=trait:age:number', 'joined=trait:joined:date', 'vip=trait:vip:boolean']),
      apply,
    });
    expect(report.errors).toEqual([
      { line: 3, reason: 'userId: either userId or anonymousId is required' },
      { line: 4, reason: 'column "age": "forty" is not a number' },
      { line: 5, reason: expect.stringMatching(/^column "joined": "2024-02-30" is not an ISO-8601 date/) },
      { line: 6, reason: expect.stringMatching(/^column "joined": "01\/02\/2024" is not an ISO-8601 date/) },
      { line: 7, reason: 'column "vip": "maybe" is not a boolean (true/false, yes/no, 1/0)' },
      { line: 8, reason: 'expected 5 fields, as in the header, but found 3' },
      { line: 9, reason: expect.stringMatching(/^userId: /) },
    ]);
    expect(report).toMatchObject({ rows: 9, good: 2, bad: 7, errorsTruncated: false });
    expect(messages.map((m) => m.userId ?? m.anonymousId)).toEqual(['u1', 'a9']);
  });

  it('rejects an event without a name in its row', async () => {
    const { apply } = collector();
    const report = await importCsv({ kind: 'events', input: csvStream(lines('user_id,event', 'u1,')), apply });
    expect(report.errors).toEqual([{ line: 2, reason: expect.stringMatching(/^event: /) }]);
  });

  it('lists only the first maxReportedErrors and says so', async () => {
    const { apply } = collector();
    const rows = Array.from({ length: 10 }, () => ',,x');
    const report = await importCsv({
      kind: 'profiles',
      input: csvStream(lines('user_id,anonymous_id,plan', ...rows)),
      apply,
      maxReportedErrors: 3,
    });
    expect(report).toMatchObject({ rows: 10, bad: 10, errorsTruncated: true });
    expect(report.errors.map((e) => e.line)).toEqual([2, 3, 4]);
  });
});

describe('empty cells', () => {
  it('leaves empty cells out and skips rows with no value at all', async () => {
    const { apply, messages } = collector();
    const report = await importCsv({
      kind: 'profiles',
      input: csvStream(lines('user_id,email,plan,age', 'u1,,pro,', ',,,', '', 'u2, ,,')),
      mapping: parseColumnMapping(['age=trait:age:number']),
      apply,
    });
    expect(report).toMatchObject({ rows: 2, good: 2, bad: 0 });
    expect(messages.map((m) => m.type === 'identify' && m.traits)).toEqual([{ plan: 'pro' }, {}]);
  });
});

describe('messageId', () => {
  const ids = async (text: string, kind: 'profiles' | 'events' = 'profiles', specs: string[] = []) => {
    const { apply, messages } = collector();
    await importCsv({ kind, input: csvStream(text), mapping: parseColumnMapping(specs), apply });
    return messages.map((m) => m.messageId);
  };

  it('is the same for the same rows, so a re-import applies nothing twice', async () => {
    const text = lines('user_id,event,amount', 'u1,Paid,10', 'u2,Paid,20');
    const first = await ids(text, 'events');
    expect(first).toHaveLength(2);
    expect(new Set(first).size).toBe(2);
    expect(await ids(text, 'events')).toEqual(first);
    // Other columns order, other rows around: the same rows keep their ids.
    const reordered = await ids(lines('amount,event,user_id', '30,Paid,u3', '20,Paid,u2', '10,Paid,u1'), 'events');
    expect(reordered.slice(1)).toEqual([first[1], first[0]]);
    expect(first).not.toContain(reordered[0]);
  });

  it('changes with any value, and with the kind', async () => {
    const [a] = await ids(lines('user_id,plan', 'u1,pro'));
    const [b] = await ids(lines('user_id,plan', 'u1,team'));
    const [c] = await ids(lines('user_id,plan', 'u1,pro'), 'events', ['plan=event']);
    expect(new Set([a, b, c]).size).toBe(3);
  });

  it('comes from a messageId column when one is mapped, and is derived when its cell is empty', async () => {
    const got = await ids(lines('user_id,id', 'u1,abc', 'u2,'), 'profiles', ['id=messageId']);
    expect(got[0]).toBe('abc');
    expect(got[1]).toMatch(/^csv-/);
  });
});

describe('setup errors: nothing is applied', () => {
  const expectImportError = async (
    text: string,
    code: string,
    message: RegExp,
    specs: string[] = [],
    kind: 'profiles' | 'events' = 'profiles',
  ) => {
    const { apply, chunks } = collector();
    const attempt = importCsv({ kind, input: csvStream(text), mapping: parseColumnMapping(specs), apply });
    await expect(attempt).rejects.toThrow(ImportError);
    await expect(attempt).rejects.toMatchObject({ code, message: expect.stringMatching(message) });
    expect(chunks).toEqual([]);
  };

  it('an empty file has no header', () => expectImportError('', 'no_header', /empty/));
  it('a file of blank lines has no header', () => expectImportError('\n\n\r\n', 'no_header', /no column names/));
  it('an unreadable header', () =>
    expectImportError(lines('"user_id"x,plan', 'u1,pro'), 'no_header', /line 1: the header row cannot be read/));
  it('no id column (often: no header at all)', () =>
    expectImportError(lines('u1,pro', 'u2,free'), 'bad_header', /no column maps to userId or anonymousId/));
  it('events without an event column', () =>
    expectImportError(lines('user_id,plan', 'u1,pro'), 'bad_header', /no column maps to event/, [], 'events'));
  it('a column twice in the header', () => expectImportError(lines('user_id,plan,plan', 'u1,a,b'), 'bad_header', /"plan" appears twice/));
  it('two columns to one field', () => expectImportError(lines('user_id,userId', 'u1,u1'), 'bad_header', /both map to userId/));
  it('email and trait:email collide for profiles', () =>
    expectImportError(lines('user_id,email,mail', 'u1,a,b'), 'bad_mapping', /both map to/, ['mail=trait:email']));
  it('an unsafe default trait name', () =>
    expectImportError(lines('user_id,first.name', 'u1,Ann'), 'bad_header', /--map "first.name=trait:<name>"/));
  it('a mapped column the header lacks', () =>
    expectImportError(lines('user_id,plan', 'u1,pro'), 'bad_mapping', /names "revenue", which the header does not have/, [
      'revenue=trait:revenue:number',
    ]));
  it('a property for a profile', () =>
    expectImportError(lines('user_id,plan', 'u1,pro'), 'bad_mapping', /profiles take trait/, ['plan=property:plan']));
});

describe('apply failing', () => {
  it('stops the import and rejects; the chunks before stay applied, none is applied after', async () => {
    const applied: number[] = [];
    let calls = 0;
    const apply = async (chunk: ImportMessage[]) => {
      calls++;
      if (calls === 3) throw new Error('database down');
      applied.push(chunk.length);
    };
    const rows = Array.from({ length: 100 }, (_, i) => `u${i},pro`);
    await expect(
      importCsv({ kind: 'profiles', input: csvStream(lines('user_id,plan', ...rows), 64), apply, chunkSize: 10 }),
    ).rejects.toThrow('database down');
    expect(applied).toEqual([10, 10]);
    expect(calls).toBe(3);
  });
});

/** A profiles CSV produced row by row as it is read, counting the rows produced. */
function countingCsv(rows: number, padding = 80): { input: Readable; produced: () => number } {
  let produced = 0;
  function* generate(): Generator<Buffer> {
    yield Buffer.from('user_id,note\n');
    for (let i = 0; i < rows; i++) {
      produced++;
      yield Buffer.from(`u${i},${'n'.repeat(padding)}\n`);
    }
  }
  return { input: Readable.from(generate(), { objectMode: false }), produced: () => produced };
}

describe('chunks and backpressure', () => {
  it('applies one chunk at a time and reads at most about two chunks ahead while apply is slow', async () => {
    const chunkSize = 500;
    const { input, produced } = countingCsv(5000);
    let appliedRows = 0;
    let concurrent = 0;
    let maxConcurrent = 0;
    let maxAhead = 0;
    const chunks: number[] = [];
    const report = await importCsv({
      kind: 'profiles',
      input,
      chunkSize,
      apply: async (chunk) => {
        concurrent++;
        maxConcurrent = Math.max(maxConcurrent, concurrent);
        chunks.push(chunk.length);
        // Slow storage: plenty of time for an unbounded reader to read the whole file.
        await new Promise((resolve) => setTimeout(resolve, 25));
        maxAhead = Math.max(maxAhead, produced() - appliedRows);
        appliedRows += chunk.length;
        concurrent--;
      },
    });
    expect(report).toMatchObject({ rows: 5000, good: 5000 });
    expect(chunks).toEqual(Array(10).fill(500));
    expect(maxConcurrent).toBe(1);
    // Rows read but not yet applied: the chunk being applied, the one being collected, and
    // the streams' own buffers (16 KB of bytes each side of the parser, 16 parsed records).
    const streamBuffers = Math.ceil((2 * 16 * 1024) / 85) + 16;
    expect(maxAhead).toBeLessThanOrEqual(2 * chunkSize + streamBuffers);
    expect(maxAhead).toBeLessThan(5000 / 2);
  });

  it('reports progress every chunkSize rows and at the end', async () => {
    const { input } = countingCsv(1200, 5);
    const seen: number[] = [];
    await importCsv({ kind: 'profiles', input, chunkSize: 500, apply: async () => {}, onProgress: (p) => seen.push(p.rows) });
    expect(seen).toEqual([500, 1000, 1200]);
  });

  it('imports a generated 200,000-row stream', async () => {
    const { input } = countingCsv(200_000, 20);
    let good = 0;
    let largest = 0;
    let lastBytes = 0;
    const report = await importCsv({
      kind: 'profiles',
      input,
      apply: async (chunk) => {
        good += chunk.length;
        largest = Math.max(largest, chunk.length);
      },
      onProgress: (p) => {
        lastBytes = p.bytes;
      },
    });
    expect(report).toMatchObject({ rows: 200_000, good: 200_000, bad: 0 });
    expect(good).toBe(200_000);
    expect(largest).toBe(500);
    expect(lastBytes).toBeGreaterThan(200_000 * 20);
  }, 120_000);
});
