/** Many mistakes, many pointed diagnostics; and the table of codes stays documented. */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Diagnostics } from '../../src/dsl/codes.js';
import { compile } from '../../src/dsl/index.js';

const REPO_ROOT = resolve(import.meta.dirname, '../..');

const TEN_MISTAKES = `consent email_marketing "E-mail" {
  expires after 0 days
}
consent email_marketing {}

segment finished_ebook { tagged "ebook_completed" }
segment loop_a { in segment loop_b }
segment loop_b { in segment loop_a }

journey drip {
  when performed "Ebook Signup"
  when enters segment finishd_ebook
  requires consent email_marketng
  quiet hours 25:00-08:00
  for chapter in 5..1 { tag "{chapter}rozdz1ebook" }
  split {
    50% { send email "a" }
    40% { send email "b" }
  }
  exit
  tag "never"
}
`;

describe('a program with ten mistakes', () => {
  it('gets ten diagnostics, each pointing at its mistake', () => {
    const { ir, diagnostics } = compile(TEN_MISTAKES);
    expect(ir).toBeUndefined();
    const summary = diagnostics.map((d) => `${d.line}:${d.column} ${d.code}`);
    expect(summary).toEqual([
      '2:17 ITN1301', // expires after 0 days
      '4:9 ITN1201', // email_marketing declared twice
      '8:29 ITN1206', // loop_a → loop_b → loop_a
      '12:3 ITN1402', // a second trigger
      '12:23 ITN1203', // finishd_ebook
      '13:20 ITN1204', // email_marketng
      '14:15 ITN1302', // 25:00
      '15:18 ITN1503', // 5..1
      '16:3 ITN1501', // 50% + 40%
      '21:3 ITN1403', // after exit
    ]);
    expect(diagnostics.find((d) => d.code === 'ITN1203')?.message).toBe("unknown segment 'finishd_ebook' (did you mean 'finished_ebook'?)");
    expect(diagnostics.find((d) => d.code === 'ITN1204')?.message).toBe(
      "unknown consent 'email_marketng' (did you mean 'email_marketing'?)",
    );
  });

  it('also reports several syntax errors in one run, one per broken declaration', () => {
    const source = [
      'segment a { tagged "x" and }',
      'segment b { trait country = }',
      'journey c {',
      '  when performed "X" operational',
      '  send emial "x"',
      '}',
      'journey d { when performed "Y" wait 3 dayz }',
      'segment e { in segment a }',
    ].join('\n');
    const { diagnostics } = compile(source);
    expect(diagnostics.map((d) => `${d.line}:${d.column} ${d.code}`)).toEqual([
      '1:28 ITN1102',
      '2:29 ITN1102',
      '5:8 ITN1102',
      '7:39 ITN1101',
    ]);
    expect(diagnostics[2]!.message).toBe("found 'emial' (did you mean 'email'?)");
    expect(diagnostics[3]!.message).toBe("found 'dayz' (did you mean 'days'?)");
  });

  it('keeps warnings from blocking the IR', () => {
    const { ir, diagnostics } = compile('segment s { tagged like "vip" }');
    expect(diagnostics.map((d) => d.severity)).toEqual(['warning']);
    expect(ir).toBeDefined();
  });

  it('does not report an unused segment or consent', () => {
    const { diagnostics } = compile('consent c {}\nsegment s { tagged "x" }');
    expect(diagnostics).toEqual([]);
  });
});

describe('a misspelt keyword', () => {
  const ebook = readFileSync(join(REPO_ROOT, 'examples/ebook.itn'), 'utf8');

  it('in a declaration gets one diagnostic, with the keyword meant, and nothing from the rest of it', () => {
    const { diagnostics } = compile(ebook.replace('journey ebook_drip', 'jurney ebook_drip'));
    const line = ebook.split('\n').indexOf('journey ebook_drip "E-book, one chapter a day" {') + 1;
    expect(line).toBeGreaterThan(0);
    expect(diagnostics.map((d) => `${d.line}:${d.column} ${d.code} ${d.message}`)).toEqual([
      `${line}:1 ITN1103 found 'jurney' (did you mean 'journey'?)`,
    ]);
  });

  it('is matched against the keywords allowed where it stands', () => {
    const messages = (source: string) => compile(source).diagnostics.map((d) => d.message);
    // `tag` and `tagged` are both keywords; a step wants the one, a condition the other.
    expect(messages('journey j { when performed "a" tagg "x" }')).toEqual(["found 'tagg' (did you mean 'tag'?)"]);
    expect(messages('segment s { tagge "x" }')).toEqual(["found 'tagge' (did you mean 'tagged'?)"]);
    // Two keywords one slip away: the one with which the rest parses (`set` would want `trait`).
    expect(messages('journey j { when performed "a" operational sen email "x" }')).toEqual(["found 'sen' (did you mean 'send'?)"]);
    // The parser stops at `and` (its lookahead saw no `not` after it), the slip is the word after.
    expect(messages('journey j { when performed "a" where x = 1 and ot y = 2 tag "t" }')).toEqual(["found 'ot' (did you mean 'not'?)"]);
  });

  it('is read as the keyword, so the errors after it are still found, each once', () => {
    const source = [
      'segment readers { tagged "reader" }',
      'journey j {',
      '  when enters segmnt readrs',
      '  wiat 3 dyas',
      '  tag',
      '}',
    ].join('\n');
    expect(compile(source).diagnostics.map((d) => `${d.line}:${d.column} ${d.code} ${d.message}`)).toEqual([
      "3:15 ITN1101 found 'segmnt' (did you mean 'segment'?)",
      "4:3 ITN1101 found 'wiat' (did you mean 'wait'?)",
      "4:10 ITN1101 found 'dyas' (did you mean 'days'?)",
      "6:1 ITN1101 expected a string but found '}'",
    ]);
  });

  it('is corrected deep in a long journey too, and the journey still checked', () => {
    const steps = Array.from({ length: 300 }, (_, i) => `  tag "t${i}"\n  wait 1 day`);
    const source = [
      'journey j {',
      '  when performed "a" operational',
      ...steps,
      '  if tagged "x" {',
      '    send emial "x"',
      '  }',
      '  if in segment nowhere { exit }',
      '}',
    ].join('\n');
    expect(compile(source).diagnostics.map((d) => `${d.line}:${d.column} ${d.message}`)).toEqual([
      "604:10 found 'emial' (did you mean 'email'?)",
      "606:17 unknown segment 'nowhere'",
    ]);
  });

  it('is a misspelling only when close: another word keeps the message of the parser', () => {
    const { diagnostics } = compile('journey j { when performed "a" notify "x" }');
    expect(diagnostics.map((d) => d.message)).toEqual(["expected '}' but found 'notify'"]);
  });
});

describe('diagnostic codes', () => {
  const codes = Object.values(Diagnostics).map((d) => d.code);

  it('are unique and well-formed', () => {
    expect(new Set(codes).size).toBe(codes.length);
    for (const code of codes) expect(code).toMatch(/^ITN\d{4}$/);
  });

  it('each has a row in docs/language.md', () => {
    const docs = readFileSync(join(REPO_ROOT, 'docs/language.md'), 'utf8');
    const missing = codes.filter((code) => !new RegExp(`^\\| *\`?${code}`, 'm').test(docs));
    expect(missing).toEqual([]);
  });
});
