/** Walking a journey's IR steps: the blocks nested in a step, and every step in source order. */
import type { StepIR } from './ir.js';

/** The blocks inside a step, in source order: `if` then/else, `wait for` then/otherwise, `split`'s branches. */
export function nestedBlocks(step: StepIR): StepIR[][] {
  switch (step.kind) {
    case 'if':
      return [step.then, step.else];
    case 'waitFor':
      return [step.then, step.otherwise];
    case 'split':
      return step.branches.map((branch) => branch.steps);
    default:
      return [];
  }
}

/** Every step of a block and of the blocks inside it, in source order, with its depth (0 at the top). */
export function allSteps(steps: StepIR[], depth = 0): { step: StepIR; depth: number }[] {
  return steps.flatMap((step) => [{ step, depth }, ...nestedBlocks(step).flatMap((block) => allSteps(block, depth + 1))]);
}
