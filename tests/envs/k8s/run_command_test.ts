/**
 * `cli.ts run` end to end: the HPA drives the k8s environment against the API stand-in (credentials from
 * a kubeconfig) and a canned Prometheus; SIGTERM finishes the step in flight and exits 0.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { startFakePrometheus, vector } from "./_fake_prometheus.ts";
import { startKubeStandIn } from "./_kube_stand_in.ts";

const ROOT = new URL("../../../", import.meta.url).pathname;
const TOKEN = "run-command-token-99";

Deno.test("deno task run: scales through the k8s environment and stops cleanly on SIGTERM", async () => {
  const dir = await Deno.makeTempDir({ prefix: "k8s-run-" });
  const api = startKubeStandIn({
    token: TOKEN,
    deployments: { "shop/web-edge-0": { replicas: 2, cpu: "500m" } },
  });
  // CPU at 1.2 of the request with 2 ready replicas: the HPA asks for ceil(2 · 1.2 / 0.6) = 4.
  const prom = startFakePrometheus((q) => ({
    body: q.includes("container_cpu_usage_seconds_total") ? vector(1.2) : vector(1),
  }));
  try {
    await Deno.writeTextFile(
      `${dir}/kubeconfig`,
      [
        "current-context: test",
        "contexts: [{name: test, context: {cluster: stand-in, user: agent}}]",
        `clusters: [{name: stand-in, cluster: {server: "${api.url}"}}]`,
        `users: [{name: agent, user: {token: ${TOKEN}}}]`,
      ].join("\n"),
    );
    await Deno.writeTextFile(
      `${dir}/pipeline.json`,
      JSON.stringify({
        name: "run-test",
        env: {
          plugin: "k8s",
          options: {
            nodes: [{ id: "edge-0", capacity: 8 }],
            services: ["web"],
            namespace: "shop",
            stepSeconds: 0.2,
            prometheus: { url: prom.url },
            kubernetes: { credentials: "kubeconfig", kubeconfig: "kubeconfig" },
            retry: { attempts: 1, timeoutMs: 2000 },
          },
        },
        policy: { plugin: "hpa", options: { target: 0.6 } },
      }),
    );
    const child = new Deno.Command(Deno.execPath(), {
      // Through `deno task run` exactly as users start it: the task runner must pass SIGTERM on.
      args: ["task", "--quiet", "run", `${dir}/pipeline.json`],
      cwd: ROOT,
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const lines: string[] = [];
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    let signalled = false;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      const parts = buffer.split("\n");
      buffer = parts.pop()!;
      for (const line of parts.filter((l) => l.startsWith("{"))) {
        lines.push(line);
        if (!signalled && JSON.parse(line).step === 1) {
          child.kill("SIGTERM");
          signalled = true;
        }
      }
    }
    const [status, stderr] = await Promise.all([
      child.status,
      new Response(child.stderr).text(),
    ]);
    equal(status.code, 0, stderr);
    ok(!stderr.includes(TOKEN) && !lines.some((l) => l.includes(TOKEN)));
    const records = lines.map((l) => JSON.parse(l));
    const steps = records.filter((r) => r.step !== undefined);
    ok(steps.length >= 1 && steps.length <= 2, `${steps.length} steps after SIGTERM`);
    deepEqual(steps[0].desired, { "edge-0": { web: 4 } });
    equal(steps[0].replicas["edge-0"].web, 4);
    // The step in flight when SIGTERM arrived was finished and applied.
    equal(api.deployments["shop/web-edge-0"].replicas, steps.at(-1).replicas["edge-0"].web);
    deepEqual(records.at(-1), { event: "stopped", steps: steps.length, stoppedBy: "signal" });
  } finally {
    await api.close();
    await prom.close();
    await Deno.remove(dir, { recursive: true });
  }
});
