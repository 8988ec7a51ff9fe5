/** The `send email` and `send webhook` steps of a rules version, for deploy warnings and listings. */
import type { RulesDoc } from '../model.js';
import type { StepIR } from '../dsl/ir.js';

export type SendStep = Extract<StepIR, { kind: 'sendEmail' | 'sendWebhook' }>;

export function sendSteps(rules: Pick<RulesDoc, 'ir'> | null): { journey: string; step: SendStep }[] {
  const found: { journey: string; step: SendStep }[] = [];
  const visit = (journey: string, steps: StepIR[]) => {
    for (const step of steps) {
      if (step.kind === 'sendEmail' || step.kind === 'sendWebhook') found.push({ journey, step });
      const nested = step.kind === 'if' ? [step.then, step.else] : step.kind === 'waitFor' ? [step.then, step.otherwise] : step.kind === 'split' ? step.branches.map((b) => b.steps) : [];
      for (const block of nested) visit(journey, block);
    }
  };
  for (const journey of rules?.ir.journeys ?? []) visit(journey.name, journey.steps);
  return found;
}
