/**
 * Keeps secrets (bearer tokens, private keys) out of log lines and errors.
 *
 * @module
 */
import { InputError, RuntimeError } from "../../core/errors.ts";

/** What a redacted secret is replaced with. */
export const REDACTED = "[REDACTED]";

/** Replaces every registered secret in texts and in errors (message, stack and the whole cause chain). */
export class Redactor {
  #secrets = new Set<string>();

  /** Registers a secret; empty and very short values (under 4 characters) are ignored. */
  add(secret: string | undefined): void {
    if (secret === undefined) return;
    const trimmed = secret.trim();
    if (trimmed.length >= 4) this.#secrets.add(trimmed);
  }

  /** `text` with every secret replaced by {@linkcode REDACTED}. */
  text(text: string): string {
    let out = text;
    for (const secret of this.#secrets) out = out.split(secret).join(REDACTED);
    return out;
  }

  /**
   * A copy of `error` with every secret removed from its message, stack and causes. An
   * {@linkcode InputError} stays an `InputError`; any other error becomes a {@linkcode RuntimeError} with
   * the original `name`.
   */
  error(error: unknown): Error {
    return this.#copy(error, 0) as Error;
  }

  #copy(error: unknown, depth: number): unknown {
    if (error === undefined || error === null) return error;
    if (!(error instanceof Error)) {
      const text = this.text(typeof error === "string" ? error : safeString(error));
      return depth === 0 ? new RuntimeError(text) : text;
    }
    const cause = depth < 8 && error.cause !== undefined ? this.#copy(error.cause, depth + 1) : undefined;
    const message = this.text(error.message);
    const options = cause === undefined ? undefined : { cause };
    const copy = error instanceof InputError
      ? new InputError(message, options)
      : new RuntimeError(message, options);
    copy.name = error.name;
    copy.stack = error.stack === undefined ? undefined : this.text(error.stack);
    for (const key of ["status", "reason", "errorType"]) {
      const value = (error as unknown as Record<string, unknown>)[key];
      if (typeof value === "number") (copy as unknown as Record<string, unknown>)[key] = value;
      if (typeof value === "string") (copy as unknown as Record<string, unknown>)[key] = this.text(value);
    }
    return copy;
  }
}

function safeString(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
