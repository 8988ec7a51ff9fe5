/**
 * What a deployer should hear of although the rules compile: sends naming a template or a
 * destination that does not exist (yet), and the compiler's warnings. The rules deploy all
 * the same; such a send is recorded as failed until its target is added.
 */
import { sendSteps } from '../channels/send-steps.js';
import type { Diagnostic } from '../dsl/diagnostics.js';
import type { ProgramIR } from '../dsl/ir.js';
import type { Stores } from '../store/index.js';

export interface DeployWarning {
  /** `template_missing`, `destination_missing`, or a compiler warning's code (`ITN…`). */
  code: string;
  message: string;
  /** The send naming it: a journey's step, a consent's confirmation, or a broadcast. */
  journey?: string;
  /** The first step naming it; `steps` has them all (a send inside `for` is one step per iteration). */
  step?: string;
  steps?: string[];
  consent?: string;
  broadcast?: string;
  template?: string;
  destination?: string;
  /** Where a compiler warning points in the program. */
  line?: number;
  column?: number;
}

export async function missingTargets(stores: Stores, ir: ProgramIR): Promise<DeployWarning[]> {
  const [templates, destinations] = await Promise.all([stores.templates.names(), stores.destinations.names()]);
  const confirmations = ir.consents.flatMap(({ name, confirmTemplate }): DeployWarning[] =>
    confirmTemplate === undefined || templates.has(confirmTemplate)
      ? []
      : [
          {
            code: 'template_missing',
            consent: name,
            template: confirmTemplate,
            message: `consent ${name}: no template "${confirmTemplate}" (PUT /v1/templates/${confirmTemplate}); its confirmation e-mails are recorded as failed until there is`,
          },
        ],
  );
  const sends = sendSteps({ ir }).flatMap(({ journey, step }): DeployWarning[] => {
    if (step.kind === 'sendEmail') {
      return templates.has(step.template)
        ? []
        : [
            {
              code: 'template_missing',
              journey,
              step: step.id,
              template: step.template,
              message: `journey ${journey}: no template "${step.template}" (PUT /v1/templates/${step.template}); its sends are recorded as failed until there is`,
            },
          ];
    }
    return destinations.has(step.name)
      ? []
      : [
          {
            code: 'destination_missing',
            journey,
            step: step.id,
            destination: step.name,
            message: `journey ${journey}: no destination "${step.name}" (PUT /v1/destinations/${step.name}); its sends are recorded as failed until there is`,
          },
        ];
  });
  // A broadcast cannot start without its template (422 template_missing): said at deploy already.
  const broadcasts = (ir.broadcasts ?? []).flatMap(({ name, template }): DeployWarning[] =>
    templates.has(template)
      ? []
      : [
          {
            code: 'template_missing',
            broadcast: name,
            template,
            message: `broadcast ${name}: no template "${template}" (PUT /v1/templates/${template}); it cannot be started until there is`,
          },
        ],
  );
  return [...confirmations, ...oncePerTarget(sends), ...broadcasts];
}

/** One warning per journey and missing target, with every step naming it: a send in a five-chapter loop is one problem, not five. */
function oncePerTarget(warnings: DeployWarning[]): DeployWarning[] {
  const byTarget = new Map<string, DeployWarning>();
  for (const warning of warnings) {
    const key = JSON.stringify([warning.code, warning.journey, warning.template ?? warning.destination]);
    const first = byTarget.get(key);
    if (first) first.steps!.push(warning.step!);
    else byTarget.set(key, { ...warning, steps: [warning.step!] });
  }
  return [...byTarget.values()];
}

export function compilerWarnings(diagnostics: readonly Diagnostic[]): DeployWarning[] {
  return diagnostics
    .filter((diagnostic) => diagnostic.severity === 'warning')
    .map(({ code, message, line, column }) => ({ code, message, line, column }));
}
