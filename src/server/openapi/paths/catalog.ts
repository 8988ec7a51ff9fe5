/** What the data holds: event names, property and trait paths, consent categories (src/server/routes/catalog.ts). */
import { z } from 'zod';
import type { ZodOpenApiPathsObject } from 'zod-openapi';
import { VALUE_KINDS } from '../../../store/catalog-tallies.js';
import { json, signedIn, signedInErrors } from '../common.js';
import { dateTime } from './shared.js';

const catalogPath = z
  .object({ path: z.string().meta({ example: 'plan' }), kinds: z.array(z.enum(VALUE_KINDS)), count: z.number().int() })
  .meta({ id: 'CatalogPath', description: 'A property or trait path, the kinds of value seen there (never the values) and how often' });

const catalog = z
  .object({
    events: z.array(
      z.object({ name: z.string(), count: z.number().int(), lastSeen: dateTime.nullable(), properties: z.array(catalogPath) }),
    ),
    traits: z.array(catalogPath),
    consentCategories: z.array(z.object({ name: z.string(), count: z.number().int(), lastSeen: dateTime.nullable() })),
    templates: z.array(z.string()).meta({ description: 'The stored e-mail templates, by name' }),
    dropped: z
      .object({
        events: z.number().int(),
        properties: z.number().int(),
        traits: z.number().int(),
        consentCategories: z.number().int(),
        unrecordable: z.number().int(),
      })
      .meta({ description: 'Occurrences that did not fit the caps or could not be recorded' }),
    limits: z.object({
      eventNames: z.number().int(),
      propertyPathsPerEvent: z.number().int(),
      traitPaths: z.number().int(),
      consentCategories: z.number().int(),
    }),
    updatedAt: dateTime.nullable(),
  })
  .meta({
    id: 'DataCatalog',
    example: {
      events: [
        {
          name: 'Order Completed',
          count: 1200,
          lastSeen: '2026-03-01T12:00:00.000Z',
          properties: [{ path: 'total', kinds: ['number'], count: 1200 }],
        },
      ],
      traits: [{ path: 'plan', kinds: ['string'], count: 300 }],
      consentCategories: [{ name: 'email_marketing', count: 40, lastSeen: '2026-03-01T12:00:00.000Z' }],
      templates: ['welcome'],
      dropped: { events: 0, properties: 0, traits: 0, consentCategories: 0, unrecordable: 0 },
      limits: { eventNames: 500, propertyPathsPerEvent: 200, traitPaths: 500, consentCategories: 100 },
      updatedAt: '2026-03-01T12:00:00.000Z',
    },
  });

export const catalogPaths: ZodOpenApiPathsObject = {
  '/v1/catalog': {
    get: {
      tags: ['catalog'],
      summary: 'The data catalogue: names and counts seen in the events, traits and consents; the template names',
      description: 'Every role may read it: names and counts, no personal data.',
      security: signedIn,
      responses: { '200': json('The catalogue', catalog), ...signedInErrors },
    },
  },
};
