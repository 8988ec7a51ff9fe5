/** CSV import over HTTP (src/server/routes/import.ts). */
import { z } from 'zod';
import type { ZodOpenApiOperationObject, ZodOpenApiPathsObject } from 'zod-openapi';
import { NDJSON } from '../../../import/wire.js';
import { importQuery } from '../../routes/import.js';
import { error, signedIn, signedInErrors } from '../common.js';

const report = z
  .object({
    rows: z.number().int(),
    good: z.number().int(),
    bad: z.number().int(),
    errors: z.array(z.object({ line: z.number().int(), reason: z.string() })).meta({ description: 'The first bad rows, in file order' }),
    errorsTruncated: z.boolean().meta({ description: 'More rows were bad than `errors` lists' }),
    durationMs: z.number(),
  })
  .meta({
    id: 'ImportReport',
    example: { rows: 3, good: 2, bad: 1, errors: [{ line: 4, reason: 'email: not an address' }], errorsTruncated: false, durationMs: 41 },
  });

const progress = z.object({ rows: z.number().int(), good: z.number().int(), bad: z.number().int(), bytes: z.number().int() });

const streamLine = z
  .union([
    z.object({ progress }),
    z.object({ report }),
    z
      .object({ error: z.object({ code: z.string(), message: z.string() }) })
      .meta({ description: 'The import stopped; the rows applied so far stay applied' }),
  ])
  .meta({ id: 'ImportStreamLine', description: 'One line of the streamed answer' });

function operation(kind: 'profiles' | 'events'): ZodOpenApiOperationObject {
  return {
    tags: ['import'],
    summary: kind === 'profiles' ? 'Import profiles from a CSV file' : 'Import events from a CSV file',
    description:
      'The body is the file, streamed (no size limit). Answered with the report once the file is read; with `Accept: application/x-ndjson`, with a line of progress as it goes, then the report or the error that stopped it.',
    security: signedIn,
    requestParams: { query: importQuery },
    requestBody: {
      required: true,
      content: {
        'text/csv': {
          schema: z.string().meta({ description: 'UTF-8, a header row naming the columns' }),
          example:
            kind === 'profiles'
              ? 'user_id,email\nu-1,ada@example.com\n'
              : 'user_id,event,timestamp\nu-1,Order Completed,2026-03-01T12:00:00Z\n',
        },
      },
    },
    responses: {
      '200': {
        description: 'The file was read: the report (bad rows listed by line), or the progress stream',
        content: { 'application/json': { schema: report }, [NDJSON]: { schema: streamLine } },
      },
      '400': error('The mapping (`bad_mapping`), `chunkSize` (`bad_chunk_size`) or the header make the file unusable; nothing was applied'),
      ...signedInErrors,
      '415': error('Not `text/csv` (`unsupported_media_type`), or not UTF-8 (`unsupported_charset`)'),
    },
  };
}

export const importPaths: ZodOpenApiPathsObject = {
  '/v1/import/profiles': { post: operation('profiles') },
  '/v1/import/events': { post: operation('events') },
};
