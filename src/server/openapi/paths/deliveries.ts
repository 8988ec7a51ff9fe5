/**
 * The contract of Messages → Deliveries (src/server/routes/deliveries.ts): the list of
 * messages and their outcomes per day. Every role may call them; fields marked "personal"
 * are sent only to roles that see personal data (docs/console.md).
 */
import { z } from 'zod';
import type { ZodOpenApiPathsObject } from 'zod-openapi';
import { DELIVERY_CHANNELS, DELIVERY_OUTCOMES } from '../../../store/delivery-counts.js';
import { deliveriesQuery, deliveryStatsQuery } from '../../routes/deliveries.js';
import { error, json, signedIn, signedInErrors } from '../common.js';

const at = z.iso.datetime().meta({ description: 'An instant, UTC', example: '2026-12-07T09:30:00.000Z' });
const personal = (description: string) => `${description} (personal: absent for a viewer)`;
const STATUSES = ['queued', 'deferred', 'sending', 'sent', 'failed', 'skipped', 'not-configured'] as const;

const step = z
  .looseObject({
    status: z.enum(STATUSES),
    at,
    detail: z
      .string()
      .optional()
      .meta({ description: 'Why, as a code: `smtp 250`, `smtp 550`, `template missing`, `consent email_marketing`…' }),
    until: at.optional().meta({ description: 'A deferred message: when it is sent' }),
  })
  .meta({ id: 'DeliveryStep' });

const delivery = z
  .looseObject({
    key: z.string().meta({ description: 'The delivery key (its Message-ID or Idempotency-Key derives from it)' }),
    channel: z.enum(DELIVERY_CHANNELS),
    template: z.string().meta({ description: 'The e-mail template, or the webhook destination' }),
    journey: z.string().optional(),
    rulesVersion: z.number().int().optional(),
    step: z.string().optional().meta({ description: "The journey step's id" }),
    broadcast: z.string().optional(),
    purpose: z.string().optional().meta({ description: 'A double opt-in confirmation: the purpose it confirms' }),
    profileId: z.string(),
    status: z.enum(STATUSES),
    detail: z.string().optional().meta({ description: 'The last outcome, as in the history' }),
    attempts: z.number().int().optional(),
    queuedAt: at.meta({ description: 'First recorded' }),
    updatedAt: at.optional(),
    sentAt: at.optional(),
    unsubscribedAt: at.optional().meta({ description: "When the person first used this message's unsubscribe link" }),
    history: z.array(step).meta({ description: 'Every step, oldest first' }),
    address: z
      .string()
      .optional()
      .meta({ description: personal("An e-mail's person's address now (their `email` trait, else their latest e-mail identifier)") }),
    with: z
      .record(z.string(), z.unknown())
      .optional()
      .meta({ description: personal('Values rendered into it') }),
    answer: z
      .object({ status: z.number().int(), body: z.string() })
      .optional()
      .meta({ description: personal("A webhook receiver's answer") }),
  })
  .meta({ id: 'Delivery' });

const deliveryList = z
  .object({
    from: at,
    to: at,
    personal: z.boolean().meta({ description: "Whether the caller's role sees personal data (addresses, values)" }),
    deliveries: z.array(delivery).meta({ description: 'Newest first (by first recorded, then key)' }),
    nextCursor: z.string().nullable().meta({ description: 'The next page; null: nothing older in the window' }),
    scanned: z.number().int().min(0).meta({ description: 'Messages read for this page' }),
    partial: z.boolean().meta({
      description: 'A status filter matched few of the messages read: fewer than `limit` shown, and `nextCursor` goes on from there',
    }),
  })
  .meta({ id: 'DeliveryList' });

const outcomes = Object.fromEntries(DELIVERY_OUTCOMES.map((outcome) => [outcome, z.number().int().min(0)]));
const deliveryDay = z
  .object({
    day: z.string().meta({ example: '2026-12-07' }),
    ...outcomes,
    channels: z.object(Object.fromEntries(DELIVERY_CHANNELS.map((channel) => [channel, z.object(outcomes)]))),
  })
  .meta({
    id: 'DeliveryDay',
    description:
      "Outcomes that day (UTC): `sent`, `failed` (not a bounce), `bounced` (an SMTP 5xx refusal), `skipped`, `notConfigured`, `unsubscribed` (first use of a message's link); in total and per channel",
  });

export const deliveriesPaths: ZodOpenApiPathsObject = {
  '/v1/deliveries': {
    get: {
      operationId: 'listDeliveries',
      tags: ['Messages'],
      summary: 'Messages, newest first, filtered',
      description:
        'Every message (journeys, broadcasts, confirmations) first recorded in the window, with its status history, newest first, paged by cursor. Reads only the minutes that hold messages (counters by id, then an index of the minute), never the whole collection. Messages recorded before this list existed are not in it. Roles: every role; addresses and values for those who see personal data.',
      security: signedIn,
      requestParams: { query: deliveriesQuery },
      responses: {
        '200': json('A page of messages', deliveryList),
        '400': error('An unknown status or field, a malformed time or cursor, `from` after `to`, or more than 366 days'),
        ...signedInErrors,
      },
    },
  },
  '/v1/delivery-stats': {
    get: {
      operationId: 'getDeliveryStats',
      tags: ['Messages'],
      summary: 'Message outcomes per day',
      description:
        'Per day of the window, the outcomes of messages (of one journey or broadcast if asked): counters kept where statuses move, read by id (no scan). Roles: every role.',
      security: signedIn,
      requestParams: { query: deliveryStatsQuery },
      responses: {
        '200': json(
          'Every day of the window, in order; days without messages count 0',
          z.object({ from: z.string(), to: z.string(), days: z.array(deliveryDay) }).meta({ id: 'DeliveryStats' }),
        ),
        '400': error('A malformed day, `from` after `to`, or more than 366 days'),
        ...signedInErrors,
      },
    },
  },
};
