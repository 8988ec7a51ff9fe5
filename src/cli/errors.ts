/**
 * What the `itinera` command line says when something goes wrong: one line, `itinera: <what>`.
 * A command throws CliFailure for a failure it can name (no server, a refusal, a file it
 * cannot read); the top level (src/cli.ts) prints it as it is, and anything else as an
 * unexpected error, with its stack only under --verbose.
 */

/** A failure the command has already put in words for the person at the terminal. */
export class CliFailure extends Error {
  override name = 'CliFailure';
}

/** The server answered with an error: its status and, when it is Itinera's, the body's code and message. */
export class ServerRefusal extends CliFailure {
  override name = 'ServerRefusal';
  constructor(
    readonly status: number,
    readonly code: string | undefined,
    readonly serverMessage: string,
    /** The whole body, for the commands that read more than the message (a refused deploy's diagnostics). */
    readonly body: unknown,
    /** The line, when the status says more than "the server answered" (a refused key). */
    line?: string,
  ) {
    super(line ?? `the server answered ${status}${code ? ` ${code}` : ''}: ${serverMessage}`);
  }
}

/** The one line for any error; under --verbose the stack follows it. */
export function describeFailure(error: unknown, verbose: boolean): string[] {
  if (error instanceof CliFailure) return [`itinera: ${error.message}`, ...(verbose && error.stack ? [error.stack] : [])];
  const message = error instanceof Error ? firstLine(error.message) : String(error);
  const stack = error instanceof Error && error.stack ? error.stack : undefined;
  return [`itinera: unexpected error: ${message}${verbose ? '' : ' (--verbose shows where)'}`, ...(verbose && stack ? [stack] : [])];
}

const firstLine = (text: string) => text.split('\n')[0] ?? text;
