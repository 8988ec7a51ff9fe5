/**
 * A real SMTP server for tests (smtp-server), keeping what it receives. Addresses choose
 * its answer: `bounce@…` is refused for good (550), `busy@…` is refused once for now (451)
 * and then accepted. `mailbox()` collapses messages with the same Message-ID, as mail
 * stores do. A slow server is `onMessage` holding its answer until `clientGone`: the
 * sender timed out with the message already delivered.
 */
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  messageId: string;
  to: string;
  from: string;
  subject: string;
  html: string;
  text: string;
  /** Raw header values by lower-case name, as sent. */
  headers: Map<string, string>;
}

export interface SmtpSink {
  url: string;
  /** Every transmission, repeats included. */
  received: ReceivedMail[];
  /** Unique by Message-ID: what the person sees. */
  mailbox(to?: string): ReceivedMail[];
  /** Refusals the sink answered, by address. */
  refusals: string[];
  /**
   * Called once a message is fully received, before the sink answers it; `clientGone`
   * settles when the sender closes the connection that carried it (it gave up waiting).
   */
  onMessage?: (mail: ReceivedMail, connection: { clientGone: Promise<void> }) => Promise<void> | void;
  close(): Promise<void>;
}

export async function startSmtpSink(): Promise<SmtpSink> {
  const busyOnce = new Set<string>();
  const closes = new Map<string, () => void>();
  const clientGone = (sessionId: string) => new Promise<void>((resolve) => closes.set(sessionId, resolve));
  const sink: SmtpSink = {
    url: '',
    received: [],
    refusals: [],
    mailbox(to) {
      const seen = new Map<string, ReceivedMail>();
      for (const mail of sink.received) if (!to || mail.to === to) seen.set(mail.messageId, seen.get(mail.messageId) ?? mail);
      return [...seen.values()];
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  const refuse = (address: string, code: number, text: string) => {
    sink.refusals.push(address);
    return Object.assign(new Error(text), { responseCode: code });
  };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onClose(session) {
      closes.get(session.id)?.();
      closes.delete(session.id);
    },
    onRcptTo(address, _session, callback) {
      const local = address.address.split('@')[0];
      if (local === 'bounce') return callback(refuse(address.address, 550, 'no such mailbox'));
      if (local === 'busy' && !busyOnce.has(address.address)) {
        busyOnce.add(address.address);
        return callback(refuse(address.address, 451, 'try again later'));
      }
      callback();
    },
    onData(stream, session, callback) {
      simpleParser(stream).then(
        async (parsed) => {
          const mail: ReceivedMail = {
            messageId: parsed.messageId ?? '',
            to: session.envelope.rcptTo.map((r) => r.address).join(','),
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            subject: parsed.subject ?? '',
            html: typeof parsed.html === 'string' ? parsed.html : '',
            text: parsed.text ?? '',
            headers: new Map(parsed.headerLines.map(({ key, line }) => [key, line.slice(line.indexOf(':') + 1).trim()])),
          };
          sink.received.push(mail);
          await sink.onMessage?.(mail, { clientGone: clientGone(session.id) });
          callback();
        },
        (error: Error) => callback(error),
      );
    },
  });
  // A sender killed mid-conversation (a worker SIGKILLed by a fault test) resets its
  // connection: SMTPServer reports that as an 'error' event, which unheard would be an
  // uncaught exception of the test run. It is the fault under test, not the sink's.
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  sink.url = `smtp://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
  return sink;
}
