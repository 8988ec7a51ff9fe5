/**
 * Which kind of e-mail a journey or a broadcast sends, said explicitly (issue 31): marketing
 * (`requires consent <purpose>`: consent checked at each send, a one-click unsubscribe
 * link) or `operational` (receipts, password resets, service notices: neither). Saying
 * nothing used to mean operational, so a copied journey sent marketing without consent;
 * now it is an error, at the first e-mail, and saying both is a contradiction.
 */
import type { Block, Name, Span, Step } from './ast.js';
import type { CheckContext } from './check-context.js';
import { Diagnostics } from './codes.js';

/** What a declaration says about its messages, and where its first e-mail is. */
export interface MessageKindClaims {
  /** `journey 'name'` or `broadcast 'name'`, as the message names it. */
  declaration: string;
  requires: { purpose: Name; span: Span }[];
  operational: Span[];
  /** The first `send email`, if it sends one; webhooks are not messages to the person. */
  firstEmail: Span | undefined;
  /** Journeys only: `operational` with no e-mail to declare is worth a warning. */
  warnWithoutEmail: boolean;
}

export function checkMessageKind(ctx: CheckContext, claims: MessageKindClaims): void {
  const [consent] = claims.requires;
  const [operational] = claims.operational;
  if (consent && operational) {
    ctx.add(Diagnostics.operationalAndConsent, operational, consent.purpose.text, consent.span.line);
    return;
  }
  if (claims.firstEmail === undefined) {
    if (operational && claims.warnWithoutEmail) ctx.add(Diagnostics.operationalWithoutEmail, operational);
    return;
  }
  if (!consent && !operational) ctx.add(Diagnostics.missingMessageKind, claims.firstEmail, claims.declaration);
}

/** The first `send email` of these steps in source order, inside blocks and loops too. */
export function firstEmailSend(steps: Step[]): Span | undefined {
  for (const step of steps) {
    if (step.kind === 'sendEmail') return step.span;
    const inner = blocksOf(step)
      .map((block) => firstEmailSend(block.steps))
      .find((span) => span !== undefined);
    if (inner) return inner;
  }
  return undefined;
}

function blocksOf(step: Step): Block[] {
  switch (step.kind) {
    case 'if':
      return step.else ? [step.then, step.else] : [step.then];
    case 'waitFor':
      return [step.then, step.otherwise].filter((block): block is Block => block !== undefined);
    case 'split':
      return step.branches.map((branch) => branch.body);
    case 'for':
      return [step.body];
    default:
      return [];
  }
}
