/**
 * The deploy summary (POST /v1/rules/summary, src/server/deploy-summary.ts) as lines for a
 * terminal: the facts the console's deploy dialog shows (web/src/pages/rules/summary-dialog.tsx),
 * in its order: warnings, segments with their sizes now and after, journeys with the runs
 * still going on older versions, consents, and how much of the text changed (the patch
 * itself with --diff). Pure: the command decides where the lines go.
 */
import type { DeploySummary } from '../server/deploy-summary.js';
import type { Named } from '../server/rules-changes.js';

const count = (n: number | null | undefined) => (n === null || n === undefined ? '–' : n.toLocaleString('en'));
const label = ({ name, title }: Named) => (title ? `${name} (${title})` : name);

export function summaryLines(summary: DeploySummary, options: { diff?: boolean } = {}): string[] {
  const { segments, journeys, consents, warnings } = summary;
  const lines: string[] = [];
  const against = summary.activeVersion === null ? 'nothing is deployed yet' : `against version ${summary.activeVersion}`;
  lines.push(`Changes (${against}):`);

  const segmentLines = [
    ...segments.added.map((s) => `  + ${label(s)}: added, ${count(s.previewSize)} members after`),
    ...segments.changed.map((s) => `  ~ ${label(s)}: changed, ${count(s.currentSize)} members now, ${count(s.previewSize)} after`),
    ...segments.removed.map((s) => `  - ${label(s)}: removed, ${count(s.currentSize)} members now`),
  ];
  const journeyLines = [
    ...journeys.added.map((j) => `  + ${label(j)}: added`),
    ...journeys.changed.map((j) => `  ~ ${label(j)}: changed, ${count(j.runningOnOldVersions)} runs on older versions keep theirs`),
    ...journeys.removed.map((j) => `  - ${label(j)}: removed, ${count(j.runningOnOldVersions)} runs on older versions finish on theirs`),
  ];
  const consentLines = [
    ...consents.added.map((c) => `  + ${label(c)}: added`),
    ...consents.changed.map((c) => `  ~ ${label(c)}: changed`),
    ...consents.removed.map((c) => `  - ${label(c)}: removed`),
  ];
  if (segmentLines.length + journeyLines.length + consentLines.length === 0) lines.push('  no segment, journey or consent changes');
  if (segmentLines.length > 0) lines.push(`Segments that recompute (${segmentLines.length}):`, ...segmentLines);
  if (journeyLines.length > 0) lines.push(`Journeys (${journeyLines.length}):`, ...journeyLines);
  if (consentLines.length > 0) lines.push(`Consents (${consentLines.length}):`, ...consentLines);
  if (warnings.length > 0) lines.push(`Warnings (${warnings.length}):`, ...warnings.map((w) => `  ${w.code}: ${w.message}`));

  const changed = summary.hunks.flatMap((hunk) => hunk.lines);
  const added = changed.filter((line) => line.startsWith('+')).length;
  const removed = changed.filter((line) => line.startsWith('-')).length;
  lines.push(
    added + removed === 0
      ? 'Text: unchanged'
      : `Text: ${added} ${added === 1 ? 'line' : 'lines'} added, ${removed} removed${options.diff ? '' : ' (--diff shows them)'}`,
  );
  if (options.diff && added + removed > 0) lines.push(...summary.patch.trimEnd().split('\n'));
  return lines;
}
