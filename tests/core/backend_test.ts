import { deepEqual as assertEquals, ok as assert, rejects } from "node:assert/strict";
import { InputError, useBackend } from "../../core/mod.ts";

Deno.test("backend: wasm is the default and computes", async () => {
  const tf = await useBackend("wasm");
  assertEquals(tf.getBackend(), "wasm");
  assertEquals(Array.from(tf.tidy(() => tf.tensor1d([1, 2, 3]).sum().dataSync())), [6]);
});

for (const name of ["tensorflow", "tensorflow-gpu"] as const) {
  Deno.test(`backend: "${name}" without its native library says how to install it`, async () => {
    const pkg = name === "tensorflow" ? "@tensorflow/tfjs-node" : "@tensorflow/tfjs-node-gpu";
    await rejects(() => useBackend(name), (e: Error) => {
      assert(e instanceof InputError);
      assert(e.message.includes(`deno install --allow-scripts=npm:${pkg}`), e.message);
      assert(e.message.startsWith(`backend "${name}" needs ${pkg}`), e.message);
      return true;
    });
    const tf = await useBackend("wasm");
    assertEquals(tf.getBackend(), "wasm");
  });
}
