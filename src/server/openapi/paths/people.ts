/**
 * People (src/server/routes/people.ts): the console's search and a person's 360° view.
 * Every role may call them; what the answer holds depends on the caller's role (fields
 * marked "personal" are sent only to roles that see personal data, docs/console.md).
 */
import { z } from 'zod';
import type { ZodOpenApiPathsObject } from 'zod-openapi';
import { CORE_IDENTITY_KINDS } from '../../../model.js';
import { personEventsQuery } from '../../routes/people.js';
import { peopleSearchQuery } from '../../routes/people-search.js';
import { error, json, signedIn, signedInErrors } from '../common.js';

const at = z.iso.datetime().meta({ description: 'An instant, UTC', example: '2026-05-04T09:30:00.000Z' });
const personal = (description: string) => `${description} (personal: absent for a viewer)`;

const personId = z.object({
  id: z.string().meta({ description: 'A profile id (a merged-away id answers with the profile it lives in)', example: 'pr_5f1c0c1e' }),
});

const found = z
  .object({
    profileId: z.string(),
    lastSeenAt: at.optional(),
    email: z
      .string()
      .optional()
      .meta({ description: personal('The first e-mail') }),
    name: z
      .string()
      .optional()
      .meta({ description: personal('The `name` trait, or first and last name') }),
    since: at.optional().meta({ description: 'A segment search: member since' }),
  })
  .meta({ id: 'PersonFound' });

export const searchAnswer = z
  .object({
    by: z.enum(['identifier', 'trait', 'segment']),
    people: z.array(found),
    nextCursor: z.string().nullable().meta({ description: 'The next page (segment) or where the scan goes on (trait); null: no more' }),
    timedOut: z
      .boolean()
      .optional()
      .meta({ description: 'A trait search: the budget ran out before a page of matches was found (ask again with a larger one)' }),
  })
  .meta({
    id: 'PeopleSearch',
    example: {
      by: 'trait',
      people: [{ profileId: 'pr_1', email: 'ada@example.com' }],
      timedOut: false,
      nextCursor: 'WyJ0cmFpdCIsMjVd',
    },
  });

const segmentReason = z
  .looseObject({ kind: z.string() })
  .meta({ description: 'Why they entered: an event, a time window, a deploy, a merge, a profile update…' });

export const person = z
  .object({
    id: z.string(),
    personal: z
      .boolean()
      .meta({ description: "Whether the caller's role sees personal data (and so identifiers, traits and histories are in the answer)" }),
    identifiers: z
      .array(z.object({ kind: z.string(), value: z.string() }))
      .optional()
      .meta({ description: personal('Every identifier; where each came from is not stored') }),
    traits: z
      .record(z.string(), z.unknown())
      .optional()
      .meta({ description: personal('Traits; when each changed is not stored') }),
    tags: z.array(z.string()),
    restricted: z.object({ since: at, reason: z.string().optional() }).optional(),
    consents: z.array(
      z.object({
        purpose: z.string(),
        state: z.enum(['granted', 'denied', 'revoked', 'pending', 'expired', 'missing']),
        since: at.optional(),
        expiresAt: at.optional(),
      }),
    ),
    consentHistory: z
      .array(
        z.object({
          id: z.string(),
          purpose: z.string(),
          state: z.string(),
          at,
          origin: z.string(),
          method: z.string().optional(),
          expiresAt: at.optional(),
        }),
      )
      .optional()
      .meta({ description: personal('Consent ledger records, newest first') }),
    segments: z.array(z.object({ name: z.string(), title: z.string().optional(), since: at, why: segmentReason.optional() })),
    segmentChanges: z.array(z.looseObject({ segment: z.string(), change: z.enum(['entered', 'exited']), at, reason: segmentReason })),
    journeys: z.array(
      z.object({
        journey: z.string(),
        rulesVersion: z.number().int(),
        enteredAt: at,
        state: z.enum(['known', 'unknown']).meta({ description: '`unknown`: the run did not answer in time' }),
        step: z.string().optional().meta({ description: 'The step id the run is at' }),
        waiting: z.object({ reason: z.string(), until: at }).optional(),
      }),
    ),
    journeyHistory: z.array(z.object({ journey: z.string(), entries: z.number().int(), lastEnteredAt: at })),
    messages: z.array(
      z.looseObject({
        key: z.string(),
        channel: z.enum(['email', 'webhook']),
        name: z.string(),
        status: z.string(),
        queuedAt: at,
        history: z.array(z.looseObject({ status: z.string(), at })).optional(),
        with: z
          .record(z.string(), z.unknown())
          .optional()
          .meta({ description: personal('Values rendered into it') }),
      }),
    ),
    merges: z.array(z.object({ id: z.string(), from: z.string(), via: z.string(), status: z.string(), at, completedAt: at.optional() })),
    mergedFrom: z.array(z.string()),
    firstSeenAt: at,
    lastSeenAt: at,
    createdAt: at,
    updatedAt: at,
  })
  .meta({ id: 'Person' });

export const timelineEvent = z
  .looseObject({
    id: z.string(),
    type: z.enum(['track', 'identify', 'page', 'screen', 'group', 'alias']),
    event: z.string().optional(),
    name: z.string().optional(),
    timestamp: at,
    properties: z
      .record(z.string(), z.unknown())
      .optional()
      .meta({ description: personal('The event’s properties') }),
    page: z
      .record(z.string(), z.unknown())
      .optional()
      .meta({ description: personal('context.page') }),
    device: z
      .record(z.string(), z.unknown())
      .optional()
      .meta({ description: personal('context.device') }),
  })
  .meta({ id: 'PersonEvent' });

export const peoplePaths: ZodOpenApiPathsObject = {
  '/v1/people': {
    get: {
      tags: ['people'],
      summary: 'Find people by an identifier, a trait or a segment',
      description: `By identifier: \`kind\` is \`profileId\` or one of ${CORE_IDENTITY_KINDS.join(', ')} or a configured external id kind; without it, any. A viewer may search by profile id and by segment only. By trait: no index answers it, so the database reads profiles until a page matches, for at most \`budget\` milliseconds (\`timedOut\` when it ran out); \`nextCursor\` continues after the matches shown.`,
      security: signedIn,
      requestParams: { query: peopleSearchQuery },
      responses: {
        '200': json('People found, a page', searchAnswer),
        '400': error('A bad query or cursor'),
        ...signedInErrors,
        '404': error('No such segment in the active rules'),
      },
    },
  },
  '/v1/people/{id}': {
    get: {
      tags: ['people'],
      summary: "A person's 360° view, recorded in the audit log as `profile.viewed`",
      security: signedIn,
      requestParams: { path: personId },
      responses: {
        '200': json('The person, as the role may see them', person),
        ...signedInErrors,
        '404': error('No profile with that id'),
      },
    },
  },
  '/v1/people/{id}/events': {
    get: {
      tags: ['people'],
      summary: "A person's timeline, newest first, paged",
      security: signedIn,
      requestParams: { path: personId, query: personEventsQuery },
      responses: {
        '200': json(
          'A page of events',
          z.object({ profileId: z.string(), events: z.array(timelineEvent), nextCursor: z.string().nullable() }),
        ),
        '400': error('A bad query or cursor'),
        ...signedInErrors,
        '404': error('No profile with that id'),
      },
    },
  },
};
