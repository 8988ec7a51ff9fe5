/** Segments: sizes, trends, members, history, and the preview of a draft (src/server/routes/segments.ts). */
import { z } from 'zod';
import type { ZodOpenApiPathsObject } from 'zod-openapi';
import { historyQuery, membersQuery } from '../../routes/segments.js';
import { error, json, signedIn, signedInErrors } from '../common.js';
import { dateTime, diagnostic, diagnosticsBody, nameParam } from './shared.js';

const presented = {
  name: z.string(),
  title: z.string().optional(),
  size: z.number().int(),
  state: z
    .enum(['ready', 'computing'])
    .meta({ description: 'Computing: not computed yet for this definition, its recompute is on its way' }),
  progress: z
    .object({ phase: z.enum(['facts', 'members']), done: z.number().int(), total: z.number().int() })
    .optional()
    .meta({ description: "The recompute's progress, while computing" }),
  computedAt: dateTime.nullable(),
};

const listed = z
  .object({
    ...presented,
    trend: z
      .array(z.object({ day: z.string().meta({ format: 'date' }), size: z.number().int() }))
      .meta({ description: 'Sizes at the end of each of the last 14 days' }),
  })
  .meta({
    id: 'SegmentSummary',
    example: { name: 'pro', size: 120, state: 'ready', computedAt: '2026-03-01T12:00:00.000Z', trend: [{ day: '2026-03-01', size: 120 }] },
  });

const detail = z
  .object({
    ...presented,
    source: z.string().meta({ description: 'The declaration, as the active rules write it' }),
    dependsOn: z.array(z.string()).meta({ description: 'The segments its condition reads' }),
    usedBy: z
      .object({ segments: z.array(z.string()), journeys: z.array(z.string()), broadcasts: z.array(z.string()) })
      .meta({ description: 'Who reads it: segments, journeys and broadcasts sent to it' }),
  })
  .meta({ id: 'Segment' });

const member = z
  .object({
    profileId: z.string(),
    since: dateTime,
    identifiers: z
      .record(z.string(), z.array(z.string()))
      .optional()
      .meta({ description: "The profile's identifiers by kind, for roles that may see personal data" }),
  })
  .meta({ id: 'SegmentMember' });

const params = { path: nameParam('The segment name, as the active rules declare it') };
const unknown = error('No segment of that name in the active rules');
const badQuery = error('A query parameter is not valid (`invalid_query`)');

export const segmentsPaths: ZodOpenApiPathsObject = {
  '/v1/segments': {
    get: {
      tags: ['segments'],
      summary: 'Each segment of the active rules with its size, state and trend',
      security: signedIn,
      responses: {
        '200': json(
          'The segments',
          z.object({ version: z.number().int().nullable().meta({ description: 'The active rules version' }), segments: z.array(listed) }),
        ),
        ...signedInErrors,
      },
    },
  },
  '/v1/segments/{name}': {
    get: {
      tags: ['segments'],
      summary: 'A segment: size, state, its declaration, what it reads and who reads it',
      security: signedIn,
      requestParams: params,
      responses: { '200': json('The segment', detail), ...signedInErrors, '404': unknown },
    },
  },
  '/v1/segments/preview': {
    post: {
      tags: ['segments'],
      summary: "A draft's segments sized over the stored data, with a sample of members; nothing is stored",
      security: signedIn,
      requestBody: {
        required: true,
        content: {
          'text/plain': {
            schema: z.string().meta({ description: 'Segment declarations (docs/language.md)' }),
            example: 'segment pro = trait plan == "pro"\n',
          },
        },
      },
      responses: {
        '200': json(
          'The preview',
          z.object({
            computedAt: dateTime,
            diagnostics: z.array(diagnostic),
            segments: z.array(
              z.object({
                name: z.string(),
                title: z.string().optional(),
                size: z.number().int(),
                sample: z.array(z.string()).meta({ description: 'Up to 20 members, by profile id' }),
              }),
            ),
          }),
        ),
        '400': error('The body is too large'),
        ...signedInErrors,
        '415': error('Not `text/plain` (`unsupported_media_type`)'),
        '422': json('The draft has errors', diagnosticsBody),
      },
    },
  },
  '/v1/segments/{name}/members': {
    get: {
      tags: ['segments'],
      summary: "A segment's members: a page, a search by identifier, or the whole list as CSV",
      description:
        'Identifiers are shown to roles that may see personal data only. `format=csv` (or `Accept: text/csv`) answers the whole list as a download.',
      security: signedIn,
      requestParams: { ...params, query: membersQuery },
      responses: {
        '200': {
          description: 'A page of members, or the CSV',
          content: {
            'application/json': {
              schema: z.object({
                segment: z.string(),
                members: z.array(member),
                nextCursor: z.string().nullable().meta({ description: 'Pass as `cursor` for the next page; null on the last' }),
              }),
            },
            'text/csv': {
              schema: z
                .string()
                .meta({ description: 'profile_id,since (and user_ids,emails,anonymous_ids for roles that see personal data)' }),
            },
          },
        },
        '400': badQuery,
        ...signedInErrors,
        '404': unknown,
      },
    },
  },
  '/v1/segments/{name}/history': {
    get: {
      tags: ['segments'],
      summary: 'Entries, exits and size of a segment over time, by day or hour',
      security: signedIn,
      requestParams: { ...params, query: historyQuery },
      responses: {
        '200': json(
          'The history',
          z.object({
            segment: z.string(),
            granularity: z.enum(['day', 'hour']),
            from: z.string().meta({ format: 'date' }),
            to: z.string().meta({ format: 'date' }),
            size: z.number().int(),
            points: z.array(z.object({ at: dateTime, entered: z.number().int(), exited: z.number().int(), size: z.number().int() })),
          }),
        ),
        '400': error(
          'A query parameter is not valid, the range is not 1 to 400 days, or `from` is more than 400 days ago (`invalid_query`)',
        ),
        ...signedInErrors,
        '404': unknown,
      },
    },
  },
};
