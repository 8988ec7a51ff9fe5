/**
 * A journey drawn from its text (the text stays the source): a vertical flow of step
 * boxes, the trigger on top, blocks (`if` then/else, `wait for` then/otherwise, `split`
 * branches) side by side and a `for` loop's body framed below its header, each box with
 * its live counts.
 *
 * It is also a list, for screen readers and tests alike: every step is a list item named by
 * its label and counts (`send email "x" — reached 1, waiting 0, passed 1, ended here 0`),
 * and every block a nested list named by its label.
 */
import type { DiagramBlock, DiagramNode, StepCounts } from './types';
import './diagram.css';

const KIND_NAMES: Record<string, string> = {
  trigger: 'Start',
  tag: 'Tag',
  untag: 'Untag',
  setTrait: 'Set trait',
  sendEmail: 'E-mail',
  sendWebhook: 'Webhook',
  wait: 'Wait',
  waitUntil: 'Wait until',
  waitFor: 'Wait for',
  if: 'If',
  split: 'Split',
  for: 'Repeat',
  exit: 'Exit',
  onExit: 'On exit',
};

/** Families share a colour: what reaches people, what waits, what branches, what ends. */
const FAMILY: Record<string, string> = {
  trigger: 'start',
  sendEmail: 'message',
  sendWebhook: 'message',
  wait: 'wait',
  waitUntil: 'wait',
  waitFor: 'wait',
  if: 'branch',
  split: 'branch',
  for: 'loop',
  exit: 'end',
  onExit: 'end',
  tag: 'data',
  untag: 'data',
  setTrait: 'data',
};

const n = (value: number) => value.toLocaleString('en');

export function stepName(node: DiagramNode): string {
  const { reached, waiting, passed, endedHere } = node.counts;
  if (node.kind === 'trigger') return `${node.label} — entered ${n(reached)}`;
  return `${node.label} — reached ${n(reached)}, waiting ${n(waiting)}, passed ${n(passed)}, ended here ${n(endedHere)}`;
}

export function JourneyDiagram({ nodes, label }: { nodes: DiagramNode[]; label: string }) {
  const entered = nodes[0]?.kind === 'trigger' ? nodes[0].counts.reached : Math.max(0, ...nodes.map((node) => node.counts.reached));
  return (
    <div class="flow-scroll">
      <Steps nodes={nodes} label={label} entered={entered} />
    </div>
  );
}

function Steps({ nodes, label, entered }: { nodes: DiagramNode[]; label: string; entered: number }) {
  if (nodes.length === 0) return <p class="flow-empty">(no steps)</p>;
  return (
    <ol class="flow-steps" role="list" aria-label={label}>
      {nodes.map((node) => (
        <Step key={node.id} node={node} entered={entered} />
      ))}
    </ol>
  );
}

function Step({ node, entered }: { node: DiagramNode; entered: number }) {
  const family = FAMILY[node.kind] ?? 'data';
  const blocks = node.blocks ?? [];
  const share = entered > 0 ? Math.min(1, node.counts.reached / entered) : 0;
  return (
    <li class={`flow-step flow-f-${family}`} role="listitem" aria-label={stepName(node)}>
      <div class="flow-box" data-step-id={node.id}>
        <div class="flow-box-head">
          <span class="flow-kind">{KIND_NAMES[node.kind] ?? node.kind}</span> <span class="flow-label">{node.label}</span>
        </div>
        <Counts counts={node.counts} trigger={node.kind === 'trigger'} />
        {node.iterations && node.iterations.length > 1 && <Iterations iterations={node.iterations} />}
        {node.kind !== 'trigger' && (
          <div class="flow-share" title={`${Math.round(share * 100)}% of those who entered reached this step`}>
            <span style={{ width: `${share * 100}%` }} />
          </div>
        )}
      </div>
      {blocks.length > 0 && (
        <div class={node.kind === 'for' ? 'flow-loop' : 'flow-branches'}>
          {blocks.map((block, i) => (
            <Block key={`${i}:${block.label}`} block={block} entered={entered} loop={node.kind === 'for'} />
          ))}
        </div>
      )}
    </li>
  );
}

function Block({ block, entered, loop }: { block: DiagramBlock; entered: number; loop: boolean }) {
  return (
    <div class={loop ? 'flow-loop-body' : 'flow-branch'}>
      <span class="flow-block-label">{loop ? `↻ ${block.label}` : block.label}</span>
      <Steps nodes={block.nodes} label={block.label} entered={entered} />
    </div>
  );
}

const SHOWN_ITERATIONS = 12;

/** A loop's step, per turn of the loop: who reached it on each (those waiting there marked). */
function Iterations({ iterations }: { iterations: NonNullable<DiagramNode['iterations']> }) {
  const shown = iterations.slice(0, SHOWN_ITERATIONS);
  return (
    <ul class="flow-iterations" aria-label="Per iteration">
      {shown.map(({ label, counts }) => (
        <li
          key={label}
          class={
            counts.waiting > 0
              ? 'flow-iteration flow-iteration-waiting'
              : counts.reached > 0
                ? 'flow-iteration flow-iteration-reached'
                : 'flow-iteration'
          }
          aria-label={`${label}: reached ${n(counts.reached)}, waiting ${n(counts.waiting)}`}
          title={`${label}: reached ${n(counts.reached)}, waiting ${n(counts.waiting)}, passed ${n(counts.passed)}, ended here ${n(counts.endedHere)}`}
        >
          <span class="flow-iteration-label">{label}</span> <b>{n(counts.reached)}</b>
        </li>
      ))}
      {iterations.length > SHOWN_ITERATIONS && <li class="flow-iteration">+{iterations.length - SHOWN_ITERATIONS} more</li>}
    </ul>
  );
}

function Counts({ counts, trigger }: { counts: StepCounts; trigger: boolean }) {
  if (trigger) {
    return (
      <div class="flow-counts" aria-hidden="true">
        <span class="flow-count-main">
          <b>{n(counts.reached)}</b> entered
        </span>
      </div>
    );
  }
  return (
    <div class="flow-counts" aria-hidden="true">
      <span class="flow-count-main" title="reached this step">
        <b>{n(counts.reached)}</b> reached
      </span>
      <span class={counts.waiting > 0 ? 'flow-count flow-count-waiting' : 'flow-count'} title="waiting here now">
        {n(counts.waiting)} waiting
      </span>
      <span class="flow-count" title="went on to the next step">
        {n(counts.passed)} passed
      </span>
      <span class={counts.endedHere > 0 ? 'flow-count flow-count-ended' : 'flow-count'} title="runs that ended at this step">
        {n(counts.endedHere)} ended here
      </span>
    </div>
  );
}
