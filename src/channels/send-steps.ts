/** The `send email` and `send webhook` steps of a rules version, for deploy warnings and listings. */
import type { RulesDoc } from '../model.js';
import type { StepIR } from '../dsl/ir.js';

export type SendStep = Extract<StepIR, { kind: 'sendEmail' | 'sendWebhook' }>;

export function sendSteps(rules: Pick<RulesDoc, 'ir'> | null): { journey: string; step: SendStep }[] {
  const found: { journey: string; step: SendStep }[] = [];
  const visit = (journey: string, steps: StepIR[]) => {
    for (const step of steps) {
      if (step.kind === 'sendEmail' || step.kind === 'sendWebhook') found.push({ journey, step });
      else if (step.kind === 'if') (visit(journey, step.then), visit(journey, step.else));
      else if (step.kind === 'waitFor') (visit(journey, step.then), visit(journey, step.otherwise));
      else if (step.kind === 'split') for (const branch of step.branches) visit(journey, branch.steps);
    }
  };
  for (const journey of rules?.ir.journeys ?? []) visit(journey.name, journey.steps);
  return found;
}
