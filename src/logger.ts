/**
 * One pino logger. Redaction is by construction: credentials and every field that can
 * hold personal data are censored wherever they appear, so a careless `log.info({ body })`
 * or `log.warn({ err })` with a driver error cannot leak an e-mail address or a key.
 * The rules live in log-redaction.ts; this file only wires them into pino.
 */
import { pino, type Logger } from 'pino';
import { createRedactor } from './log-redaction.js';
import { currentRequestId } from './util/request-context.js';

export type { Logger };

/** `identityKinds`: the configured external id kinds, whose identity keys are redacted too. */
export function createLogger(
  level: string,
  destination?: pino.DestinationStream,
  options: { identityKinds?: readonly string[] } = {},
): Logger {
  const redact = createRedactor(options);
  const logger = pino(
    {
      level,
      base: { service: 'itinera' },
      // Every line written while serving a request names it (src/server/request-log.ts).
      mixin: () => {
        const requestId = currentRequestId();
        return requestId === undefined ? {} : { reqId: requestId };
      },
      // pino hands every record to this formatter before writing it.
      formatters: { log: redact },
      serializers: {
        // `redact` has already serialised errors, wherever they were, in pino's standard
        // shape; pino's own err serialiser would wrap that plain object again as type "Object".
        err: (err: unknown) => err,
        // The message too: pino takes it from `err.message` when none is given.
        msg: redact,
      },
    },
    destination,
  );
  // A child's bindings are written once, when it is made, past every formatter of ours: redact
  // them first. Children are created from their parent by prototype, so all of them inherit this.
  const child = logger.child;
  logger.child = function (this: Logger, bindings, options) {
    return child.call(this, redact(bindings), options);
  } as Logger['child'];
  return logger;
}
