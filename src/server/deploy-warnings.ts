/**
 * What a deployer should hear of although the rules compile: sends naming a template or a
 * destination that does not exist (yet), names the data has never shown (the data
 * catalogue's warnings, src/dsl/check-data.ts), and the compiler's warnings. The rules
 * deploy all the same; such a send is recorded as failed until its target is added.
 */
import { sendSteps } from '../channels/send-steps.js';
import type { Program } from '../dsl/ast.js';
import { checkData, suggestName, templateUses, type TemplateUse } from '../dsl/check-data.js';
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
  /** A missing template named by journeys' sends: every journey naming it (`journey` is the first), and how many sends. */
  journeys?: string[];
  sends?: number;
  /** The nearest existing name, for a missing template. */
  suggestion?: string;
  consent?: string;
  broadcast?: string;
  template?: string;
  destination?: string;
  /** Where a compiler or data warning points in the program; for a missing template, its first send. */
  line?: number;
  column?: number;
}

/**
 * Everything a deploy of `program` (compiled to `ir`) should hear of besides the compiler's
 * warnings: the missing targets and the data catalogue's warnings. The catalogue's template
 * warning is left out: `template_missing` says the same, with the steps it concerns.
 */
export async function deployWarnings(stores: Stores, program: Program, ir: ProgramIR): Promise<DeployWarning[]> {
  const [templates, destinations, catalog] = await Promise.all([
    stores.templates.names(),
    stores.destinations.names(),
    stores.dataCatalog.read(),
  ]);
  const targets = missingTargets({ templates, destinations }, ir, templateUses(program));
  return [...targets, ...compilerWarnings(checkData(program, { catalog }))];
}

/** The template and destination names that exist. */
interface Targets {
  templates: ReadonlySet<string>;
  destinations: ReadonlySet<string>;
}

function missingTargets({ templates, destinations }: Targets, ir: ProgramIR, uses: ReadonlyMap<string, TemplateUse>): DeployWarning[] {
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
        : [{ code: 'template_missing', journey, step: step.id, template: step.template, message: '' }];
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
  return [...confirmations, ...oncePerTarget(sends, templates, uses), ...broadcasts];
}

/**
 * One warning per missing template (over every journey naming it) and per journey and
 * missing destination, with every step naming it: a send in a five-chapter loop is one
 * problem, not five. A template's warning says how many sends name it, the nearest
 * existing template, and where the program first names it.
 */
function oncePerTarget(warnings: DeployWarning[], templates: ReadonlySet<string>, uses: ReadonlyMap<string, TemplateUse>): DeployWarning[] {
  const byTarget = new Map<string, DeployWarning>();
  for (const warning of warnings) {
    const key =
      warning.template !== undefined
        ? JSON.stringify([warning.code, warning.template])
        : JSON.stringify([warning.code, warning.journey, warning.destination]);
    const first = byTarget.get(key);
    if (!first) {
      byTarget.set(key, {
        ...warning,
        steps: [warning.step!],
        ...(warning.template !== undefined ? { journeys: [warning.journey!] } : {}),
      });
      continue;
    }
    first.steps!.push(warning.step!);
    if (first.journeys && !first.journeys.includes(warning.journey!)) first.journeys.push(warning.journey!);
  }
  return [...byTarget.values()].map((warning) =>
    warning.template === undefined ? warning : describeMissingTemplate(warning, templates, uses),
  );
}

function describeMissingTemplate(
  warning: DeployWarning,
  templates: ReadonlySet<string>,
  uses: ReadonlyMap<string, TemplateUse>,
): DeployWarning {
  const template = warning.template!;
  const suggestion = suggestName(template, templates);
  const sends = warning.steps!.length;
  const firstUse = uses.get(template)?.span;
  const journeys = warning.journeys!;
  return {
    ...warning,
    sends,
    ...(suggestion === undefined ? {} : { suggestion }),
    ...(firstUse ? { line: firstUse.line, column: firstUse.column } : {}),
    message: `${journeys.length === 1 ? 'journey' : 'journeys'} ${journeys.join(', ')}: no template "${template}"${suggestion === undefined ? '' : ` (did you mean "${suggestion}"?)`} (PUT /v1/templates/${template}); ${sends === 1 ? 'its send is' : `its ${sends} sends are`} recorded as failed until there is`,
  };
}

export function compilerWarnings(diagnostics: readonly Diagnostic[]): DeployWarning[] {
  return diagnostics
    .filter((diagnostic) => diagnostic.severity === 'warning')
    .map(({ code, message, line, column }) => ({ code, message, line, column }));
}
