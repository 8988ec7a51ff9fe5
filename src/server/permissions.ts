/**
 * What each role may do, decided here and nowhere else (the console only hides what this
 * table would refuse). One row per (methods, path pattern); the first row that matches
 * decides. A request no row names is for admins only: a new route is closed until it is
 * given a row.
 *
 * Patterns are full paths; `:x` matches one segment, a trailing `/*` any deeper path
 * (and the path itself).
 */
import { ROLES, type Role } from '../accounts/roles.js';

interface Permission {
  methods: readonly string[];
  pattern: string;
  roles: readonly Role[];
  /** What the row allows, in words, for the refusal's message. */
  what: string;
}

const ALL = ROLES;
const WRITERS = ['admin', 'marketer'] as const;
const PRIVACY = ['admin', 'privacy'] as const;
const ADMIN = ['admin'] as const;
const READ = ['GET', 'HEAD'];
const ANY = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];

export const PERMISSIONS: readonly Permission[] = [
  // One's own session (signing in is public: no authentication at all).
  { methods: ['GET', 'HEAD', 'DELETE'], pattern: '/v1/session', roles: ALL, what: 'see or end their own session' },
  { methods: ANY, pattern: '/v1/users/*', roles: ADMIN, what: 'manage users' },
  { methods: READ, pattern: '/v1/catalog/*', roles: ALL, what: 'read the data catalogue' },

  { methods: READ, pattern: '/v1/rules/*', roles: ALL, what: 'read the rules and their versions' },
  // Stores nothing, but previews segments over everyone (seconds of database work on a grown
  // database): for those who may deploy what they summarise.
  { methods: ['POST'], pattern: '/v1/rules/summary', roles: WRITERS, what: 'summarise a draft' },
  { methods: ['PUT'], pattern: '/v1/rules', roles: WRITERS, what: 'deploy rules' },
  { methods: ['POST'], pattern: '/v1/rules/rollback', roles: WRITERS, what: 'roll back the rules' },

  { methods: READ, pattern: '/v1/segments/*', roles: ALL, what: 'read segments' },
  // Counts who a draft condition would take in: changes nothing, but queries everyone, so
  // it is for those who write segments.
  { methods: ['POST'], pattern: '/v1/segments/preview', roles: WRITERS, what: 'preview a segment' },

  { methods: READ, pattern: '/v1/journeys/*', roles: ALL, what: 'read journeys' },
  { methods: ['POST'], pattern: '/v1/journeys/:name/pause', roles: WRITERS, what: 'pause journeys' },
  { methods: ['POST'], pattern: '/v1/journeys/:name/resume', roles: WRITERS, what: 'resume journeys' },
  // Writes nothing, but may render a real person's traits: for those who may deploy what they simulate.
  { methods: ['POST'], pattern: '/v1/journeys/simulate', roles: WRITERS, what: 'simulate journeys' },

  { methods: READ, pattern: '/v1/broadcasts/*', roles: ALL, what: 'read broadcasts' },
  { methods: ['POST'], pattern: '/v1/broadcasts/:name/:action', roles: WRITERS, what: 'start, pause, resume or cancel broadcasts' },

  { methods: READ, pattern: '/v1/templates/*', roles: ALL, what: 'read templates' },
  { methods: ['PUT', 'DELETE'], pattern: '/v1/templates/:name', roles: WRITERS, what: 'change templates' },
  // A preview may render a real person's data: those who edit templates and see personal data.
  { methods: ['POST'], pattern: '/v1/templates/:name/preview', roles: WRITERS, what: 'preview templates' },
  // A draft's preview may render a real person's data too; a test send mails it (limited per user).
  { methods: ['POST'], pattern: '/v1/templates/render', roles: WRITERS, what: 'preview templates' },
  { methods: ['POST'], pattern: '/v1/templates/test-send', roles: WRITERS, what: 'send test e-mails' },

  { methods: ANY, pattern: '/v1/destinations/*', roles: ADMIN, what: 'manage destinations' },
  { methods: ANY, pattern: '/v1/frequency-caps/*', roles: ADMIN, what: 'manage frequency caps' },

  // Messages → Deliveries: every role; the route leaves addresses and values out for a viewer.
  { methods: READ, pattern: '/v1/deliveries', roles: ALL, what: 'list messages' },
  { methods: READ, pattern: '/v1/delivery-stats', roles: ALL, what: 'read message outcomes over time' },
  { methods: READ, pattern: '/v1/consent-stats', roles: PRIVACY, what: 'read consent over time' },
  { methods: READ, pattern: '/v1/privacy/requests', roles: PRIVACY, what: 'list privacy requests' },
  // Deletes nothing, but counts events over the whole collection: for those who set the policy.
  { methods: ['POST'], pattern: '/v1/privacy/retention/dry-run', roles: PRIVACY, what: 'preview a retention run' },
  { methods: ANY, pattern: '/v1/consents/*', roles: PRIVACY, what: 'read or change consents' },
  { methods: ANY, pattern: '/v1/privacy/*', roles: PRIVACY, what: 'handle privacy requests' },
  { methods: ANY, pattern: '/v1/audit/*', roles: PRIVACY, what: 'read the audit log' },
  { methods: ANY, pattern: '/v1/profiles/*', roles: PRIVACY, what: 'read or change profiles' },

  // People (the console's search and 360° view): every role, and what each sees is decided
  // by the route by role (src/server/routes/people.ts); opening a person is audited.
  { methods: READ, pattern: '/v1/people/*', roles: ALL, what: 'find and open people' },

  { methods: ANY, pattern: '/v1/import/*', roles: ADMIN, what: 'import data' },
  // The privacy page's look and labels, and its preview (made-up data): the shop's face to people.
  { methods: ANY, pattern: '/v1/settings/*', roles: ADMIN, what: 'change settings' },
];

function matches(pattern: string, path: string): boolean {
  const wildcard = pattern.endsWith('/*');
  const want = (wildcard ? pattern.slice(0, -2) : pattern).split('/');
  const got = path.replace(/\/+$/, '').split('/');
  if (wildcard ? got.length < want.length : got.length !== want.length) return false;
  return want.every((segment, i) => (segment.startsWith(':') ? got[i] !== '' : segment === got[i]));
}

export type Decision = { allowed: true } | { allowed: false; what: string; roles: readonly Role[] };

/** Whether `role` may call `method path` (a path without its query). */
export function decide(role: Role, method: string, path: string): Decision {
  const row = PERMISSIONS.find((p) => p.methods.includes(method) && matches(p.pattern, path));
  const roles = row?.roles ?? ADMIN;
  if (roles.includes(role)) return { allowed: true };
  return { allowed: false, what: row?.what ?? `call ${method} ${path}`, roles };
}
