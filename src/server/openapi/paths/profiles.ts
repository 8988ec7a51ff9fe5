/** The single customer view (src/server/routes/profiles.ts): a profile, its segment history and its timeline. */
import { z } from 'zod';
import type { ZodOpenApiPathsObject } from 'zod-openapi';
import { CORE_IDENTITY_KINDS } from '../../../model.js';
import { historyQuery, timelineQuery } from '../../routes/profiles.js';
import { error, signedIn, signedInErrors } from '../common.js';
import { instant, profileRead } from '../personal-areas.js';

export const profileId = z.object({ id: z.string().meta({ description: "The profile's id", example: 'pr_5f1c0c1e' }) });

const consentState = z
  .object({
    state: z.enum(['granted', 'denied', 'revoked', 'pending', 'expired']),
    at: instant.meta({ description: 'When the current state was given' }),
    expiresAt: instant.optional().meta({ description: 'A grant counts as missing from this instant on' }),
    remindAt: instant.optional(),
    recordId: z.string().optional().meta({ description: 'The ledger record this state comes from' }),
  })
  .meta({ id: 'ProfileConsent', description: "A purpose's current state, projected from the consent ledger" });

export const profile = z
  .object({
    id: z.string(),
    identities: z.record(z.string(), z.array(z.string())).meta({ description: 'Identifiers by kind (userId, email, …)' }),
    traits: z.record(z.string(), z.unknown()),
    tags: z.array(z.string()),
    consents: z.record(z.string(), consentState).optional(),
    restricted: z
      .object({ since: instant, reason: z.string().optional() })
      .optional()
      .meta({ description: 'Processing restricted (art. 18): no journey, message or segment until lifted' }),
    segments: z
      .array(z.object({ name: z.string(), since: instant }))
      .meta({ description: "Stored membership in the active rules' segments" }),
    journeys: z.array(z.object({ journey: z.string(), rulesVersion: z.number().int(), enteredAt: instant })),
    journeyHistory: z.array(z.object({ journey: z.string(), entries: z.number().int(), lastEnteredAt: instant })),
    counters: z.record(z.string(), z.looseObject({ count: z.number(), sum: z.record(z.string(), z.number()).optional() })),
    groups: z.array(z.string()),
    mergedFrom: z.array(z.string()),
    firstSeenAt: instant,
    lastSeenAt: instant,
    createdAt: instant,
    updatedAt: instant,
  })
  .meta({
    id: 'Profile',
    example: {
      id: 'pr_5f1c0c1e',
      identities: { userId: ['u-42'], email: ['ada@example.com'] },
      traits: { firstName: 'Ada', plan: 'pro' },
      tags: [],
      consents: { newsletter: { state: 'granted', at: '2026-05-01T08:00:00.000Z', recordId: 'cr:ev_1:newsletter' } },
      segments: [{ name: 'vip', since: '2026-05-02T10:00:00.000Z' }],
      journeys: [],
      journeyHistory: [],
      counters: { 'Order Completed': { count: 3 } },
      groups: [],
      mergedFrom: [],
      firstSeenAt: '2026-04-01T12:00:00.000Z',
      lastSeenAt: '2026-05-04T09:30:00.000Z',
      createdAt: '2026-04-01T12:00:00.000Z',
      updatedAt: '2026-05-04T09:30:00.000Z',
    },
  });

export const event = z
  .looseObject({
    id: z.string(),
    messageId: z.string(),
    type: z.enum(['track', 'identify', 'page', 'screen', 'group', 'alias']),
    event: z.string().optional().meta({ description: "A track event's name" }),
    name: z.string().optional().meta({ description: 'A page or screen name' }),
    source: z.string().meta({ description: 'The source (write key) it came from' }),
    profileId: z.string(),
    userId: z.string().optional(),
    anonymousId: z.string().optional(),
    properties: z.record(z.string(), z.unknown()),
    traits: z.record(z.string(), z.unknown()).optional(),
    context: z.record(z.string(), z.unknown()),
    consent: z.record(z.string(), z.unknown()).optional().meta({ description: 'The consent it carried' }),
    timestamp: instant.meta({ description: 'When it happened, corrected for client clock skew' }),
    receivedAt: instant,
  })
  .meta({
    id: 'TimelineEvent',
    example: {
      id: 'ev_1',
      messageId: 'm-1',
      type: 'track',
      event: 'Order Completed',
      source: 'web',
      profileId: 'pr_5f1c0c1e',
      properties: { total: 42 },
      context: {},
      timestamp: '2026-05-04T09:30:00.000Z',
      receivedAt: '2026-05-04T09:30:00.120Z',
    },
  });

const segmentChange = z
  .object({
    id: z.string(),
    profileId: z.string(),
    segment: z.string(),
    change: z.enum(['entered', 'exited']),
    at: instant,
    reason: z
      .looseObject({
        kind: z.enum(['event', 'time window', 'rules deployed', 'merge', 'erasure', 'restriction', 'profile update']),
      })
      .meta({ description: 'Why: ids only (`eventId`, `version`, `profileId`)' }),
    initial: z.literal(true).optional().meta({ description: 'Made by the first computation of a new segment' }),
  })
  .meta({ id: 'SegmentChange' });

const tags = ['profiles'];
const noProfile = error('No profile with that id');

export const profilesPaths: ZodOpenApiPathsObject = {
  '/v1/profiles/lookup': {
    get: {
      tags,
      summary: 'Find a profile by one identifier',
      description:
        'Exactly one query parameter: `userId`, `anonymousId`, `email`, `phone` or an external id kind the server is configured with (`ITINERA_EXTERNAL_IDS`).',
      security: signedIn,
      // The route takes any one string parameter (the external id kinds are configured); the built-in ones are listed.
      requestParams: {
        query: z.object(
          Object.fromEntries(
            CORE_IDENTITY_KINDS.map((kind) => [
              kind,
              z
                .string()
                .min(1)
                .optional()
                .meta({ example: kind === 'email' ? 'ada@example.com' : undefined }),
            ]),
          ),
        ),
      },
      responses: {
        '200': profileRead('The profile', profile),
        '400': error('Not exactly one identifier, or a kind the server does not know (`invalid_query`)'),
        ...signedInErrors,
        '404': error('No profile with that identifier'),
      },
    },
  },
  '/v1/profiles/{id}': {
    get: {
      tags,
      summary: 'A profile: identities, traits, consents, segments, journeys, counters',
      security: signedIn,
      requestParams: { path: profileId },
      responses: { '200': profileRead('The profile', profile), ...signedInErrors, '404': noProfile },
    },
  },
  '/v1/profiles/{id}/segments/history': {
    get: {
      tags,
      summary: "A profile's segment entries and exits, newest first",
      security: signedIn,
      requestParams: { path: profileId, query: historyQuery },
      responses: {
        '200': profileRead(
          'Its changes, with those of the profiles merged into it',
          z.object({ profileId: z.string(), changes: z.array(segmentChange) }),
        ),
        '400': error('A bad `limit` (`invalid_query`)'),
        ...signedInErrors,
        '404': noProfile,
      },
    },
  },
  '/v1/profiles/{id}/events': {
    get: {
      tags,
      summary: "A profile's timeline, newest first, a page at a time",
      security: signedIn,
      requestParams: { path: profileId, query: timelineQuery },
      responses: {
        '200': profileRead(
          'A page of events; `nextCursor` continues after the last one (null: no more)',
          z.object({ profileId: z.string(), events: z.array(event), nextCursor: z.string().nullable() }),
        ),
        '400': error('A bad filter, limit or cursor (`invalid_query`)'),
        ...signedInErrors,
        '404': noProfile,
      },
    },
  },
};
