/** Response pieces several of part A's areas share: instants, the compiler's diagnostics, diffs. */
import { z } from 'zod';

/** A Date as JSON.stringify writes it. */
export const dateTime = z.string().meta({ format: 'date-time', example: '2026-03-01T12:00:00.000Z' });

export const diagnostic = z
  .object({
    code: z.string().meta({ description: 'Stable, `ITN` and four digits (docs/language.md)', example: 'ITN0101' }),
    severity: z.enum(['error', 'warning']),
    message: z.string(),
    line: z.number().int(),
    column: z.number().int(),
    endLine: z.number().int(),
    endColumn: z.number().int(),
  })
  .meta({ id: 'Diagnostic', description: "A compiler error or warning, at a span of the program's text" });

/** The 422 of a program, a draft or a segment that does not compile. */
export const diagnosticsBody = z
  .object({ diagnostics: z.array(diagnostic) })
  .meta({ id: 'Diagnostics', description: 'The program has errors: nothing was done' });

export const diffHunk = z
  .object({
    oldStart: z.number().int(),
    oldLines: z.number().int(),
    newStart: z.number().int(),
    newLines: z.number().int(),
    lines: z.array(z.string()).meta({ description: 'Each line prefixed by a space (context), `-` (old only) or `+` (new only)' }),
  })
  .meta({ id: 'DiffHunk' });

export const named = z.object({ name: z.string(), title: z.string().optional() });

/** A path in the URL, as the routes read it. */
export const nameParam = (description: string) => z.object({ name: z.string().meta({ description }) });
