/**
 * Compiler benchmark: generates a 10,000-line program (hundreds of consents, segments and
 * journeys using every construct), compiles it several times and reports the median time
 * and the peak memory. Targets: under 250 ms and under 200 MB.
 *
 *   npx tsx bench/dsl-bench.ts
 *
 * A few untimed compilations come first, so the timed ones measure optimised code rather
 * than the JIT warming up. A full garbage collection precedes every compilation, so none
 * pays for (or piles its garbage onto) the one before: the peak is that of one compilation,
 * as when a server compiles a program now and then. The peak RSS is the whole process's,
 * from its start: the runtime, the TypeScript loader and the compiler's modules included.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { pathToFileURL } from 'node:url';
import { compile, type CompileResult } from '../src/dsl/index.js';

export interface DslBenchFigures {
  lines: number;
  segments: number;
  journeys: number;
  runs: number;
  medianMs: number;
  minMs: number;
  maxMs: number;
  /** Peak resident set size of the process, in MB. */
  peakRssMb: number;
  /** Heap in use right after the last compilation, in MB. */
  heapUsedMb: number;
  /** Resident set size before the first compilation (runtime, loader, compiler modules, the source), in MB. */
  baselineRssMb: number;
}

const WARM_UP_RUNS = 3;

function consent(i: number): string {
  return `consent purpose_${i} "Purpose ${i}" {\n  expires after ${30 + i} days\n  remind 7 days before expiry\n}\n`;
}

function segment(i: number, consents: number): string {
  const other = i > 0 ? `\n  or in segment seg_${i - 1} and not tagged "excluded_${i}"` : '';
  return [
    `segment seg_${i} "Segment ${i}" {`,
    `  trait country in ["PL", "DE", "FR"] and trait age >= ${18 + (i % 40)} and trait email exists`,
    `  and (performed "Order Completed" where revenue >= ${i % 500} and currency = "EUR" at least ${1 + (i % 5)} times within ${7 + (i % 80)} days`,
    `    or sum "revenue" of "Order Completed" within 365 days > ${1000 + i})`,
    `  and consent purpose_${i % consents} is granted and last seen within 30 days${other}`,
    `}`,
    '',
  ].join('\n');
}

function journey(i: number, segments: number, consents: number): string {
  return [
    `journey journey_${i} "Journey ${i}" {`,
    i % 2 === 0 ? `  when performed "Event ${i}" where plan = "pro"` : `  when enters segment seg_${i % segments}`,
    `  requires consent purpose_${i % consents}`,
    `  reentry after ${1 + (i % 10)} days`,
    `  exit on "Unsubscribed"`,
    `  quiet hours 21:00-08:00`,
    `  for step in 1..3 {`,
    `    send email "template_${i}_{step}" with { step: step, campaign: "c${i}" }`,
    `    tag "j${i}_{step}"`,
    `    wait 1 day`,
    `  }`,
    `  wait for "Order Completed" where total > 0 up to 4 hours`,
    `    then { tag "converted_${i}" }`,
    `    otherwise {`,
    `      send webhook "crm" with { reason: "no_order", journey: ${i} }`,
    `    }`,
    `  if in segment seg_${(i * 7) % segments} and not tagged "vip" {`,
    `    set trait stage_${i} = "engaged"`,
    `  } else {`,
    `    split {`,
    `      50% { send email "a_${i}" }`,
    `      50% { send email "b_${i}" }`,
    `    }`,
    `  }`,
    `  wait until 10:00`,
    `  untag "j${i}_1"`,
    `}`,
    '',
  ].join('\n');
}

/** A program of about `targetLines` lines: 1 consent per 25 lines, then half segments, half journeys. */
export function generateProgram(targetLines = 10_000): { source: string; segments: number; journeys: number } {
  const consents = Math.max(1, Math.floor(targetLines / 250));
  const segments = Math.floor((targetLines * 0.4) / 7);
  const parts = [];
  for (let i = 0; i < consents; i++) parts.push(consent(i));
  for (let i = 0; i < segments; i++) parts.push(segment(i, consents));
  // Counting lines as parts are added, not by splitting the whole source after each journey.
  let lines = lineCount(parts.join(''));
  let journeys = 0;
  while (lines < targetLines) {
    const part = journey(journeys, segments, consents);
    parts.push(part);
    lines += lineCount(part) - 1;
    journeys++;
  }
  return { source: parts.join(''), segments, journeys };
}

/** Lines of a text, as `text.split('\n').length` counts them. */
function lineCount(text: string): number {
  let count = 1;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) count++;
  return count;
}

/** A full collection, through `gc()`: exposed on demand so the bench needs no Node flag. */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

/** One compilation from a freshly collected heap, and how long it took in ms. */
function timedCompile(source: string): { result: CompileResult; ms: number } {
  collectGarbage();
  const started = performance.now();
  const result = compile(source);
  return { result, ms: performance.now() - started };
}

export function runDslBench(runs = 7): DslBenchFigures {
  const { source, segments, journeys } = generateProgram();
  const baselineRssMb = round(process.memoryUsage().rss / 1024 / 1024);
  const { result: first } = timedCompile(source);
  if (!first.ir) throw new Error(`the generated program does not compile: ${JSON.stringify(first.diagnostics.slice(0, 3))}`);
  for (let i = 1; i < WARM_UP_RUNS; i++) timedCompile(source);
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push(timedCompile(source).ms);
  times.sort((a, b) => a - b);
  return {
    lines: source.split('\n').length,
    segments,
    journeys,
    runs,
    medianMs: round(times[Math.floor(times.length / 2)]!),
    minMs: round(times[0]!),
    maxMs: round(times.at(-1)!),
    peakRssMb: round(process.resourceUsage().maxRSS / 1024),
    heapUsedMb: round(process.memoryUsage().heapUsed / 1024 / 1024),
    baselineRssMb,
  };
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const figures = runDslBench();
  console.log(JSON.stringify(figures, null, 2));
  const ok = figures.medianMs < 250 && figures.peakRssMb < 200;
  console.log(ok ? 'within targets (250 ms, 200 MB)' : 'OUTSIDE targets (250 ms, 200 MB)');
}
