/**
 * Who made a consent change, in words the person understands, from what the ledger record
 * holds: its origin (where the change came in) and, for a change by the shop's staff, the
 * reason they recorded. The ledger already tells every case apart, so no field was added:
 *
 * - `portal`: the person, on this page; `unsubscribe` and `confirmation`: the person, by a
 *   link in an e-mail;
 * - `admin`: the shop's staff (`POST /v1/profiles/:id/consents`, which requires a reason);
 * - `import`: the CSV import; `lifecycle`: a grant that lapsed;
 * - `source`: consent a website's or app's tracking carried (Segment's consent convention);
 * - `api`: the shop's back end (`POST /v1/consents`). When the record's proof says it came
 *   from a form the person filled in (a method such as `checkbox` or `form`, or the page it
 *   was given on), it was the person's act; otherwise all we know is the shop's systems.
 */
import type { ConsentLedgerDoc } from '../../store/consents.js';
import type { PortalText } from './text.js';

/** Proof methods that name something the person did in a form (`POST /v1/consents` proof.method). */
const FORM_METHODS = new Set(['form', 'checkbox', 'banner', 'signup', 'checkout', 'popup', 'preference-center', 'preferences']);

export function changedBy(record: Pick<ConsentLedgerDoc, 'origin' | 'proof'>, t: PortalText): string {
  const { origin, proof } = record;
  switch (origin.kind) {
    case 'portal':
    case 'unsubscribe':
    case 'confirmation':
    case 'import':
    case 'source':
    case 'lifecycle':
      return t.changedBy[origin.kind];
    case 'admin':
      return origin.reason ? t.changedBy.adminBecause(origin.reason) : t.changedBy.admin;
    case 'api': {
      const method = proof?.method?.toLowerCase();
      return (method && FORM_METHODS.has(method)) || proof?.pageUrl ? t.changedBy.apiForm : t.changedBy.api;
    }
    default:
      // An origin this page does not know (a newer server's record read by an older one).
      return t.changedBy.unknown;
  }
}
