/**
 * A small seeded random generator (xoshiro128**, seeded through splitmix32) whose state can be saved and
 * restored, so every run is reproducible from its seed and a resumed run continues the same stream.
 *
 * @example
 * ```ts
 * import { Random } from "./random.ts";
 * const a = new Random(7), b = new Random(7);
 * console.assert(a.next() === b.next());
 * ```
 *
 * @module
 */

/** A seeded generator of uniform, normal and integer numbers. */
export class Random {
  #s = new Uint32Array(4);
  #spare: number | undefined;

  /** Seeds the generator; any 32-bit integer (other numbers are truncated). */
  constructor(seed = 0) {
    let x = seed >>> 0;
    for (let i = 0; i < 4; i++) {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      this.#s[i] = (z ^ (z >>> 16)) >>> 0;
    }
    if ((this.#s[0] | this.#s[1] | this.#s[2] | this.#s[3]) === 0) this.#s[0] = 1;
  }

  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const s = this.#s;
    const result = Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1] << 9) >>> 0;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** A uniform number in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** A uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** A standard normal number (Box–Muller). */
  normal(): number {
    if (this.#spare !== undefined) {
      const v = this.#spare;
      this.#spare = undefined;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.#spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** An exponential number with the given rate. */
  exponential(rate: number): number {
    let u = 0;
    while (u === 0) u = this.next();
    return -Math.log(u) / rate;
  }

  /** A new generator seeded from this one (for independent sub-streams). */
  fork(): Random {
    return new Random(this.nextUint32());
  }

  /** The state, to save in a checkpoint. */
  getState(): number[] {
    return [...this.#s, this.#spare === undefined ? NaN : this.#spare];
  }

  /** Restores a state from {@linkcode getState}. */
  setState(state: number[]): void {
    if (state.length !== 5) throw new Error("random state must have 5 numbers");
    for (let i = 0; i < 4; i++) this.#s[i] = state[i] >>> 0;
    this.#spare = Number.isNaN(state[4]) || state[4] === null ? undefined : state[4];
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/**
 * A seed derived from a root seed and a label (FNV-1a over the label, mixed with the seed), so each part
 * of a run (`"env"`, `"encoder"`, `"policy"`, …) gets its own reproducible stream.
 */
export function deriveSeed(seed: number, label: string): number {
  let h = (0x811c9dc5 ^ (seed >>> 0)) >>> 0;
  for (let i = 0; i < label.length; i++) {
    h ^= label.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d) >>> 0;
  return (h ^ (h >>> 12)) >>> 0;
}
