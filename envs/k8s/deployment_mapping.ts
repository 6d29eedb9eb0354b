/**
 * Which Kubernetes deployment runs each (node, service): a name pattern such as `{service}-{node}`,
 * optionally overridden by an explicit table, each entry `name` or `namespace/name`. Every deployment must
 * live in an allowed namespace: anything else is refused when the mapping is made.
 *
 * @module
 */
import { InputError } from "../../core/errors.ts";

/** A deployment by namespace and name. */
export interface DeploymentRef {
  /** Namespace. */
  namespace: string;
  /** Deployment name. */
  name: string;
}

/** Options of {@linkcode DeploymentMapping}. */
export interface DeploymentMappingOptions {
  /** Node ids, in the environment's order. */
  nodes: readonly string[];
  /** Service names, in the environment's order. */
  services: readonly string[];
  /** Namespace of names without one. */
  namespace: string;
  /** Pattern with `{service}`, `{node}` and `{namespace}`; may start with `namespace/`. */
  pattern: string;
  /** Node → service → `name`, `namespace/name`, or `null` when the node does not host the service. */
  table?: Record<string, Record<string, string | null>>;
  /** The only namespaces a deployment may be in (default: just `namespace`). */
  allowedNamespaces?: readonly string[];
}

const NAMESPACE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

/** The (node, service) → deployment map, checked against the namespace allow-list. */
export class DeploymentMapping {
  #refs: (DeploymentRef | undefined)[];
  #byKey = new Map<string, { node: number; service: number }>();
  #services: number;

  /** Builds and checks the map; a bad name, unknown key or forbidden namespace is an {@linkcode InputError}. */
  constructor(options: DeploymentMappingOptions) {
    const { nodes, services } = options;
    this.#services = services.length;
    const allowed = new Set(options.allowedNamespaces ?? [options.namespace]);
    for (const [node, row] of Object.entries(options.table ?? {})) {
      if (!nodes.includes(node)) {
        throw new InputError(`deployments: unknown node "${node}" (nodes: ${nodes.join(", ")})`);
      }
      for (const service of Object.keys(row)) {
        if (!services.includes(service)) {
          throw new InputError(
            `deployments.${node}: unknown service "${service}" (services: ${services.join(", ")})`,
          );
        }
      }
    }
    this.#refs = [];
    for (const node of nodes) {
      for (const service of services) {
        const row = options.table?.[node];
        const fromTable = row !== undefined && service in row;
        const where = fromTable
          ? `deployments.${node}.${service}`
          : `deploymentPattern (node "${node}", service "${service}")`;
        const entry = fromTable
          ? row[service]
          : options.pattern.replaceAll("{service}", service).replaceAll("{node}", node)
            .replaceAll("{namespace}", options.namespace);
        if (entry === null) {
          this.#refs.push(undefined);
          continue;
        }
        const ref = parseRef(entry, { namespace: options.namespace, where });
        if (!allowed.has(ref.namespace)) {
          throw new InputError(
            `${where}: namespace "${ref.namespace}" is not allowed (allowedNamespaces: ${
              [...allowed].join(", ")
            })`,
          );
        }
        const key = `${ref.namespace}/${ref.name}`;
        if (this.#byKey.has(key)) throw new InputError(`${where}: deployment ${key} is mapped twice`);
        this.#byKey.set(key, { node: nodes.indexOf(node), service: services.indexOf(service) });
        this.#refs.push(ref);
      }
    }
  }

  /** The deployment of (node index, service index), or `undefined` when the node does not host it. */
  get(node: number, service: number): DeploymentRef | undefined {
    return this.#refs[node * this.#services + service];
  }

  /** The (node, service) a deployment maps to; without a namespace, the first deployment of that name. */
  find(namespace: string | undefined, name: string): { node: number; service: number } | undefined {
    if (namespace) return this.#byKey.get(`${namespace}/${name}`);
    for (const [key, value] of this.#byKey) if (key.slice(key.indexOf("/") + 1) === name) return value;
    return undefined;
  }

  /** Every mapped deployment with its node and service indices. */
  entries(): { node: number; service: number; ref: DeploymentRef }[] {
    const out: { node: number; service: number; ref: DeploymentRef }[] = [];
    this.#refs.forEach((ref, i) => {
      if (ref) out.push({ node: Math.floor(i / this.#services), service: i % this.#services, ref });
    });
    return out;
  }

  /** The namespaces of the mapped deployments, sorted. */
  namespaces(): string[] {
    return [...new Set(this.entries().map((e) => e.ref.namespace))].sort();
  }
}

function parseRef(entry: string, options: { namespace: string; where: string }): DeploymentRef {
  const parts = entry.split("/");
  if (parts.length > 2) {
    throw new InputError(`${options.where}: "${entry}" is not "name" or "namespace/name"`);
  }
  const [namespace, name] = parts.length === 2 ? parts : [options.namespace, parts[0]];
  if (!NAMESPACE.test(namespace)) {
    throw new InputError(`${options.where}: "${namespace}" is not a valid namespace (lower-case DNS label)`);
  }
  if (!NAME.test(name)) {
    throw new InputError(`${options.where}: "${name}" is not a valid deployment name (lower-case DNS name)`);
  }
  return { namespace, name };
}
