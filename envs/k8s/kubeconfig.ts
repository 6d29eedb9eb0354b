/**
 * Credentials for the Kubernetes API: from a kubeconfig file (bearer token, token file, client
 * certificate and key, cluster CA) or from the in-cluster service account
 * (`/var/run/secrets/kubernetes.io/serviceaccount`). Errors name the file and field and never quote a
 * secret.
 *
 * @module
 */
import { parse as parseYaml, YAMLParseError } from "yaml";
import { InputError } from "../../core/errors.ts";
import { _pathExists } from "../../core/_path_exists.ts";

/** How to reach and authenticate to one API server. */
export interface KubeCredentials {
  /** API server URL, e.g. `https://10.0.0.1:6443`. */
  server: string;
  /** Bearer token, when given inline. */
  token?: string;
  /** File holding the bearer token, re-read as it rotates (in-cluster tokens do). */
  tokenFile?: string;
  /** PEM of the CA that signed the server's certificate (else the system's roots). */
  caCert?: string;
  /** PEM client certificate (with `clientKey`). */
  clientCert?: string;
  /** PEM client private key. */
  clientKey?: string;
  /** The context's or service account's namespace, when known. */
  namespace?: string;
  /** Where these came from, for messages (never a secret). */
  source: string;
}

/** Default folder of the in-cluster service account. */
export const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

/** Options of {@linkcode resolveKubeCredentials}. */
export interface CredentialOptions {
  /** `auto` (default): the kubeconfig if one is named, else in-cluster when running in a pod, else `$KUBECONFIG` or `~/.kube/config`. */
  credentials?: "auto" | "kubeconfig" | "in-cluster";
  /** Kubeconfig path. */
  kubeconfig?: string;
  /** Context to use instead of `current-context`. */
  context?: string;
  /** Service-account folder (tests point it elsewhere). */
  serviceAccountDir?: string;
  /** Reads an environment variable (default `Deno.env.get`). */
  env?: (name: string) => string | undefined;
}

/** Picks and loads credentials as {@linkcode CredentialOptions.credentials} says. */
export async function resolveKubeCredentials(options: CredentialOptions = {}): Promise<KubeCredentials> {
  const env = options.env ?? ((name: string) => Deno.env.get(name));
  const mode = options.credentials ?? "auto";
  const saDir = options.serviceAccountDir ?? SERVICE_ACCOUNT_DIR;
  if (mode === "in-cluster") return await loadInClusterCredentials({ dir: saDir, env });
  let path = options.kubeconfig;
  if (
    path === undefined && mode === "auto" && env("KUBERNETES_SERVICE_HOST") &&
    await _pathExists(`${saDir}/token`)
  ) {
    return await loadInClusterCredentials({ dir: saDir, env });
  }
  if (path === undefined) {
    const fromEnv = env("KUBECONFIG")?.split(":").find((p) => p.length > 0);
    const home = env("HOME");
    path = fromEnv ?? (home ? `${home}/.kube/config` : undefined);
  }
  if (path === undefined) {
    throw new InputError("kubernetes.kubeconfig: no kubeconfig given, $KUBECONFIG and $HOME are unset");
  }
  return await loadKubeconfig(path, { context: options.context });
}

/** Loads the service account's token file, CA and namespace, and the API address from the environment. */
export async function loadInClusterCredentials(
  options: { dir?: string; env?: (name: string) => string | undefined } = {},
): Promise<KubeCredentials> {
  const dir = options.dir ?? SERVICE_ACCOUNT_DIR;
  const env = options.env ?? ((name: string) => Deno.env.get(name));
  const host = env("KUBERNETES_SERVICE_HOST");
  const port = env("KUBERNETES_SERVICE_PORT") ?? "443";
  if (!host) {
    throw new InputError(
      "kubernetes.credentials is in-cluster but KUBERNETES_SERVICE_HOST is unset (not running in a pod?)",
    );
  }
  const tokenFile = `${dir}/token`;
  if (!await _pathExists(tokenFile)) {
    throw new InputError(`in-cluster credentials: ${tokenFile} is missing (is a service account mounted?)`);
  }
  const caFile = `${dir}/ca.crt`;
  const caCert = await _pathExists(caFile) ? await Deno.readTextFile(caFile) : undefined;
  const nsFile = `${dir}/namespace`;
  const namespace = await _pathExists(nsFile) ? (await Deno.readTextFile(nsFile)).trim() : undefined;
  const bracketed = host.includes(":") ? `[${host}]` : host;
  return {
    server: `https://${bracketed}:${port}`,
    tokenFile,
    caCert,
    namespace,
    source: `service account ${dir}`,
  };
}

/**
 * Loads the cluster, user and namespace of a kubeconfig's context (`current-context` unless `context` is
 * given). Supports `token`, `tokenFile`, `client-certificate(-data)`, `client-key(-data)` and
 * `certificate-authority(-data)`; relative paths resolve against the file's folder. `exec`,
 * `auth-provider`, basic auth and `insecure-skip-tls-verify` are refused with an {@linkcode InputError}.
 */
export async function loadKubeconfig(
  path: string,
  options: { context?: string } = {},
): Promise<KubeCredentials> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    throw new InputError(`kubeconfig ${path}: cannot read it (${(error as Error).name})`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (error) {
    // The YAML library quotes the offending line, which may hold a token: say only where.
    const where = error instanceof YAMLParseError && error.linePos
      ? ` at line ${error.linePos[0].line}, column ${error.linePos[0].col}`
      : "";
    const code = error instanceof YAMLParseError ? ` (${error.code})` : "";
    throw new InputError(`kubeconfig ${path}: not valid YAML${where}${code}`);
  }
  const root = asObject(doc, `kubeconfig ${path}`);
  const contextName = options.context ?? str(root["current-context"]);
  if (!contextName) throw new InputError(`kubeconfig ${path}: no current-context and no context given`);
  const context = asObject(
    named(root.contexts, { name: contextName, where: `kubeconfig ${path}: contexts` }).context,
    `kubeconfig ${path}: contexts[${contextName}].context`,
  );
  const clusterName = str(context.cluster);
  const userName = str(context.user);
  const where = `kubeconfig ${path}`;
  if (!clusterName) throw new InputError(`${where}: contexts[${contextName}].context.cluster is missing`);
  const cluster = asObject(
    named(root.clusters, { name: clusterName, where: `${where}: clusters` }).cluster,
    `${where}: clusters[${clusterName}].cluster`,
  );
  const user = userName
    ? asObject(
      named(root.users, { name: userName, where: `${where}: users` }).user ?? {},
      `${where}: users[${userName}].user`,
    )
    : {};
  const clusterField = `${where}: clusters[${clusterName}].cluster`;
  const userField = `${where}: users[${userName}].user`;
  const server = str(cluster.server);
  if (!server || !/^https?:\/\/[^/]/.test(server)) {
    throw new InputError(`${clusterField}.server must be an http(s) URL`);
  }
  if (cluster["insecure-skip-tls-verify"] === true) {
    throw new InputError(
      `${clusterField}.insecure-skip-tls-verify is not supported: give certificate-authority(-data) instead`,
    );
  }
  for (const unsupported of ["exec", "auth-provider", "username", "password"]) {
    if (user[unsupported] !== undefined) {
      throw new InputError(
        `${userField}.${unsupported} is not supported: use a token, a token file or a client certificate`,
      );
    }
  }
  const dir = path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : ".";
  const caCert = await pem(cluster, { field: "certificate-authority", dir, where: clusterField });
  const clientCert = await pem(user, { field: "client-certificate", dir, where: userField });
  const clientKey = await pem(user, { field: "client-key", dir, where: userField });
  if ((clientCert === undefined) !== (clientKey === undefined)) {
    throw new InputError(`${userField}: client-certificate and client-key must be given together`);
  }
  const tokenFile = str(user.tokenFile);
  return {
    server: server.replace(/\/+$/, ""),
    token: str(user.token),
    tokenFile: tokenFile ? resolve(dir, tokenFile) : undefined,
    caCert,
    clientCert,
    clientKey,
    namespace: str(context.namespace),
    source: `${where} (context ${contextName})`,
  };
}

async function pem(
  object: Record<string, unknown>,
  options: { field: string; dir: string; where: string },
): Promise<string | undefined> {
  const data = str(object[`${options.field}-data`]);
  if (data) {
    try {
      return new TextDecoder().decode(
        Uint8Array.from(atob(data.replace(/\s+/g, "")), (c) => c.charCodeAt(0)),
      );
    } catch {
      throw new InputError(`${options.where}.${options.field}-data is not valid base64`);
    }
  }
  const file = str(object[options.field]);
  if (!file) return undefined;
  const full = resolve(options.dir, file);
  try {
    return await Deno.readTextFile(full);
  } catch (error) {
    throw new InputError(`${options.where}.${options.field}: cannot read ${full} (${(error as Error).name})`);
  }
}

function named(list: unknown, { name, where }: { name: string; where: string }): Record<string, unknown> {
  if (!Array.isArray(list)) throw new InputError(`${where} is missing or not a list`);
  const entry = list.find((e) => typeof e === "object" && e !== null && e.name === name);
  if (!entry) {
    const names = list.map((e) => JSON.stringify(e?.name)).join(", ");
    throw new InputError(`${where}: no entry named ${JSON.stringify(name)} (found ${names || "none"})`);
  }
  return entry;
}

function asObject(value: unknown, where: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new InputError(`${where} must be a mapping`);
  }
  return value as Record<string, unknown>;
}

function str(value: unknown): string | undefined {
  return typeof value === "string" && value.length > 0 ? value : undefined;
}

function resolve(dir: string, file: string): string {
  return file.startsWith("/") ? file : `${dir}/${file}`;
}
