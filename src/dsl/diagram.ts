/**
 * A journey as a diagram of its steps, drawn from its text (the text stays the source of
 * truth) with the live counts of each step.
 *
 * Drawn from the AST, not the IR: the IR unrolls `for` loops (`tag "{chapter}rozdz1ebook"`
 * becomes five tags), and a marketer should see what they wrote. So a `for` is one node
 * whose one block holds its body once; each step in it shows the counts of all its
 * iterations summed, and per iteration in `iterations`. The step ids the counts are kept
 * under are rebuilt here exactly as lower.ts makes them (`3`, `3.then.0`, `2@4.1`,
 * `1.b0.0`); a test checks the two agree on every example program.
 */
import type { Block, JourneyDecl, Span, Step } from './ast.js';
import { assertNever } from './assert-never.js';
import { isHeader } from './ast.js';
import type { SourceReader } from './source-text.js';

/** What the run counters say of one step (src/store/journey-stats.ts). */
export interface RawStepCounts {
  reached: number;
  passed: number;
  left: number;
}

export interface DiagramCounts {
  reached: number;
  /** Runs at this step now (for a block: somewhere inside it). */
  waiting: number;
  passed: number;
  /** Runs that ended at this step (for a block: anywhere inside it). */
  endedHere: number;
}

export interface DiagramBlock {
  /** `then`, `else`, `otherwise`, `50%`, `chapter 1…5`. */
  label: string;
  nodes: DiagramNode[];
}

export interface DiagramNode {
  /** The step id for a step outside loops; inside a `for`, the ids of all its iterations with `*` for the loop's value. */
  id: string;
  /** `onExit`: the journey's `on exit` block, drawn last, its steps in its one block. */
  kind: 'trigger' | 'onExit' | Step['kind'];
  label: string;
  counts: DiagramCounts;
  blocks?: DiagramBlock[];
  /** Inside a `for`: the counts of each iteration (the summed ones are in `counts`). */
  iterations?: { label: string; counts: DiagramCounts }[];
}

export interface Diagram {
  nodes: DiagramNode[];
}

export interface DiagramStats {
  entered: number;
  step(id: string): RawStepCounts | undefined;
}

/** One iteration of the loops around a step: where its ids start and the loop values that hold. */
interface Instance {
  prefix: string;
  values: [variable: string, value: number][];
}

const ZERO: RawStepCounts = { reached: 0, passed: 0, left: 0 };
const childId = (prefix: string, index: number) => (prefix === '' ? String(index) : `${prefix}.${index}`);

function presented(counts: RawStepCounts): DiagramCounts {
  return {
    reached: counts.reached,
    waiting: Math.max(0, counts.reached - counts.passed - counts.left),
    passed: counts.passed,
    endedHere: counts.left,
  };
}

function add(a: RawStepCounts, b: RawStepCounts): RawStepCounts {
  return { reached: a.reached + b.reached, passed: a.passed + b.passed, left: a.left + b.left };
}

/**
 * The blocks inside a step, in source order, each with what its steps' ids add to the
 * step's id (as lower.ts names them: `.then`, `.else`, `.otherwise`, `.b<k>`).
 */
function blocksOf(step: Step, reader: SourceReader): { label: string; block: Block; suffix: string }[] {
  switch (step.kind) {
    case 'if':
      return [
        { label: 'then', block: step.then, suffix: '.then' },
        ...(step.else ? [{ label: 'else', block: step.else, suffix: '.else' }] : []),
      ];
    case 'waitFor':
      return [
        ...(step.then ? [{ label: 'then', block: step.then, suffix: '.then' }] : []),
        ...(step.otherwise ? [{ label: 'otherwise', block: step.otherwise, suffix: '.otherwise' }] : []),
      ];
    case 'split':
      return step.branches.map((branch, k) => ({ label: reader.label(branch.share.span), block: branch.body, suffix: `.b${k}` }));
    default:
      return [];
  }
}

/**
 * Counts of one step at one concrete id. A block step's `left` includes the runs that
 * ended anywhere inside it, so its `waiting` is the runs inside it now. A `for` has no id of
 * its own: runs reached it when they reached its first step in its first iteration and
 * passed it when they passed its last step in its last.
 */
function countsAt(step: Step, id: string, stats: DiagramStats, reader: SourceReader): RawStepCounts {
  const leftWithin = (steps: Step[], prefix: string) =>
    steps.reduce((sum, inner, index) => sum + countsAt(inner, childId(prefix, index), stats, reader).left, 0);
  if (step.kind === 'for') {
    const { from, to } = { from: step.from.value, to: step.to.value };
    const body = step.body.steps;
    if (body.length === 0 || from > to) return ZERO;
    let left = 0;
    for (let value = from; value <= to; value++) left += leftWithin(body, `${id}@${value}`);
    const reached = countsAt(body[0]!, childId(`${id}@${from}`, 0), stats, reader).reached;
    const passed = countsAt(body[body.length - 1]!, childId(`${id}@${to}`, body.length - 1), stats, reader).passed;
    return { reached, passed, left };
  }
  const own = stats.step(id) ?? ZERO;
  const inside = blocksOf(step, reader).reduce((sum, { block, suffix }) => sum + leftWithin(block.steps, `${id}${suffix}`), 0);
  return { ...own, left: own.left + inside };
}

/** The words a marketer reads for a step: its own text, shortened where it has a body or a long `with`. */
function labelOf(step: Step, reader: SourceReader): string {
  const upTo = (end: Span) => reader.label(step.span, end);
  switch (step.kind) {
    case 'sendEmail':
      return upTo(step.template.span);
    case 'sendWebhook':
      return upTo(step.name.span);
    case 'if':
      return upTo(step.condition.span);
    case 'waitFor':
      return upTo(step.timeout.span);
    case 'for':
      return upTo(step.to.span);
    case 'split':
      return `split ${step.branches.map((branch) => reader.label(branch.share.span)).join(' / ')}`;
    case 'tag':
    case 'untag':
    case 'setTrait':
    case 'wait':
    case 'waitUntil':
    case 'exit':
      return reader.label(step.span);
    default:
      return assertNever(step, 'step');
  }
}

function iterationLabel(values: Instance['values']): string {
  return values.map(([variable, value]) => `${variable} ${value}`).join(', ');
}

function nodesOf(steps: Step[], template: string, instances: Instance[], stats: DiagramStats, reader: SourceReader): DiagramNode[] {
  return steps.map((step, index) => {
    const id = childId(template, index);
    const at = instances.map((instance) => ({ instance, id: childId(instance.prefix, index) }));
    const perInstance = at.map(({ id: concrete }) => countsAt(step, concrete, stats, reader));
    const node: DiagramNode = { id, kind: step.kind, label: labelOf(step, reader), counts: presented(perInstance.reduce(add, ZERO)) };
    if (instances.some((instance) => instance.values.length > 0)) {
      node.iterations = at.map(({ instance }, k) => ({ label: iterationLabel(instance.values), counts: presented(perInstance[k]!) }));
    }
    if (step.kind === 'for') {
      const inner: Instance[] = [];
      for (const { instance, id: concrete } of at) {
        for (let value = step.from.value; value <= step.to.value; value++) {
          inner.push({ prefix: `${concrete}@${value}`, values: [...instance.values, [step.variable.text, value]] });
        }
      }
      node.blocks = [
        {
          label: `${step.variable.text} ${step.from.value}…${step.to.value}`,
          nodes: nodesOf(step.body.steps, `${id}@*`, inner, stats, reader),
        },
      ];
      return node;
    }
    const blocks = blocksOf(step, reader);
    if (blocks.length > 0) {
      node.blocks = blocks.map(({ label, block, suffix }) => ({
        label,
        nodes: nodesOf(
          block.steps,
          `${id}${suffix}`,
          at.map(({ instance, id: concrete }) => ({ ...instance, prefix: `${concrete}${suffix}` })),
          stats,
          reader,
        ),
      }));
    }
    return node;
  });
}

/**
 * The `on exit` block, after the steps, as runs take it when they end: its steps under the
 * ids lower.ts gives them (`onExit.0`, `onExit.1@3.0`); reached when its first step was,
 * passed when its last was.
 */
function onExitNode(body: Block, stats: DiagramStats, reader: SourceReader): DiagramNode {
  const nodes = nodesOf(body.steps, 'onExit', [{ prefix: 'onExit', values: [] }], stats, reader);
  const reached = nodes[0]?.counts.reached ?? 0;
  const passed = nodes.at(-1)?.counts.passed ?? 0;
  return {
    id: 'onExit',
    kind: 'onExit',
    label: 'on exit',
    counts: { reached, waiting: Math.max(0, reached - passed), passed, endedHere: 0 },
    blocks: [{ label: 'when the run ends', nodes }],
  };
}

/** The journey's diagram: its trigger first (reached = runs entered), then its steps in source order, then `on exit`. */
export function journeyDiagram(decl: JourneyDecl, reader: SourceReader, stats: DiagramStats): Diagram {
  const trigger = decl.items.find((item) => item.kind === 'trigger');
  const onExit = decl.items.find((item) => item.kind === 'onExit');
  const steps = decl.items.filter((item): item is Step => !isHeader(item));
  const entry: DiagramNode = {
    id: 'trigger',
    kind: 'trigger',
    label: trigger ? reader.label(trigger.span) : 'when …',
    counts: { reached: stats.entered, waiting: 0, passed: stats.entered, endedHere: 0 },
  };
  const drawn = [entry, ...nodesOf(steps, '', [{ prefix: '', values: [] }], stats, reader)];
  return { nodes: onExit ? [...drawn, onExitNode(onExit.body, stats, reader)] : drawn };
}
