/**
 * Which declarations read a segment: the segments whose condition says `in segment <name>`
 * the journeys that start on it (`when enters/in/exits segment`), end on it (`exit
 * when`) or branch on it (`if`), and the broadcasts sent to it (`to segment`). From the
 * AST, so the answer follows the text.
 */
import { isHeader, type Condition, type Declaration, type JourneyDecl, type Step } from './ast.js';
import { referencedSegments } from './walk.js';

export interface SegmentUsage {
  segments: string[];
  journeys: string[];
  broadcasts: string[];
}

/** The conditions inside steps, nested blocks and loop bodies included. */
function stepConditions(steps: Step[]): Condition[] {
  return steps.flatMap((step): Condition[] => {
    switch (step.kind) {
      case 'if':
        return [step.condition, ...stepConditions(step.then.steps), ...stepConditions(step.else?.steps ?? [])];
      case 'waitFor':
        return [...stepConditions(step.then?.steps ?? []), ...stepConditions(step.otherwise?.steps ?? [])];
      case 'split':
        return step.branches.flatMap((branch) => stepConditions(branch.body.steps));
      case 'for':
        return stepConditions(step.body.steps);
      default:
        return [];
    }
  });
}

/** The segments a journey reads, each once. */
export function segmentsOfJourney(journey: JourneyDecl): string[] {
  const names: string[] = [];
  const steps: Step[] = [];
  for (const item of journey.items) {
    if (item.kind === 'trigger') {
      if (item.trigger.kind !== 'performed') names.push(item.trigger.segment.text);
    } else if (item.kind === 'exitWhen') {
      names.push(...referencedSegments(item.condition));
    } else if (!isHeader(item)) {
      steps.push(item);
    }
  }
  names.push(...stepConditions(steps).flatMap(referencedSegments));
  return [...new Set(names)];
}

/** Who reads `segment`, in declaration order. */
export function segmentUsage(declarations: readonly Declaration[], segment: string): SegmentUsage {
  const usage: SegmentUsage = { segments: [], journeys: [], broadcasts: [] };
  for (const decl of declarations) {
    if (decl.kind === 'segment' && referencedSegments(decl.condition).includes(segment)) usage.segments.push(decl.name.text);
    if (decl.kind === 'journey' && segmentsOfJourney(decl).includes(segment)) usage.journeys.push(decl.name.text);
    if (decl.kind === 'broadcast' && decl.clauses.some((clause) => clause.kind === 'audience' && clause.segment.text === segment))
      usage.broadcasts.push(decl.name.text);
  }
  return usage;
}
