/**
 * A small typed client of the three Kubernetes API calls the environment makes: read a deployment, and
 * read and patch its scale subresource. TLS with the cluster CA and client certificates goes through
 * `Deno.createHttpClient`; 409, 429, 5xx, time-outs and connection errors are retried with bounded
 * back-off; the bearer token never appears in an error.
 *
 * @module
 */
import { InputError, RuntimeError } from "../../core/errors.ts";
import type { Random } from "../../core/random.ts";
import type { KubeCredentials } from "./kubeconfig.ts";
import { Redactor } from "./redactor.ts";
import { DEFAULT_RETRY, requestWithRetry, type RetryOptions } from "./retry.ts";

/** One API call the client makes, in RBAC terms. */
export interface ApiCall {
  /** API group (`apps`). */
  apiGroup: string;
  /** Resource, with a subresource after a slash (`deployments/scale`). */
  resource: string;
  /** RBAC verb. */
  verb: string;
}

/** Every (group, resource, verb) {@linkcode KubeClient} uses: what its Role must grant, nothing more. */
export const K8S_API_CALLS: readonly ApiCall[] = [
  { apiGroup: "apps", resource: "deployments", verb: "get" },
  { apiGroup: "apps", resource: "deployments/scale", verb: "get" },
  { apiGroup: "apps", resource: "deployments/scale", verb: "patch" },
];

/** The `autoscaling/v1` Scale object of a deployment. */
export interface Scale {
  /** `Scale`. */
  kind: string;
  /** `autoscaling/v1`. */
  apiVersion: string;
  /** Name, namespace and version of the deployment. */
  metadata: { name: string; namespace: string; resourceVersion?: string };
  /** Desired replicas. */
  spec: { replicas: number };
  /** Observed replicas (pods) and the pods' label selector. */
  status: { replicas: number; selector?: string };
}

/** What the environment reads from a deployment. */
export interface DeploymentState {
  /** `spec.replicas`. */
  replicas: number;
  /** `status.readyReplicas` (0 when absent). */
  readyReplicas: number;
  /** CPU cores requested by one pod (sum over its containers); `undefined` when none request CPU. */
  cpuRequest?: number;
}

/** The API server answered with an error status. */
export class KubeApiError extends RuntimeError {
  /** HTTP status. */
  status: number;
  /** The `Status` object's `reason` (e.g. `NotFound`, `Forbidden`), or `""`. */
  reason: string;

  /** Makes the error. */
  constructor(message: string, options: { status: number; reason: string }) {
    super(message);
    this.name = "KubeApiError";
    this.status = options.status;
    this.reason = options.reason;
  }
}

/** Options of {@linkcode KubeClient}. */
export interface KubeClientOptions {
  /** Time-out and retries (default {@linkcode DEFAULT_RETRY}). */
  retry?: RetryOptions;
  /** Waits between tries (default: a timer). */
  sleep?: (ms: number) => Promise<void>;
  /** Jitter source for back-off. */
  random?: Random;
  /** Registers the token so logs elsewhere redact it too (default: a private one). */
  redactor?: Redactor;
  /** Told about each retried try (already redacted). */
  onRetry?: (message: string) => void;
}

/** Reads and scales deployments through one API server. */
export class KubeClient {
  #credentials: KubeCredentials;
  #options: KubeClientOptions;
  #redactor: Redactor;
  #http?: Deno.HttpClient;
  #token?: { value: string; readAt: number };

  /** Makes a client; `close` it to release its TLS client. */
  constructor(credentials: KubeCredentials, options: KubeClientOptions = {}) {
    this.#credentials = credentials;
    this.#options = options;
    this.#redactor = options.redactor ?? new Redactor();
    this.#redactor.add(credentials.token);
    this.#redactor.add(credentials.clientKey);
    if (credentials.caCert || credentials.clientCert) {
      try {
        this.#http = Deno.createHttpClient({
          caCerts: credentials.caCert ? [credentials.caCert] : undefined,
          cert: credentials.clientCert,
          key: credentials.clientKey,
        });
      } catch (error) {
        throw new InputError(`${credentials.source}: the CA or client certificate is not usable PEM`, {
          cause: this.#redactor.error(error),
        });
      }
    }
  }

  /** Reads `/apis/apps/v1/namespaces/{ns}/deployments/{name}/scale`. */
  async getScale(namespace: string, name: string): Promise<Scale> {
    return parseScale(await this.#call("GET", { namespace, name, scale: true }));
  }

  /** Sets the deployment's replicas with a JSON merge patch of its scale subresource. */
  async patchScale(namespace: string, name: string, replicas: number): Promise<Scale> {
    if (!Number.isInteger(replicas) || replicas < 0) {
      throw new RuntimeError(`refusing to scale ${namespace}/${name} to ${replicas} replicas`);
    }
    const body = JSON.stringify({ spec: { replicas } });
    return parseScale(await this.#call("PATCH", { namespace, name, scale: true, body }));
  }

  /** Reads a deployment's desired and ready replicas and its pods' CPU request. */
  async getDeployment(namespace: string, name: string): Promise<DeploymentState> {
    const d = await this.#call("GET", { namespace, name, scale: false }) as DeploymentJson | undefined;
    const replicas = Number(d?.spec?.replicas ?? 1);
    let cpu = 0, any = false;
    for (const c of d?.spec?.template?.spec?.containers ?? []) {
      const q = c?.resources?.requests?.cpu;
      if (q !== undefined) {
        cpu += parseCpuQuantity(String(q));
        any = true;
      }
    }
    return {
      replicas: Number.isFinite(replicas) ? replicas : 0,
      readyReplicas: Number(d?.status?.readyReplicas ?? 0) || 0,
      cpuRequest: any ? cpu : undefined,
    };
  }

  /** Releases the TLS client. */
  close(): void {
    this.#http?.close();
    this.#http = undefined;
  }

  async #call(
    method: "GET" | "PATCH",
    target: { namespace: string; name: string; scale: boolean; body?: string },
  ): Promise<unknown> {
    const path = `/apis/apps/v1/namespaces/${encodeURIComponent(target.namespace)}/deployments/${
      encodeURIComponent(target.name)
    }${target.scale ? "/scale" : ""}`;
    const what = `${method} ${
      target.scale ? "deployments/scale" : "deployments"
    } ${target.namespace}/${target.name}`;
    try {
      const headers: Record<string, string> = { accept: "application/json" };
      const token = await this.#bearer();
      if (token) headers.authorization = `Bearer ${token}`;
      if (method === "PATCH") headers["content-type"] = "application/merge-patch+json";
      const answer = await requestWithRetry(`${this.#credentials.server}${path}`, {
        init: { method, headers, body: target.body, client: this.#http },
        retry: this.#options.retry ?? DEFAULT_RETRY,
        retryOn: (status) => status === 409 || status === 429 || status >= 500,
        sleep: this.#options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
        random: this.#options.random,
        what,
        onRetry: (message) => this.#options.onRetry?.(this.#redactor.text(message)),
      });
      let json: unknown;
      try {
        json = JSON.parse(answer.body);
      } catch {
        json = undefined;
      }
      if (answer.status >= 200 && answer.status < 300 && json !== undefined) return json;
      const status = json as { message?: unknown; reason?: unknown } | undefined;
      const reason = typeof status?.reason === "string" ? status.reason : "";
      const detail = typeof status?.message === "string"
        ? status.message
        : answer.body.slice(0, 200) || "(empty body)";
      const tries = answer.attempts > 1 ? ` after ${answer.attempts} tries` : "";
      throw new KubeApiError(
        `${what}: HTTP ${answer.status}${reason ? ` ${reason}` : ""}${tries}: ${detail}`,
        {
          status: answer.status,
          reason,
        },
      );
    } catch (error) {
      throw this.#redactor.error(error);
    }
  }

  async #bearer(): Promise<string | undefined> {
    const { token, tokenFile } = this.#credentials;
    if (token) return token;
    if (!tokenFile) return undefined;
    const now = Date.now();
    if (!this.#token || now - this.#token.readAt > 60_000) {
      const value = (await Deno.readTextFile(tokenFile)).trim();
      this.#redactor.add(value);
      this.#token = { value, readAt: now };
    }
    return this.#token.value;
  }
}

/** Parses a Kubernetes CPU quantity (`500m`, `2`, `1.5`, `250000u`) into cores. */
export function parseCpuQuantity(text: string): number {
  const m = /^([0-9.]+)(n|u|m|k|M|G)?$/.exec(text.trim());
  if (!m || Number.isNaN(Number(m[1]))) {
    throw new RuntimeError(`CPU quantity ${JSON.stringify(text)} is not valid`);
  }
  const scale: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, k: 1e3, M: 1e6, G: 1e9 };
  return Number(m[1]) * (m[2] ? scale[m[2]] : 1);
}

interface DeploymentJson {
  spec?: {
    replicas?: number;
    template?: { spec?: { containers?: { resources?: { requests?: { cpu?: string | number } } }[] } };
  };
  status?: { readyReplicas?: number };
}

function parseScale(value: unknown): Scale {
  const s = value as Partial<Scale> | undefined;
  // `spec.replicas` is omitted (omitempty) when it is 0.
  const replicas = s?.spec?.replicas ?? 0;
  if (s?.kind !== "Scale" || typeof replicas !== "number" || typeof s.metadata?.name !== "string") {
    throw new RuntimeError(`not a Scale object: ${JSON.stringify(value)?.slice(0, 200)}`);
  }
  return {
    kind: s.kind,
    apiVersion: String(s.apiVersion),
    metadata: {
      name: s.metadata.name,
      namespace: String(s.metadata.namespace ?? ""),
      resourceVersion: s.metadata.resourceVersion,
    },
    spec: { replicas },
    status: { replicas: Number(s.status?.replicas ?? 0), selector: s.status?.selector },
  };
}
