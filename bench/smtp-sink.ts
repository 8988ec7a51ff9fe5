/**
 * The benchmarks' SMTP sink (smtp-server on a free port): counts every message's arrival,
 * the messages per recipient and when each recipient's chapter 1 arrived, so Itinera and its
 * baselines (the raw SDK, nodemailer alone) are timed by the same receiver.
 */
import type { AddressInfo } from 'node:net';
import nodemailer from 'nodemailer';
import { SMTPServer } from 'smtp-server';

export interface Sink {
  url: string;
  /** performance.now() of every message since the last `reset()`. */
  arrivals: number[];
  /** Recipient → how many messages they got. */
  recipients: Map<string, number>;
  /** Recipient → performance.now() of their first `Subject: Chapter 1`. */
  firstChapterAt: Map<string, number>;
  reset(): void;
  close(): Promise<void>;
}

export async function startSink(): Promise<Sink> {
  const arrivals: number[] = [];
  const recipients = new Map<string, number>();
  const firstChapterAt = new Map<string, number>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    maxClients: 64,
    onData(stream, session, callback) {
      let head = '';
      stream.on('data', (chunk: Buffer) => {
        if (head.length < 4096) head += chunk.toString('utf8');
      });
      stream.on('end', () => {
        const now = performance.now();
        arrivals.push(now);
        const to = session.envelope.rcptTo[0]?.address ?? '';
        recipients.set(to, (recipients.get(to) ?? 0) + 1);
        if (/^Subject: Chapter 1\b/m.test(head) && !firstChapterAt.has(to)) firstChapterAt.set(to, now);
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `smtp://127.0.0.1:${(server.server.address() as AddressInfo).port}`,
    arrivals,
    recipients,
    firstChapterAt,
    reset() {
      arrivals.length = 0;
      recipients.clear();
      firstChapterAt.clear();
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * The baseline every sending benchmark compares with: `count` messages straight through
 * nodemailer to `url`, 64 at a time over a pool of 4 connections (Itinera's own pool).
 * Returns messages per second.
 */
export async function nodemailerRate(url: string, count: number): Promise<number> {
  const transport = nodemailer.createTransport({ url, pool: true, maxConnections: 4 });
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      while (next < count) {
        const n = next++;
        await transport.sendMail({
          from: 'bench@itinera.example',
          to: `direct-${n}@bench.example`,
          subject: 'Direct',
          html: '<p>direct</p>',
        });
      }
    }),
  );
  const perSecond = count / ((performance.now() - started) / 1000);
  transport.close();
  return perSecond;
}
