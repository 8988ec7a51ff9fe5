/**
 * A real HTTP receiver for webhook tests: it records each request and answers from a
 * script. An answer with `holdUntilClientGone` is a slow receiver: it answers only once
 * the sender has given up waiting (closed the connection), when nobody hears it.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

interface ScriptedAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  holdUntilClientGone?: boolean;
}

export interface WebhookReceiver {
  url: string;
  received: ReceivedRequest[];
  /** The answers for a path, in order; the last one repeats. Unscripted paths answer 200. */
  script(path: string, answers: ScriptedAnswer[]): void;
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const scripts = new Map<string, ScriptedAnswer[]>();
  const received: ReceivedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const path = req.url ?? '/';
      received.push({ path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const answers = scripts.get(path) ?? [];
      const answer = answers.length > 1 ? answers.shift()! : (answers[0] ?? { status: 200, body: 'ok' });
      const reply = () => res.writeHead(answer.status, answer.headers ?? {}).end(answer.body ?? '');
      if (answer.holdUntilClientGone) res.once('close', reply);
      else reply();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    script: (path, answers) => scripts.set(path, [...answers]),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
