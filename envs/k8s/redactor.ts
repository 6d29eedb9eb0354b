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
   * `error` with every secret removed from its message, stack, string fields and whole cause chain, in
   * place (so its class and fields stay). A value that is not an `Error` becomes a
   * {@linkcode RuntimeError} with the redacted text; an error that cannot be changed is replaced by one
   * of the same kind (`InputError` or `RuntimeError`) and name.
   */
  error(error: unknown): Error {
    return this.#scrub(error, 0) as Error;
  }

  #scrub(error: unknown, depth: number): unknown {
    if (error === undefined || error === null) return error;
    if (!(error instanceof Error)) {
      const text = this.text(typeof error === "string" ? error : safeString(error));
      return depth === 0 ? new RuntimeError(text) : text;
    }
    const cause = depth < 8 && error.cause !== undefined ? this.#scrub(error.cause, depth + 1) : undefined;
    try {
      error.message = this.text(error.message);
      if (error.stack !== undefined) error.stack = this.text(error.stack);
      if (cause !== undefined) error.cause = cause;
      const fields = error as unknown as Record<string, unknown>;
      for (const key of Object.keys(fields)) {
        if (typeof fields[key] === "string") fields[key] = this.text(fields[key] as string);
      }
      return error;
    } catch {
      const options = cause === undefined ? undefined : { cause };
      const copy = error instanceof InputError
        ? new InputError(this.text(error.message), options)
        : new RuntimeError(this.text(error.message), options);
      copy.name = error.name;
      return copy;
    }
  }
}

function safeString(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
