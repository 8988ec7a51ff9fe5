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
import { generateProgram } from './rule-program.js';

export { generateProgram };

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
