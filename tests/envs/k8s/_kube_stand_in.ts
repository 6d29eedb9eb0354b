/** A Kubernetes API stand-in on loopback: deployments and their scale subresource, real shapes and codes. */
import { Delays } from "./_delays.ts";

/** A deployment the stand-in holds. */
export interface FakeDeployment {
  replicas: number;
  readyReplicas?: number;
  cpu?: string;
}

/** A request the stand-in saw. */
export interface SeenRequest {
  method: string;
  path: string;
  contentType: string | null;
  authorization: string | null;
  body: string;
}

/** Options of {@linkcode startKubeStandIn}. */
export interface KubeStandInOptions {
  /** `namespace/name` → deployment. */
  deployments: Record<string, FakeDeployment>;
  /** The bearer token that is allowed. */
  token: string;
  /** A token that authenticates but is not authorised (403). */
  forbiddenToken?: string;
  /** TLS certificate and key (PEM) for HTTPS. */
  tls?: { cert: string; key: string };
  /** Echo the Authorization header in 401 bodies (a careless server), to test redaction. */
  echoAuthorization?: boolean;
}

/** A running stand-in. */
export interface KubeStandIn {
  url: string;
  requests: SeenRequest[];
  deployments: Record<string, FakeDeployment>;
  /** Statuses the next requests answer with before being served normally (consumed in order). */
  failNext: number[];
  /** Milliseconds every answer is delayed. */
  delayMs: number;
  close(): Promise<void>;
}

const SCALE = /^\/apis\/apps\/v1\/namespaces\/([a-z0-9-]+)\/deployments\/([a-z0-9.-]+)(\/scale)?$/;

function status(code: number, { reason, message }: { reason: string; message: string }): Response {
  return Response.json(
    { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason, code },
    { status: code },
  );
}

/** Starts the stand-in on 127.0.0.1 (a free port). */
export function startKubeStandIn(options: KubeStandInOptions): KubeStandIn {
  const aborts = new AbortController();
  const delays = new Delays();
  const state: KubeStandIn = {
    url: "",
    requests: [],
    deployments: options.deployments,
    failNext: [],
    delayMs: 0,
    async close() {
      delays.release();
      aborts.abort();
      await server.finished;
    },
  };
  const handler = async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    const body = request.method === "PATCH" ? await request.text() : "";
    state.requests.push({
      method: request.method,
      path: url.pathname,
      contentType: request.headers.get("content-type"),
      authorization: request.headers.get("authorization"),
      body,
    });
    if (state.delayMs > 0) await delays.wait(state.delayMs);
    const auth = request.headers.get("authorization");
    if (auth !== `Bearer ${options.token}` && auth !== `Bearer ${options.forbiddenToken}`) {
      const echo = options.echoAuthorization ? ` (got ${auth})` : "";
      return status(401, { reason: "Unauthorized", message: `Unauthorized${echo}` });
    }
    const failure = state.failNext.shift();
    if (failure !== undefined) {
      const reason = failure === 409 ? "Conflict" : failure === 429 ? "TooManyRequests" : "InternalError";
      const headers = failure === 429 ? { "retry-after": "0" } : undefined;
      const echo = options.echoAuthorization ? ` (got ${auth})` : "";
      const r = status(failure, { reason: reason, message: `injected ${failure}${echo}` });
      return new Response(r.body, {
        status: failure,
        headers: { ...headers, "content-type": "application/json" },
      });
    }
    const m = SCALE.exec(url.pathname);
    if (!m) {
      return status(404, { reason: "NotFound", message: "the server could not find the requested resource" });
    }
    const [, ns, name, scale] = m;
    if (auth === `Bearer ${options.forbiddenToken}`) {
      const verb = request.method === "PATCH" ? "patch" : "get";
      return status(403, {
        reason: "Forbidden",
        message:
          `deployments.apps "${name}" is forbidden: User "system:serviceaccount:${ns}:agent" cannot ${verb} resource "deployments${
            scale ? "/scale" : ""
          }" in API group "apps" in the namespace "${ns}"`,
      });
    }
    const d = state.deployments[`${ns}/${name}`];
    if (!d) return status(404, { reason: "NotFound", message: `deployments.apps "${name}" not found` });
    if (request.method === "PATCH") {
      if (!scale) {
        return status(405, {
          reason: "MethodNotAllowed",
          message: "only the scale subresource is patched here",
        });
      }
      const type = request.headers.get("content-type") ?? "";
      if (!type.startsWith("application/merge-patch+json")) {
        return status(415, {
          reason: "UnsupportedMediaType",
          message:
            `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml`,
        });
      }
      let patch: { spec?: { replicas?: unknown } };
      try {
        patch = JSON.parse(body);
      } catch {
        return status(400, { reason: "BadRequest", message: "error decoding patch" });
      }
      const replicas = patch.spec?.replicas;
      if (typeof replicas !== "number" || !Number.isInteger(replicas) || replicas < 0) {
        return status(422, {
          reason: "Invalid",
          message: `Scale.autoscaling "${name}" is invalid: spec.replicas`,
        });
      }
      d.replicas = replicas;
    } else if (request.method !== "GET") {
      return status(405, { reason: "MethodNotAllowed", message: "method not allowed" });
    }
    const metadata = { name, namespace: ns, uid: `uid-${name}`, resourceVersion: "1001" };
    if (scale) {
      return Response.json({
        kind: "Scale",
        apiVersion: "autoscaling/v1",
        metadata,
        spec: d.replicas === 0 ? {} : { replicas: d.replicas },
        status: { replicas: d.replicas, selector: `app=${name}` },
      });
    }
    return Response.json({
      kind: "Deployment",
      apiVersion: "apps/v1",
      metadata,
      spec: {
        replicas: d.replicas,
        selector: { matchLabels: { app: name } },
        template: {
          metadata: { labels: { app: name } },
          spec: {
            containers: [{
              name: "server",
              image: "x",
              resources: d.cpu ? { requests: { cpu: d.cpu } } : {},
            }],
          },
        },
      },
      status: { replicas: d.replicas, readyReplicas: d.readyReplicas ?? d.replicas },
    });
  };
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    signal: aborts.signal,
    onListen: () => {},
    ...(options.tls ? { cert: options.tls.cert, key: options.tls.key } : {}),
  }, handler);
  state.url = `${options.tls ? "https" : "http"}://127.0.0.1:${server.addr.port}`;
  return state;
}
/** Makes a CA, a server certificate for 127.0.0.1 and a client certificate with `openssl`, in `dir`. */
export async function makeCertificates(
  dir: string,
): Promise<Record<"ca" | "serverCert" | "serverKey" | "clientCert" | "clientKey", string>> {
  const run = async (...args: string[]) => {
    const out = await new Deno.Command("openssl", { args, cwd: dir, stdout: "null", stderr: "piped" })
      .output();
    if (!out.success) throw new Error(`openssl ${args[0]} failed: ${new TextDecoder().decode(out.stderr)}`);
  };
  await Deno.writeTextFile(`${dir}/server.ext`, "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
  await Deno.writeTextFile(`${dir}/client.ext`, "extendedKeyUsage=clientAuth\n");
  await run(
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    "ca.key",
    "-out",
    "ca.crt",
    "-days",
    "2",
    "-subj",
    "/CN=test-ca",
  );
  for (const who of ["server", "client"]) {
    const cn = who === "server" ? "/CN=127.0.0.1" : "/CN=agent/O=autoscalers";
    await run(
      "req",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      `${who}.key`,
      "-out",
      `${who}.csr`,
      "-subj",
      cn,
    );
    await run(
      "x509",
      "-req",
      "-in",
      `${who}.csr`,
      "-CA",
      "ca.crt",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-out",
      `${who}.crt`,
      "-days",
      "2",
      "-extfile",
      `${who}.ext`,
    );
  }
  const read = (f: string) => Deno.readTextFile(`${dir}/${f}`);
  return {
    ca: await read("ca.crt"),
    serverCert: await read("server.crt"),
    serverKey: await read("server.key"),
    clientCert: await read("client.crt"),
    clientKey: await read("client.key"),
  };
}
