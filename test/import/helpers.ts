/** In-memory collaborators for import tests: a CSV as a byte stream and an `apply` that keeps what it gets. */
import { Readable } from 'node:stream';
import type { ImportMessage } from '../../src/import/csv-import.js';

/** The text as a byte stream, cut into `pieceSize`-byte pieces to exercise records split across reads. */
export function csvStream(text: string, pieceSize = 7): Readable {
  const bytes = Buffer.from(text);
  const pieces: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += pieceSize) pieces.push(bytes.subarray(at, at + pieceSize));
  return Readable.from(pieces, { objectMode: false });
}

export interface Collected {
  apply: (messages: ImportMessage[]) => Promise<void>;
  messages: ImportMessage[];
  chunks: number[];
}

/** Keeps every message applied, and the size of each chunk. */
export function collector(): Collected {
  const messages: ImportMessage[] = [];
  const chunks: number[] = [];
  return {
    messages,
    chunks,
    apply: async (chunk) => {
      chunks.push(chunk.length);
      messages.push(...chunk);
    },
  };
}

export const lines = (...rows: string[]) => `${rows.join('\n')}\n`;
