/**
 * Segment's HTTP Tracking API messages, as zod schemas: the single source of truth for
 * what `/v1/track` and `/v1/identify` accept.
 */
import { z } from 'zod';

const isoTimestamp = z.string().refine((value) => !Number.isNaN(Date.parse(value)), 'must be an ISO-8601 timestamp');

/** Keys become MongoDB field names: no operators, no path separators. */
const safeKey = (key: string) => key.length > 0 && !key.startsWith('$') && !key.includes('.') && !key.includes('\u0000');
const safeObject = z
  .record(z.string(), z.unknown())
  .refine((obj) => Object.keys(obj).every(safeKey), 'keys must be non-empty and may not start with "$" or contain "."');

const common = {
  userId: z.union([z.string().min(1).max(255), z.number()]).transform(String).optional(),
  anonymousId: z.union([z.string().min(1).max(255), z.number()]).transform(String).optional(),
  messageId: z.string().min(1).max(255).optional(),
  timestamp: isoTimestamp.optional(),
  originalTimestamp: isoTimestamp.optional(),
  sentAt: isoTimestamp.optional(),
  context: z.record(z.string(), z.unknown()).optional(),
  integrations: z.record(z.string(), z.unknown()).optional(),
};

const needsAnId = (message: { userId?: string; anonymousId?: string }) =>
  message.userId !== undefined || message.anonymousId !== undefined;
const needsAnIdMessage = { message: 'either userId or anonymousId is required', path: ['userId'] };

export const trackMessage = z
  .object({ ...common, type: z.literal('track').optional(), event: z.string().min(1).max(255), properties: safeObject.optional() })
  .refine(needsAnId, needsAnIdMessage);

export const identifyMessage = z
  .object({ ...common, type: z.literal('identify').optional(), traits: safeObject.optional() })
  .refine(needsAnId, needsAnIdMessage);

export type TrackMessage = z.infer<typeof trackMessage>;
export type IdentifyMessage = z.infer<typeof identifyMessage>;

/** Segment's limit for one message. */
export const MAX_MESSAGE_BYTES = 32 * 1024;

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
