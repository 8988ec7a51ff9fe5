/**
 * Robustness: thousands of damaged programs (tokens deleted, duplicated, swapped; characters
 * inserted, deleted, replaced; random token soup), from a fixed seed. The compiler must never
 * throw, must return IR exactly when there is no error, and every diagnostic
 * must point inside the file.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/dsl/index.js';
import { itineraLexer } from '../../src/dsl/tokens.js';

const REPO_ROOT = resolve(import.meta.dirname, '../..');
const GOLDEN = join(REPO_ROOT, 'test/dsl/golden');
const corpus = [
  ...readdirSync(join(REPO_ROOT, 'examples')).map((f) => join(REPO_ROOT, 'examples', f)),
  ...readdirSync(GOLDEN).map((f) => join(GOLDEN, f)),
]
  .filter((path) => path.endsWith('.itn'))
  .map((path) => readFileSync(path, 'utf8'));

/** mulberry32: a tiny deterministic PRNG, so a failure replays exactly. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEED = Number(process.env.FUZZ_SEED ?? 20260131);
const CASES = Number(process.env.FUZZ_CASES ?? 3000);
const random = prng(SEED);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const CHARACTERS = [...'{}()[]"\\#%:.-,=<>!*?\n\t 0123456789azAZ_é€', '\r\n', '..', '25:00', '-1'];
const vocabulary = [...new Set(corpus.flatMap((source) => itineraLexer.tokenize(source).tokens.map((t) => t.image)))];

function tokenRanges(source: string): [number, number][] {
  return itineraLexer.tokenize(source).tokens.map((t) => [t.startOffset, t.endOffset! + 1]);
}

function mutate(source: string): string {
  const ranges = tokenRanges(source);
  if (ranges.length === 0) return source + pick(vocabulary);
  const [start, end] = pick(ranges);
  const at = Math.floor(random() * (source.length + 1));
  switch (Math.floor(random() * 7)) {
    case 0: // delete a token
      return source.slice(0, start) + source.slice(end);
    case 1: // duplicate a token
      return source.slice(0, end) + ' ' + source.slice(start, end) + source.slice(end);
    case 2: {
      // swap two tokens
      const [s2, e2] = pick(ranges);
      if (s2 <= end) return source;
      return source.slice(0, start) + source.slice(s2, e2) + source.slice(end, s2) + source.slice(start, end) + source.slice(e2);
    }
    case 3: // insert a character
      return source.slice(0, at) + pick(CHARACTERS) + source.slice(at);
    case 4: // delete a character
      return source.slice(0, at) + source.slice(at + 1);
    case 5: // replace a token by another from the vocabulary
      return source.slice(0, start) + pick(vocabulary) + source.slice(end);
    default: // cut the file short
      return source.slice(0, at);
  }
}

function tokenSoup(): string {
  const length = 1 + Math.floor(random() * 60);
  return Array.from({ length }, () => pick(vocabulary) + (random() < 0.2 ? '\n' : ' ')).join('');
}

function assertWellFormed(source: string): void {
  const result = compile(source);
  const lines = source.split(/\r\n|\r|\n/);
  const hasError = result.diagnostics.some((d) => d.severity === 'error');
  expect(result.ir === undefined, `IR iff no error for:\n${source}`).toBe(hasError);
  for (const d of result.diagnostics) {
    const where = `${d.code} at ${d.line}:${d.column}-${d.endLine}:${d.endColumn} in:\n${source}`;
    expect(d.code, where).toMatch(/^ITN\d{4}$/);
    expect(d.line >= 1 && d.line <= lines.length, where).toBe(true);
    expect(d.endLine >= d.line && d.endLine <= lines.length, where).toBe(true);
    expect(d.column >= 1 && d.column <= lines[d.line - 1]!.length + 1, where).toBe(true);
    expect(d.endColumn >= 1 && d.endColumn <= lines[d.endLine - 1]!.length + 1, where).toBe(true);
    expect(d.endLine > d.line || d.endColumn >= d.column, where).toBe(true);
    expect(d.message.length, where).toBeGreaterThan(0);
  }
  if (result.ir) expect(JSON.parse(JSON.stringify(result.ir))).toEqual(result.ir);
}

describe('fuzzing the compiler', () => {
  it(`survives ${CASES} mutated programs (seed ${SEED})`, () => {
    for (let i = 0; i < CASES; i++) {
      let source = pick(corpus);
      const rounds = 1 + Math.floor(random() * 4);
      for (let r = 0; r < rounds; r++) source = mutate(source);
      assertWellFormed(source);
    }
  });

  it('survives 1000 random token streams', () => {
    for (let i = 0; i < 1000; i++) assertWellFormed(tokenSoup());
  });

  it('handles degenerate inputs', () => {
    for (const source of [
      '',
      '\n',
      '#',
      '"',
      '{',
      '}',
      '\\',
      'journey',
      'segment s {',
      '\uFEFFsegment s { tagged "x" }',
      'a'.repeat(10_000),
    ]) {
      assertWellFormed(source);
    }
    assertWellFormed('segment s { ' + '('.repeat(500) + 'tagged "x"' + ')'.repeat(500) + ' }');
  });
});
