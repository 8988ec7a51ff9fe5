/**
 * The journeys benchmark's SMTP sink (smtp-server on a free port): counts every message's
 * arrival and, per recipient, when its chapter 1 arrived, so Itinera and the raw-SDK
 * baselines are timed by the same receiver.
 */
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface Sink {
  url: string;
  /** performance.now() of every message since the last `reset()`. */
  arrivals: number[];
  /** Recipient → performance.now() of their first `Subject: Chapter 1`. */
  firstChapterAt: Map<string, number>;
  reset(): void;
  close(): Promise<void>;
}

export async function startSink(): Promise<Sink> {
  const arrivals: number[] = [];
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
        if (/^Subject: Chapter 1\b/m.test(head) && !firstChapterAt.has(to)) firstChapterAt.set(to, now);
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `smtp://127.0.0.1:${(server.server.address() as AddressInfo).port}`,
    arrivals,
    firstChapterAt,
    reset() {
      arrivals.length = 0;
      firstChapterAt.clear();
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
