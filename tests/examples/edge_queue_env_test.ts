import { deepEqual as assertEquals } from "node:assert/strict";
import { checkEnvironment, createEnvironment, loadPipeline } from "../../mod.ts";

Deno.test("the example third-party environment, loaded by path from its pipeline, passes checkEnvironment", async () => {
  const loaded = await loadPipeline(
    new URL("../../examples/pipelines/custom-env.json", import.meta.url).pathname,
  );
  assertEquals(loaded.plugin("environment", loaded.config.env).name, "edge-queue");
  const env = await createEnvironment(loaded, { episodeLength: 10 });
  assertEquals(env.spec.nodes.map((n) => n.id), ["edge-0", "edge-1", "cloud"]);
  const findings = await checkEnvironment(env);
  assertEquals(findings.filter((f) => !f.ok), []);
  assertEquals(findings.length, 10);
});
