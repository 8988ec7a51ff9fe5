/**
 * Segment's HTTP Tracking API (src/server/routes/tracking.ts): each message type under its
 * name and under the one-letter path analytics.js posts to, and the batch. The request
 * schemas are the ones the routes validate with (src/tracking/segment-spec.ts).
 */
import { z } from 'zod';
import type { ZodOpenApiOperationObject, ZodOpenApiPathsObject } from 'zod-openapi';
import { batchEnvelope, MESSAGE_TYPES, messageSchemas, type MessageType } from '../../../tracking/segment-spec.js';
import { METRICS_PATH, pathsOf } from '../../routes/tracking.js';
import { error, json, withWriteKey } from '../common.js';

const accepted = z.object({ success: z.literal(true) }).meta({ id: 'TrackingAccepted', example: { success: true } });

const retryAfter = z.object({
  'retry-after': z.string().meta({ description: 'Seconds to wait before sending again', example: '2' }),
});

/** What every tracking route can answer besides its 200. */
const trackingErrors = {
  '400': error(
    'The body is not JSON (`malformed_json`), not a valid message (`invalid_body`, per field in `details`), or too large (`message_too_large`: 32 KB a message, `batch_too_large` / `body_too_large`: 500 KB a batch)',
  ),
  '401': error('No write key, or not a known one'),
  '403': error("The page's origin is not one the write key's source accepts (`origin_not_allowed`)"),
  '415': error('The body is in a charset other than UTF-8'),
  '503': { ...error('Events arrive faster than profiles are written (`overloaded`): send again after Retry-After'), headers: retryAfter },
};

const examples: Record<MessageType, Record<string, unknown>> = {
  track: { userId: 'u-1001', event: 'Order Completed', properties: { total: 42.5 }, timestamp: '2026-03-01T12:00:00Z' },
  identify: { userId: 'u-1001', traits: { plan: 'pro' } },
  page: { anonymousId: 'a-77', name: 'Pricing', properties: { path: '/pricing' } },
  screen: { userId: 'u-1001', name: 'Home' },
  group: { userId: 'u-1001', groupId: 'acme', traits: { seats: 12 } },
  alias: { userId: 'u-1001', previousId: 'a-77' },
};

const summaries: Record<MessageType | 'batch', string> = {
  track: 'Record an event a person performed',
  identify: 'Record who a person is and set their traits',
  page: 'Record a page view',
  screen: 'Record a screen view in an app',
  group: 'Tie a person to a group (an account, a company)',
  alias: 'Link the id a person had (`previousId`) to their new one (`userId`)',
  batch: 'Several messages in one request, each with its own `type`; all stored or none',
};

/** Fields where `null` means absent (analytics.js sends `"userId": null` until identify). */
const NULL_MEANS_ABSENT = ['userId', 'anonymousId', 'name', 'category'];

type JsonSchema = { properties?: Record<string, Record<string, unknown>>; anyOf?: unknown[] };

/**
 * What the zod schemas check beyond their JSON Schema: `null` for an absent id or name, and
 * (for every type but alias and the batch) at least one of userId and anonymousId.
 */
function asDocumented(type: MessageType, schema: z.ZodType): z.ZodType {
  return schema.meta({
    override: ({ jsonSchema }: { jsonSchema: JsonSchema }) => {
      for (const field of type === 'alias' ? [] : NULL_MEANS_ABSENT) {
        const property = jsonSchema.properties?.[field];
        if (property) jsonSchema.properties![field] = { anyOf: [property, { type: 'null' }] };
      }
      const present = (field: string) => ({ required: [field], properties: { [field]: { not: { type: 'null' } } } });
      if (type !== 'alias') jsonSchema.anyOf = [present('userId'), present('anonymousId')];
    },
  });
}

/** JSON, or JSON sent as text/plain (as analytics.js does, to spare the CORS preflight). */
const body = (schema: z.ZodType, example: unknown) => ({
  required: true,
  content: {
    'application/json': { schema, example },
    'text/plain': { schema, example },
  },
});

function operation(type: MessageType | 'batch', short: boolean): ZodOpenApiOperationObject {
  const schema = type === 'batch' ? batchEnvelope : asDocumented(type, messageSchemas[type]);
  const example =
    type === 'batch'
      ? {
          batch: [
            { type: 'track', ...examples.track },
            { type: 'identify', ...examples.identify },
          ],
        }
      : examples[type];
  return {
    tags: ['tracking'],
    operationId: `${type}${short ? 'Short' : ''}`,
    summary: short ? `${summaries[type]} (the path analytics.js uses)` : summaries[type],
    description:
      'The write key as HTTP Basic user name (empty password), or as `writeKey` in the body. A 200 means the message is stored and will reach its profile and journeys.',
    security: withWriteKey,
    requestBody: body(schema, example),
    responses: { '200': json('Stored', accepted), ...trackingErrors },
  };
}

export const trackingPaths: ZodOpenApiPathsObject = {
  ...Object.fromEntries(
    [...MESSAGE_TYPES, 'batch' as const].flatMap((type) => {
      const [long, short] = pathsOf(type);
      return [
        [long!, { post: operation(type, false) }],
        [short!, { post: operation(type, true) }],
      ];
    }),
  ),
  [METRICS_PATH]: {
    post: {
      tags: ['tracking'],
      summary: "analytics.js's usage metrics: answered, not kept",
      security: [],
      requestBody: { content: { 'application/json': { schema: z.unknown() }, 'text/plain': { schema: z.string() } } },
      responses: { '200': json('Ignored', accepted) },
    },
  },
};
