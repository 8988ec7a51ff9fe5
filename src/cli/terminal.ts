/** Questions at the terminal, for the commands that confirm before they act (deploy). */
import { createInterface } from 'node:readline/promises';

export type Ask = (question: string) => Promise<string>;

/** Asks on this process's terminal; undefined when standard input or output is not one (a script, a pipe, CI). */
export function terminalQuestion(): Ask | undefined {
  if (!process.stdin.isTTY || !process.stdout.isTTY) return undefined;
  return async (question) => {
    const terminal = createInterface({ input: process.stdin, output: process.stdout });
    try {
      return await terminal.question(question);
    } finally {
      terminal.close();
    }
  };
}

/** Only a yes deploys: the default of `[y/N]` is no. */
export const isYes = (answer: string) => /^\s*y(es)?\s*$/i.test(answer);
