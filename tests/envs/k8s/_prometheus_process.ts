/** Starts the real `prometheus` binary on loopback with its own config and data folder in a temp dir. */

/** A running Prometheus. */
export interface PrometheusProcess {
  url: string;
  stop(): Promise<void>;
}

/** True when the `prometheus` binary runs; under `CI=true` a missing binary is an error instead. */
export async function prometheusAvailable(): Promise<boolean> {
  try {
    const out = await new Deno.Command("prometheus", { args: ["--version"], stdout: "null", stderr: "null" })
      .output();
    if (out.success) return true;
  } catch {
    // not installed
  }
  if (Deno.env.get("CI") === "true") {
    throw new Error("the prometheus binary is missing: apt-get install -y prometheus");
  }
  console.warn(
    "%cSKIPPED: the Prometheus tests need the prometheus binary (apt-get install -y prometheus)",
    "color: yellow",
  );
  return false;
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  listener.close();
  return port;
}

/** Starts Prometheus scraping `targets` (host:port) every second; resolves once it is ready. */
export async function startPrometheus(targets: string[]): Promise<PrometheusProcess> {
  const dir = await Deno.makeTempDir({ prefix: "k8s-prometheus-" });
  const config = [
    "global:",
    "  scrape_interval: 1s",
    "  evaluation_interval: 1s",
    "scrape_configs:",
    "  - job_name: exporter",
    "    scrape_interval: 1s",
    "    scrape_timeout: 900ms",
    "    static_configs:",
    `      - targets: [${targets.map((t) => JSON.stringify(t)).join(", ")}]`,
  ].join("\n");
  await Deno.writeTextFile(`${dir}/prometheus.yml`, config);
  const port = freePort();
  const child = new Deno.Command("prometheus", {
    args: [
      `--config.file=${dir}/prometheus.yml`,
      `--storage.tsdb.path=${dir}/data`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--log.level=warn",
    ],
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const stderr = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let log = "";
  const drain = (async () => {
    for (;;) {
      const { value, done } = await stderr.read();
      if (done) break;
      log += value;
    }
  })();
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    try {
      child.kill("SIGTERM");
    } catch {
      // already gone
    }
    await child.status;
    await drain;
    await Deno.remove(dir, { recursive: true });
  };
  const deadline = Date.now() + 15000;
  for (;;) {
    try {
      const r = await fetch(`${url}/-/ready`);
      await r.body?.cancel();
      if (r.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`prometheus did not become ready: ${log.slice(-500)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { url, stop };
}
