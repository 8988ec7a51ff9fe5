/** A real logger (src/logger.ts, redaction and all) writing into memory: tests read the lines operators would. */
import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../src/logger.js';

export interface CapturedLog {
  logger: Logger;
  /** Every line written so far, as text. */
  text(): string;
  /** The records with this message, parsed. */
  withMessage(msg: string): Record<string, any>[];
}

export function captureLog(level = 'info'): CapturedLog {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return {
    logger: createLogger(level, stream),
    text: () => lines.join(''),
    withMessage: (msg) => lines.map((line) => JSON.parse(line) as Record<string, any>).filter((record) => record.msg === msg),
  };
}
