/** The `send email` and `send webhook` steps of a rules version, for deploy warnings and listings. */
import type { RulesDoc } from '../store/rules.js';
import type { StepIR } from '../dsl/ir.js';
import { allSteps } from '../dsl/ir-steps.js';

export type SendStep = Extract<StepIR, { kind: 'sendEmail' | 'sendWebhook' }>;

export function sendSteps(rules: Pick<RulesDoc, 'ir'> | null): { journey: string; step: SendStep }[] {
  return (rules?.ir.journeys ?? []).flatMap((journey) =>
    allSteps(journey.steps).flatMap(({ step }) =>
      step.kind === 'sendEmail' || step.kind === 'sendWebhook' ? [{ journey: journey.name, step }] : [],
    ),
  );
}
