/**
 * TensorFlow.js backends. `wasm` (the default) and `cpu` come with the pinned npm packages and work
 * offline; `tensorflow` and `tensorflow-gpu` load the native `@tensorflow/tfjs-node(-gpu)` bindings on
 * demand and, when they are not installed, fail with an error that says how to install them.
 *
 * TensorFlow.js is imported dynamically here, so importing `core/` never loads it.
 *
 * @module
 */
import { InputError } from "./errors.ts";

/** The backend names a pipeline may choose. */
export const BACKENDS = ["wasm", "cpu", "tensorflow", "tensorflow-gpu"] as const;

/** One of {@linkcode BACKENDS}. */
export type BackendName = typeof BACKENDS[number];

const NATIVE: Record<string, string> = {
  "tensorflow": "@tensorflow/tfjs-node",
  "tensorflow-gpu": "@tensorflow/tfjs-node-gpu",
};

/**
 * Makes `name` the active TensorFlow.js backend (production mode, no debug checks) and returns the tfjs
 * module. Throws an {@linkcode InputError} with install instructions when a native backend is missing.
 */
export async function useBackend(name: BackendName): Promise<typeof import("@tensorflow/tfjs")> {
  const tf = await import("@tensorflow/tfjs");
  tf.enableProdMode();
  if (name === "wasm") {
    await import("@tensorflow/tfjs-backend-wasm");
  } else if (name === "tensorflow" || name === "tensorflow-gpu") {
    const pkg = NATIVE[name];
    try {
      if (name === "tensorflow") await import("@tensorflow/tfjs-node");
      else await import("@tensorflow/tfjs-node-gpu");
    } catch (cause) {
      throw new InputError(
        `backend "${name}" needs ${pkg} with its native TensorFlow library, which is not installed ` +
          `(${firstLine(cause)}). On a machine that can download libtensorflow, run ` +
          `\`deno install --allow-scripts=npm:${pkg}\` in the project folder, or choose the backend ` +
          `"wasm" (the default) or "cpu".`,
        { cause },
      );
    }
  } else if (name !== "cpu") {
    throw new InputError(`unknown backend "${name}"; choose one of ${BACKENDS.join(", ")}`);
  }
  const backendName = name === "tensorflow" || name === "tensorflow-gpu" ? "tensorflow" : name;
  if (tf.getBackend() !== backendName) {
    const ok = await tf.setBackend(backendName);
    if (!ok) throw new InputError(`backend "${name}" could not be initialised`);
  }
  await tf.ready();
  return tf;
}

function firstLine(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.split("\n")[0].slice(0, 200);
}
