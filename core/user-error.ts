/**
 * An error caused by the user's input or environment, printed without a stack trace.
 * `exitCode` lets a command tell "findings" (1) from "bad usage" (2).
 */
export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = 1,
  ) {
    super(message);
    this.name = 'UserError';
  }
}
