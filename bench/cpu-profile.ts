/**
 * A CPU profile of one phase of a benchmark, in this process's main thread, when the
 * environment names a file for it: `BENCH_CPU_PROFILE=/tmp/phase.cpuprofile` (open it in
 * Chrome's DevTools, or summarise it with `npx tsx bench/cpu-profile.ts FILE`). Phases
 * before and after it (seeding a database, baselines) stay out of the profile.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { pathToFileURL } from 'node:url';

export interface PhaseProfile {
  /** Writes the profile; nothing when none was asked for. */
  stop(): Promise<void>;
}

export async function profilePhase(file = process.env.BENCH_CPU_PROFILE): Promise<PhaseProfile> {
  if (!file) return { stop: async () => undefined };
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return {
    async stop() {
      const { profile } = await session.post('Profiler.stop');
      writeFileSync(file, JSON.stringify(profile));
      session.disconnect();
      console.error(`[bench] CPU profile of the phase written to ${file}`);
    },
  };
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

/** Self time per function and per file (share of samples), the largest first. */
export function summarise(profile: { nodes: ProfileNode[]; samples: number[] }, top = 30): string {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfSamples = new Map<number, number>();
  for (const id of profile.samples) selfSamples.set(id, (selfSamples.get(id) ?? 0) + 1);
  const total = profile.samples.length;
  const perFunction = new Map<string, number>();
  const perFile = new Map<string, number>();
  for (const [id, count] of selfSamples) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const file =
      url
        .replace(/^file:\/\//, '')
        .replace(/.*node_modules\//, 'node_modules/')
        .replace(process.cwd() + '/', '') || '(native)';
    perFunction.set(
      `${functionName || '(anonymous)'} ${file}:${lineNumber + 1}`,
      (perFunction.get(`${functionName || '(anonymous)'} ${file}:${lineNumber + 1}`) ?? 0) + count,
    );
    const packageOrFile = file.startsWith('node_modules/')
      ? file
          .split('/')
          .slice(0, file.split('/')[1]!.startsWith('@') ? 3 : 2)
          .join('/')
      : file;
    perFile.set(packageOrFile, (perFile.get(packageOrFile) ?? 0) + count);
  }
  const lines = (map: Map<string, number>) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, count]) => `${((100 * count) / total).toFixed(1).padStart(5)} %  ${name}`);
  return [`${total} samples`, '-- self time by package or file', ...lines(perFile), '-- self time by function', ...lines(perFunction)].join(
    '\n',
  );
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const file = process.argv[2];
  if (!file) throw new Error('usage: npx tsx bench/cpu-profile.ts FILE.cpuprofile');
  console.log(summarise(JSON.parse(readFileSync(file, 'utf8'))));
}
