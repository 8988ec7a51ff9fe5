/** Where a command of the `itinera` command line writes; tests pass their own. Apart from cli.ts so that a command's own module can name it without importing the dispatcher. */
export interface CliIO {
  out: (line: string) => void;
  err: (line: string) => void;
}
