/**
 * Errors that the CLI turns into a message and an exit code instead of a stack trace.
 *
 * @module
 */

/** Bad input from the user (a pipeline, a flag, a file, a checkpoint): exit code 2. */
export class InputError extends Error {
  /** Makes an input error; `message` should name the file, field or line. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "InputError";
  }
}

/** A failure while running (a diverged loss, an unreachable service): exit code 1. */
export class RuntimeError extends Error {
  /** Makes a runtime error. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "RuntimeError";
  }
}
