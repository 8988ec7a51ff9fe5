/** Streaming CSV answers (RFC 4180): the ledger export, segment member lists. */
import type { Response } from 'express';

/** One CSV field: quoted when it holds a separator, a quote or a line break. */
export function csvField(value: unknown): string {
  const text = value === undefined || value === null ? '' : value instanceof Date ? value.toISOString() : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvRow(values: readonly unknown[]): string {
  return `${values.map(csvField).join(',')}\r\n`;
}

/** Writes a chunk, waiting while the client reads slower than we write (bounded memory). */
export function write(res: Response, chunk: string): Promise<void> {
  return res.write(chunk) ? Promise.resolve() : new Promise((resolve) => res.once('drain', () => resolve()));
}
