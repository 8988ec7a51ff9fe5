/**
 * Data exports (src/server/routes/exports.ts, art. 15/20): an admin asks for one, follows
 * it, and hands the person its download link, which works once and for seven days.
 */
import { z } from 'zod';
import type { ZodOpenApiPathsObject } from 'zod-openapi';
import { EXPORT_FORMAT } from '../../../privacy/export.js';
import { error, json, open, signedIn, signedInErrors } from '../common.js';
import { instant, jsonBodyErrors, token } from '../personal-areas.js';
import { personRequest, requestStatus } from './privacy.js';

const dataExport = z
  .object({
    id: z.string(),
    kind: z.literal('export'),
    status: requestStatus,
    createdAt: instant,
    updatedAt: instant,
    found: z.boolean().optional().meta({ description: 'Once built: false when the request matched nobody' }),
    bytes: z.number().int().optional(),
    events: z.number().int().optional(),
    expiresAt: instant.optional(),
    downloadedAt: instant.optional(),
    deletedAt: instant.optional(),
    downloadUrl: z.url().optional().meta({ description: 'The one-time link, while the bundle can still be taken' }),
  })
  .meta({
    id: 'Export',
    example: {
      id: 'ex_6c3e',
      kind: 'export',
      status: 'completed',
      createdAt: '2026-05-04T09:30:00.000Z',
      updatedAt: '2026-05-04T09:30:02.000Z',
      found: true,
      bytes: 18234,
      events: 42,
      expiresAt: '2026-05-11T09:30:02.000Z',
      downloadUrl: 'https://cdp.example/v1/downloads/eyJlIjoiZXhfNmMzZSJ9.c2ln',
    },
  });

const tags = ['privacy'];

export const exportsPaths: ZodOpenApiPathsObject = {
  '/v1/privacy/exports': {
    post: {
      tags,
      summary: "Export a person's data (a JSON bundle, downloadable once)",
      security: signedIn,
      requestBody: { content: { 'application/json': { schema: personRequest } } },
      responses: {
        '202': json('Accepted; the bundle is built in the background', dataExport),
        '400': error('Not exactly one identifier, or a malformed body (`invalid_body`, `malformed_json`)'),
        ...signedInErrors,
        ...jsonBodyErrors,
      },
    },
  },
  '/v1/privacy/exports/{id}': {
    get: {
      tags,
      summary: "An export's progress and its download link",
      security: signedIn,
      requestParams: { path: z.object({ id: z.string() }) },
      responses: { '200': json('The export', dataExport), ...signedInErrors, '404': error('No export with that id') },
    },
  },
  '/v1/downloads/{token}': {
    get: {
      tags,
      summary: 'Download an export bundle: the link works once',
      description: 'The first GET takes the bundle; it is deleted once sent.',
      security: open,
      requestParams: { path: z.object({ token }) },
      responses: {
        '200': {
          description: "The person's data as one JSON document (an attachment)",
          headers: z.object({ 'Content-Disposition': z.string().meta({ example: 'attachment; filename="itinera-export-ex_6c3e.json"' }) }),
          content: {
            'application/json': {
              schema: z
                .looseObject({
                  type: z.literal(EXPORT_FORMAT),
                  version: z.literal(1),
                  requestId: z.string(),
                  exportedAt: instant,
                  profile: z.looseObject({}),
                  consentLedger: z.array(z.looseObject({})),
                  messages: z.array(z.looseObject({})),
                  events: z.array(z.looseObject({})),
                })
                .meta({
                  id: 'ExportBundle',
                  description: "The person's data in one document: profile, consent ledger, messages, journeys, events",
                }),
            },
          },
        },
        '400': error('Not a link this server issued (`invalid_link`)'),
        '404': error('No export behind this link'),
        '410': error('Downloaded already (`already_downloaded`) or expired and deleted (`expired`)'),
      },
    },
  },
};
