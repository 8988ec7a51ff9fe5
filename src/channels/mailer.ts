/**
 * Sending e-mail over SMTP with nodemailer, configured by one URL (`smtp://host:port`,
 * `smtps://user:pass@host`). Each answer is sorted: accepted, a permanent refusal (5xx:
 * the address does not exist, the message is refused) that no retry will change, or
 * anything else (4xx, a timeout, a dropped connection), worth trying again.
 */
import nodemailer, { type Transporter } from 'nodemailer';

export interface OutgoingMail {
  to: string;
  subject: string;
  html: string;
  text?: string;
  /** Derived from the delivery key: a resend after a crash carries the same one. */
  messageId: string;
  headers: Record<string, string>;
}

export type MailAnswer = { kind: 'sent'; code: number } | { kind: 'permanent'; code: number } | { kind: 'retry'; reason: string };

export interface Mailer {
  /** The sender address, for the Message-ID's domain and the From header. */
  readonly from: string;
  send(mail: OutgoingMail): Promise<MailAnswer>;
  close(): void;
}

export function createMailer(smtpUrl: string, from: string): Mailer {
  const transport: Transporter = nodemailer.createTransport({
    url: smtpUrl,
    // A few connections kept open: a drip reaching thousands at once sends at the rate the
    // server allows, not one handshake per message.
    pool: true,
    maxConnections: 4,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  });
  return {
    from,
    async send(mail) {
      try {
        const info = await transport.sendMail({
          from,
          to: mail.to,
          subject: mail.subject,
          html: mail.html,
          ...(mail.text === undefined ? {} : { text: mail.text }),
          messageId: mail.messageId,
          headers: mail.headers,
        });
        return { kind: 'sent', code: Number(/^\d{3}/.exec(String(info.response))?.[0] ?? 250) };
      } catch (error) {
        const code = (error as { responseCode?: number }).responseCode;
        if (typeof code === 'number' && code >= 500 && code < 600) return { kind: 'permanent', code };
        const reason = typeof code === 'number' ? `smtp ${code}` : ((error as { code?: string }).code ?? 'smtp error');
        return { kind: 'retry', reason };
      }
    },
    close() {
      transport.close();
    },
  };
}

/** `<token@domain>`: the domain is the sender's, the token the delivery key made safe for the header. */
export function messageIdOf(deliveryKey: string, from: string): string {
  const domain = /@([^>\s]+)>?\s*$/.exec(from)?.[1] ?? 'itinera.invalid';
  return `<${Buffer.from(deliveryKey).toString('base64url')}@${domain}>`;
}
