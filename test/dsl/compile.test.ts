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
