/** Deploying rule programs: compile, and store a new version only when it is free of errors. */
import express, { Router } from 'express';
import { sendSteps } from '../../channels/send-steps.js';
import { compile } from '../../dsl/index.js';
import type { ProgramIR } from '../../dsl/ir.js';
import type { Stores } from '../../store/index.js';
import { HttpError, notFound } from '../errors.js';
import type { AppDeps } from '../app.js';

const MAX_PROGRAM_BYTES = '1mb';

export function ruleRoutes(deps: AppDeps): Router {
  const router = Router();
  router.put('/v1/rules', express.text({ type: 'text/plain', limit: MAX_PROGRAM_BYTES }), async (req, res) => {
    if (!req.is('text/plain') || typeof req.body !== 'string') {
      throw new HttpError(415, 'unsupported_media_type', 'send the rule program as Content-Type: text/plain');
    }
    const { ir, diagnostics } = compile(req.body);
    if (!ir) {
      res.status(422).json({ diagnostics });
      return;
    }
    const version = await deps.stores.rules.deploy(req.body, ir, deps.now());
    await deps.stores.audit.record({ at: deps.now(), kind: 'rules.deployed', actor: 'admin', subject: { version } });
    // The segments it adds or changes are computed over everyone in the background
    // (GET /v1/segments shows the progress); should the start fail, the sweeper retries it.
    const recompute = await (deps.startSegmentRecompute?.(version) ?? Promise.resolve()).then(
      () => 'started' as const,
      (error: unknown) => {
        deps.logger.warn({ err: error, version }, 'segment recompute not started; the sweeper will start it');
        return 'pending' as const;
      },
    );
    res.json({ version, diagnostics, warnings: await missingTargets(deps.stores, ir), segments: { recompute } });
  });
  router.get('/v1/rules', async (_req, res) => {
    const rules = await deps.stores.rules.active();
    if (!rules) throw notFound('no rules deployed yet');
    res.json({ version: rules._id, deployedAt: rules.deployedAt, source: rules.source });
  });
  return router;
}

/**
 * Sends naming a template or destination that does not exist (yet): the rules deploy, and
 * such a send is recorded as failed until it is added, so the deployer hears of it now.
 */
interface DeployWarning {
  code: 'template_missing' | 'destination_missing';
  /** The send naming it: a journey's step, or a consent's confirmation. */
  journey?: string;
  step?: string;
  consent?: string;
  template?: string;
  destination?: string;
  message: string;
}

async function missingTargets(stores: Stores, ir: ProgramIR): Promise<DeployWarning[]> {
  const [templates, destinations] = await Promise.all([stores.templates.names(), stores.destinations.names()]);
  const confirmations = ir.consents.flatMap(({ name, confirmTemplate }): DeployWarning[] => (
    confirmTemplate === undefined || templates.has(confirmTemplate) ? [] : [{ code: 'template_missing', consent: name, template: confirmTemplate, message: `consent ${name}: no template "${confirmTemplate}" (PUT /v1/templates/${confirmTemplate}); its confirmation e-mails are recorded as failed until there is` }]
  ));
  return [...confirmations, ...sendSteps({ ir }).flatMap(({ journey, step }): DeployWarning[] => {
    if (step.kind === 'sendEmail') {
      return templates.has(step.template) ? [] : [{ code: 'template_missing', journey, step: step.id, template: step.template, message: `journey ${journey}: no template "${step.template}" (PUT /v1/templates/${step.template}); its sends are recorded as failed until there is` }];
    }
    return destinations.has(step.name) ? [] : [{ code: 'destination_missing', journey, step: step.id, destination: step.name, message: `journey ${journey}: no destination "${step.name}" (PUT /v1/destinations/${step.name}); its sends are recorded as failed until there is` }];
  })];
}
