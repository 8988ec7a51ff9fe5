/**
 * The privacy benchmark's figures: the checks it makes, how figures are rounded, and the
 * heavy person's figures over the light one's.
 */

export const round = (value: number, places = 1) => Math.round(value * 10 ** places) / 10 ** places;
export const mb = (bytes: number) => round(bytes / 1024 / 1024);

export interface Check {
  name: string;
  ok: boolean;
  detail?: string;
}

/** Records a check (and logs it). */
export type Checker = (name: string, ok: boolean, detail?: string) => void;

/** The heavy person's export and erasure figures over the light one's (null where either is missing). */
export function heavyOverLight(exports: Record<string, Record<string, unknown>>, erasures: Record<string, Record<string, unknown>>) {
  const ratio = (heavy: unknown, light: unknown) =>
    typeof heavy === 'number' && typeof light === 'number' && light > 0 ? round(heavy / light, 2) : null;
  const ratioOf = (figures: Record<string, Record<string, unknown>>, field: string) =>
    ratio(figures.heavy?.[field], figures.light?.[field]);
  const stepRatios = Object.fromEntries(
    Object.keys((erasures.heavy?.stepMs ?? {}) as Record<string, number>).map((step) => [
      step,
      ratio(
        (erasures.heavy!.stepMs as Record<string, number>)[step],
        (erasures.light?.stepMs as Record<string, number> | undefined)?.[step],
      ),
    ]),
  );
  return {
    exportReady: ratioOf(exports, 'readyMs'),
    exportServerBuild: ratioOf(exports, 'serverBuildMs'),
    download: ratioOf(exports, 'downloadMs'),
    bytes: ratioOf(exports, 'bytes'),
    erasureCompleted: ratioOf(erasures, 'completedMs'),
    erasureServer: ratioOf(erasures, 'serverMs'),
    erasureSteps: stepRatios,
  };
}
