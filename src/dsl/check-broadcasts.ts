/**
 * Checks of broadcasts: one audience (a declared segment), the consents they require or
 * `operational` (one of the two), one e-mail, a rate that means something, quiet hours as a journey's.
 */
import type { BroadcastClause, BroadcastDecl, Span } from './ast.js';
import { assertNever } from './assert-never.js';
import type { CheckContext } from './check-context.js';
import { EMPTY_SCOPE } from './check-context.js';
import { checkWith } from './check-journeys.js';
import { checkMessageKind } from './check-message-kind.js';
import { checkNonEmpty, checkTime } from './check-values.js';
import { Diagnostics, MAX_BROADCAST_RATE } from './codes.js';
import { ratePerSecond } from './literals.js';

/** How each clause that may be given once is written, for "already given" messages. */
const ONCE: Partial<Record<BroadcastClause['kind'], string>> = {
  quietHours: 'quiet hours',
  rate: 'at most … per',
  operational: 'operational',
};

export function checkBroadcast(ctx: CheckContext, broadcast: BroadcastDecl): void {
  const firstOfKind = new Map<BroadcastClause['kind'], Span>();
  const required = new Set<string>();
  for (const clause of broadcast.clauses) {
    const earlier = firstOfKind.get(clause.kind);
    switch (clause.kind) {
      case 'audience':
        if (earlier) ctx.add(Diagnostics.secondAudience, clause.span, earlier.line);
        ctx.resolveSegment(clause.segment);
        break;
      case 'requiresConsent':
        ctx.resolveConsent(clause.purpose);
        if (required.has(clause.purpose.text)) ctx.add(Diagnostics.duplicateRequiredConsent, clause.span, clause.purpose.text);
        required.add(clause.purpose.text);
        break;
      case 'operational':
        break;
      case 'quietHours':
        checkTime(ctx, clause.start);
        checkTime(ctx, clause.end);
        if (clause.start.hours === clause.end.hours && clause.start.minutes === clause.end.minutes) {
          ctx.add(Diagnostics.emptyQuietHours, clause.span);
        }
        break;
      case 'rate': {
        const perSecond = ratePerSecond(clause.count.value, clause.per);
        if (!(perSecond > 0) || perSecond > MAX_BROADCAST_RATE)
          ctx.add(Diagnostics.invalidRate, clause.span, `${clause.count.value} per ${clause.per}`);
        break;
      }
      case 'send':
        if (earlier) ctx.add(Diagnostics.secondSend, clause.span, earlier.line);
        if (clause.send.kind === 'sendWebhook') {
          ctx.add(Diagnostics.broadcastSendsEmail, clause.span);
          break;
        }
        checkNonEmpty(ctx, clause.send.template, EMPTY_SCOPE, 'a template name');
        checkWith(ctx, clause.send.with, EMPTY_SCOPE);
        break;
      default:
        assertNever(clause, 'broadcast clause');
    }
    const once = ONCE[clause.kind];
    if (once && earlier) ctx.add(Diagnostics.duplicateHeader, clause.span, once, earlier.line);
    if (!earlier) firstOfKind.set(clause.kind, clause.span);
  }
  if (!firstOfKind.has('audience')) ctx.add(Diagnostics.missingAudience, broadcast.name.span, broadcast.name.text);
  if (!firstOfKind.has('send')) ctx.add(Diagnostics.missingSend, broadcast.name.span, broadcast.name.text);
  const email = broadcast.clauses.find((clause) => clause.kind === 'send' && clause.send.kind === 'sendEmail');
  checkMessageKind(ctx, {
    declaration: `broadcast '${broadcast.name.text}'`,
    requires: broadcast.clauses.flatMap((clause) => (clause.kind === 'requiresConsent' ? [clause] : [])),
    operational: broadcast.clauses.flatMap((clause) => (clause.kind === 'operational' ? [clause.span] : [])),
    // No e-mail (none, or a webhook): ITN1902 or ITN1904 already says what is wrong.
    firstEmail: email?.span,
    warnWithoutEmail: false,
  });
}
