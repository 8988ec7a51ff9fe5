/**
 * Refusals of the accounts' use cases, with the HTTP status they mean: the server maps them
 * to its typed errors, the command line prints the message.
 */
export class AccountError extends Error {
  constructor(
    readonly status: 400 | 404 | 409,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
