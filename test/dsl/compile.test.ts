import { describe, expect, it } from 'vitest';
import { compile } from '../../src/dsl/index.js';

describe('compile', () => {
  it('compiles the smallest journey', () => {
    const result = compile('journey hello { when performed "Signed Up" tag "hello" }');
    expect(result.diagnostics).toEqual([]);
    expect(result.ir?.journeys[0]).toMatchObject({
      name: 'hello',
      trigger: { kind: 'performed', event: 'Signed Up' },
      steps: [{ kind: 'tag', tag: 'hello' }],
    });
  });

  it('tells `when in segment` (current members too) from `when enters segment` (entering from now on)', () => {
    const source =
      'segment vip { trait plan = "vip" }\njourney a { when in segment vip tag "a" }\njourney b { when enters segment vip tag "b" }\n';
    const result = compile(source);
    expect(result.diagnostics).toEqual([]);
    expect(result.ir?.journeys.map((journey) => journey.trigger)).toEqual([
      { kind: 'entersSegment', segment: 'vip', includeCurrentMembers: true },
      { kind: 'entersSegment', segment: 'vip' },
    ]);
    expect(compile('journey c { when in segment nope tag "c" }').diagnostics).toEqual([
      expect.objectContaining({ code: 'ITN1203', line: 1, column: 29 }),
    ]);
  });

  it('reports a syntax error with its position and no IR', () => {
    const result = compile('journey hello {\n  when performed "Signed Up"\n  tag\n}');
    expect(result.ir).toBeUndefined();
    expect(result.diagnostics).toEqual([
      expect.objectContaining({ code: 'ITN1101', severity: 'error', line: 4, column: 1, message: "expected a string but found '}'" }),
    ]);
  });

  it('carries the categories a consent lists, in order and each once, and none for a consent without the clause', () => {
    const result = compile(
      [
        'consent email_marketing "E-mail marketing" {',
        '  expires after 365 days',
        '  categories "Marketing", "Email", "marketing", "Email"',
        '  remind 30 days before expiry',
        '}',
        'consent sms { categories "Marketing" }',
        'consent analytics {}',
      ].join('\n'),
    );
    expect(result.diagnostics.map((d) => `${d.line}:${d.column} ${d.code}`)).toEqual(['3:36 ITN1605', '3:49 ITN1605']);
    expect(result.ir?.consents).toEqual([
      {
        name: 'email_marketing',
        title: 'E-mail marketing',
        expiresAfterMs: 365 * 86_400_000,
        categories: ['Marketing', 'Email'],
        remindBeforeMs: 30 * 86_400_000,
      },
      { name: 'sms', categories: ['Marketing'] },
      { name: 'analytics' },
    ]);
    expect(result.ir?.consents[2]).not.toHaveProperty('categories');
  });
});

describe('message kinds and on exit (issue 31)', () => {
  const summary = (source: string) => compile(source).diagnostics.map(({ code, line, column }) => `${line}:${column} ${code}`);

  it('writes the kind into the IR: marketing with a consent (e-mail or not), operational otherwise', () => {
    const { ir, diagnostics } = compile(
      [
        'consent news {}',
        'journey gated { when performed "A" requires consent news send webhook "crm" }',
        'journey hooks { when performed "B" send webhook "crm" }',
        'journey receipt { when performed "C" operational send email "receipt" }',
      ].join('\n'),
    );
    expect(diagnostics).toEqual([]);
    expect(ir!.journeys.map((journey) => [journey.name, journey.messages])).toEqual([
      ['gated', 'marketing'],
      ['hooks', 'operational'],
      ['receipt', 'operational'],
    ]);
  });

  it('finds the first e-mail inside loops and blocks, and says nothing of a webhook', () => {
    expect(summary('journey j {\n  when performed "A"\n  send webhook "crm"\n  for n in 1..2 { wait 1 day send email "n{n}" }\n}')).toEqual(
      ['4:30 ITN1410'],
    );
  });

  it('takes one `on exit` and one `operational` per journey, anywhere among the headers or after the steps', () => {
    const source = [
      'journey j {',
      '  when performed "A"',
      '  operational',
      '  on exit { untag "a" }',
      '  send email "x"',
      '  on exit { untag "b" }',
      '  operational',
      '}',
    ].join('\n');
    // The second `on exit` after the steps is only a duplicate; the second `operational` is also a header after the steps.
    expect(summary(source)).toEqual(['6:3 ITN1404', '7:3 ITN1404', '7:3 ITN1406']);
  });

  it('reads `exit` then `on exit { … }` as the last step and the block, not as `exit on "<event>"`', () => {
    const { ir, diagnostics } = compile('journey j { when performed "A" tag "a" exit on exit { untag "a" } }');
    expect(diagnostics).toEqual([]);
    expect(ir!.journeys[0]).toMatchObject({
      exitOn: [],
      steps: [{ kind: 'tag' }, { kind: 'exit' }],
      onExit: [{ kind: 'untag', id: 'onExit.0', tag: 'a' }],
    });
  });
});
