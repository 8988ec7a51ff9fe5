/**
 * A run's step as people read it ("wait 1 day") instead of its id ("1"): the label of the
 * step in the journey's diagram (GET /v1/journeys/:name, the version the run started on).
 * Inside a `for` the diagram's id has `*` for the loop's value, so it is matched as a pattern.
 */
import { useEffect, useState } from 'preact/hooks';
import { get } from '../../api';
import type { DiagramNode } from '../../diagram/types';
import type { JourneyDetail } from '../journeys/types';

const escape = (text: string) => text.replace(/[.+?^${}()|[\]\\]/g, '\\$&');

export function labelOf(nodes: DiagramNode[], step: string): string | undefined {
  for (const node of nodes) {
    if (node.kind !== 'trigger' && new RegExp(`^${escape(node.id).replace(/\*/g, '[^.]+')}$`).test(step)) return node.label;
    for (const block of node.blocks ?? []) {
      const inner = labelOf(block.nodes, step);
      if (inner) return inner;
    }
  }
  return undefined;
}

/** Labels keyed `journey@version:step`, filled in as the journeys' diagrams arrive. */
export function useStepLabels(runs: { journey: string; rulesVersion: number; step?: string }[]): Map<string, string> {
  const [labels, setLabels] = useState(new Map<string, string>());
  const journeys = [...new Set(runs.filter((run) => run.step).map((run) => run.journey))].sort();
  useEffect(() => {
    let cancelled = false;
    void Promise.all(journeys.map((name) => get<JourneyDetail>(`/v1/journeys/${encodeURIComponent(name)}`).catch(() => undefined))).then(
      (details) => {
        if (cancelled) return;
        const found = new Map<string, string>();
        for (const run of runs) {
          const version = details.find((detail) => detail?.name === run.journey)?.versions.find((v) => v.rulesVersion === run.rulesVersion);
          const label = run.step && version?.diagram ? labelOf(version.diagram.nodes, run.step) : undefined;
          if (label) found.set(`${run.journey}@${run.rulesVersion}:${run.step}`, label);
        }
        setLabels(found);
      },
    );
    return () => {
      cancelled = true;
    };
  }, [journeys.join('\n')]);
  return labels;
}
