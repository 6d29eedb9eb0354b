/** Answer delays of the loopback stand-ins that closing the server cuts short. */
export class Delays {
  #pending = new Map<ReturnType<typeof setTimeout>, () => void>();

  /** Resolves after `ms` milliseconds, or as soon as {@linkcode Delays.release} is called. */
  wait(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        this.#pending.delete(t);
        resolve();
      }, ms);
      this.#pending.set(t, resolve);
    });
  }

  /** Clears every pending timer and resolves its wait. */
  release(): void {
    for (const [t, resolve] of this.#pending) {
      clearTimeout(t);
      resolve();
    }
  }
}
