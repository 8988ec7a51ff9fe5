/**
 * Segment's HTTP Tracking API messages, as zod schemas: the single source of truth for
 * what `/v1/identify`, `/v1/track`, `/v1/page`, `/v1/screen`, `/v1/group`, `/v1/alias`
 * and `/v1/batch` accept.
 */
import { z } from 'zod';

const isoTimestamp = z.string().refine((value) => !Number.isNaN(Date.parse(value)), 'must be an ISO-8601 timestamp');

/** Keys become MongoDB field names: no operators, no path separators. */
const safeKey = (key: string) => key.length > 0 && !key.startsWith('$') && !key.includes('.') && !key.includes('\u0000');
/**
 * An array directly inside an array (`[[1, 2]]`): MongoDB stores it, FerretDB v1 refuses
 * it, so it is refused up front with a 400 rather than failing half-way with a 500.
 */
function hasNestedArray(value: unknown, depth = 0): boolean {
  if (depth > 32) return false;
  if (Array.isArray(value)) return value.some((item) => Array.isArray(item) || hasNestedArray(item, depth + 1));
  if (typeof value === 'object' && value !== null) return Object.values(value).some((item) => hasNestedArray(item, depth + 1));
  return false;
}
const noNestedArrays = [(obj: Record<string, unknown>) => !hasNestedArray(obj), 'arrays may not directly contain arrays'] as const;

/** A key at any depth that MongoDB would read as an operator or a path (`{"a": {"b.c": 1}}`): refused with a 400, not a 500 from the database. */
function hasUnsafeKey(value: unknown, depth = 0): boolean {
  if (depth > 32) return false;
  if (Array.isArray(value)) return value.some((item) => hasUnsafeKey(item, depth + 1));
  if (typeof value === 'object' && value !== null)
    return Object.entries(value).some(([key, item]) => !safeKey(key) || hasUnsafeKey(item, depth + 1));
  return false;
}
const safeKeys = [
  (obj: Record<string, unknown>) => !hasUnsafeKey(obj),
  'keys, at any depth, must be non-empty and may not start with "$" or contain "."',
] as const;

/** An object MongoDB and FerretDB store as sent (also what a rectification may set: src/server/routes/profile-rights.ts). */
export const safeObject = z
  .record(z.string(), z.unknown())
  .refine(...safeKeys)
  .refine(...noNestedArrays);

/**
 * Traits are written field by field (`traits.<name>`): FerretDB refuses a field path whose
 * name begins or ends with white space, so such a name was acknowledged and then never
 * applied. It is refused up front; below the top level, names are stored as sent.
 */
export const EDGE_SPACE = /^[\s\u0085]|[\s\u0085]$/;
export const traitsObject = safeObject.refine(
  (traits) => Object.keys(traits).every((name) => !EDGE_SPACE.test(name)),
  'trait names may not begin or end with white space',
);

/**
 * `null` means absent: analytics.js sends `"userId": null` until `identify`, and Segment
 * accepts it. Refusing it would drop every anonymous page view for good.
 */
const absentWhenNull = <T extends z.ZodTypeAny>(schema: T) =>
  z.preprocess((value) => (value === null ? undefined : value), schema.optional());

const common = {
  userId: absentWhenNull(z.union([z.string().min(1).max(255), z.number()]).transform(String)),
  anonymousId: absentWhenNull(z.union([z.string().min(1).max(255), z.number()]).transform(String)),
  messageId: z.string().min(1).max(255).optional(),
  timestamp: isoTimestamp.optional(),
  originalTimestamp: isoTimestamp.optional(),
  sentAt: isoTimestamp.optional(),
  context: z
    .record(z.string(), z.unknown())
    .refine(...safeKeys)
    .refine(...noNestedArrays)
    .optional(),
  integrations: z.record(z.string(), z.unknown()).optional(),
};

const needsAnId = (message: { userId?: string; anonymousId?: string }) => message.userId !== undefined || message.anonymousId !== undefined;
const needsAnIdMessage = { message: 'either userId or anonymousId is required', path: ['userId'] };

const optionalName = absentWhenNull(z.string().min(1).max(255));
const id = z.union([z.string().min(1).max(255), z.number()]).transform(String);

export const trackMessage = z
  .object({ ...common, type: z.literal('track').optional(), event: z.string().min(1).max(255), properties: safeObject.optional() })
  .refine(needsAnId, needsAnIdMessage);

export const identifyMessage = z
  .object({ ...common, type: z.literal('identify').optional(), traits: traitsObject.optional() })
  .refine(needsAnId, needsAnIdMessage);

export const pageMessage = z
  .object({ ...common, type: z.literal('page').optional(), name: optionalName, category: optionalName, properties: safeObject.optional() })
  .refine(needsAnId, needsAnIdMessage);

export const screenMessage = z
  .object({ ...common, type: z.literal('screen').optional(), name: optionalName, properties: safeObject.optional() })
  .refine(needsAnId, needsAnIdMessage);

export const groupMessage = z
  .object({ ...common, type: z.literal('group').optional(), groupId: id, traits: traitsObject.optional() })
  .refine(needsAnId, needsAnIdMessage);

/** `alias` links the id the person had (`previousId`) to the one they have now (`userId`). */
export const aliasMessage = z.object({
  ...common,
  type: z.literal('alias').optional(),
  userId: id,
  previousId: id,
});

export type TrackMessage = z.infer<typeof trackMessage>;
export type IdentifyMessage = z.infer<typeof identifyMessage>;
export type PageMessage = z.infer<typeof pageMessage>;
export type ScreenMessage = z.infer<typeof screenMessage>;
export type GroupMessage = z.infer<typeof groupMessage>;
export type AliasMessage = z.infer<typeof aliasMessage>;

/** Every message, tagged by its type: what ingestion works with once a message is valid. */
export type SegmentMessage =
  | ({ type: 'track' } & TrackMessage)
  | ({ type: 'identify' } & IdentifyMessage)
  | ({ type: 'page' } & PageMessage)
  | ({ type: 'screen' } & ScreenMessage)
  | ({ type: 'group' } & GroupMessage)
  | ({ type: 'alias' } & AliasMessage);

export type MessageType = SegmentMessage['type'];

export const messageSchemas = {
  track: trackMessage,
  identify: identifyMessage,
  page: pageMessage,
  screen: screenMessage,
  group: groupMessage,
  alias: aliasMessage,
} as const;

export const MESSAGE_TYPES = Object.keys(messageSchemas) as MessageType[];

/**
 * `/v1/batch`: up to 500 KB of messages, each with its own `type`. Batch-level
 * `context`, `integrations` and `sentAt` apply to every message that lacks its own.
 */
export const batchEnvelope = z.object({
  batch: z.array(z.unknown()).min(1, 'a batch needs at least one message').max(10_000),
  context: z.record(z.string(), z.unknown()).optional(),
  integrations: z.record(z.string(), z.unknown()).optional(),
  sentAt: isoTimestamp.optional(),
});

/** Segment's limit for one message. */
export const MAX_MESSAGE_BYTES = 32 * 1024;

/** Segment's limit for one batch request. */
export const MAX_BATCH_BYTES = 500 * 1024;

/**
 * When the event happened, in server time. A client's clock may be off: `sentAt` and
 * `timestamp` come from the same clock, so their difference is trustworthy and is
 * subtracted from the time we received the message.
 */
export function correctedTimestamp(message: { timestamp?: string; originalTimestamp?: string; sentAt?: string }, receivedAt: Date): Date {
  const happened = message.timestamp ?? message.originalTimestamp;
  if (happened === undefined) return receivedAt;
  if (message.sentAt === undefined) return new Date(happened);
  const skewFree = receivedAt.getTime() - (Date.parse(message.sentAt) - Date.parse(happened));
  return new Date(skewFree);
}
