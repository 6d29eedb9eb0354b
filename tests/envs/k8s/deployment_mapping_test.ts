import { deepEqual, equal, throws } from "node:assert/strict";
import { DeploymentMapping } from "../../../envs/k8s/deployment_mapping.ts";

const base = {
  nodes: ["edge-0", "cloud"],
  services: ["web", "api"],
  namespace: "shop",
  pattern: "{service}-{node}",
};

Deno.test("deployment mapping: pattern, table overrides, not-hosted entries and reverse lookup", () => {
  const m = new DeploymentMapping({
    ...base,
    table: { cloud: { api: "backend/api-main", web: null } },
    allowedNamespaces: ["shop", "backend"],
  });
  deepEqual(m.get(0, 0), { namespace: "shop", name: "web-edge-0" });
  deepEqual(m.get(0, 1), { namespace: "shop", name: "api-edge-0" });
  equal(m.get(1, 0), undefined);
  deepEqual(m.get(1, 1), { namespace: "backend", name: "api-main" });
  deepEqual(m.find("backend", "api-main"), { node: 1, service: 1 });
  deepEqual(m.find(undefined, "api-edge-0"), { node: 0, service: 1 });
  equal(m.find("shop", "api-main"), undefined);
  deepEqual(m.namespaces(), ["backend", "shop"]);
  equal(m.entries().length, 3);
});

Deno.test("deployment mapping: per-node namespaces through the pattern", () => {
  const m = new DeploymentMapping({
    ...base,
    pattern: "site-{node}/{service}",
    allowedNamespaces: ["site-edge-0", "site-cloud"],
  });
  deepEqual(m.get(1, 0), { namespace: "site-cloud", name: "web" });
});

Deno.test("deployment mapping: refuses other namespaces, bad names, unknown keys and duplicates", () => {
  throws(
    () => new DeploymentMapping({ ...base, table: { "edge-0": { web: "default/web" } } }),
    /deployments\.edge-0\.web: namespace "default" is not allowed \(allowedNamespaces: shop\)/,
  );
  throws(
    () => new DeploymentMapping({ ...base, pattern: "{service}_{node}" }),
    /"web_edge-0" is not a valid deployment name/,
  );
  throws(
    () =>
      new DeploymentMapping({
        ...base,
        nodes: ["Edge"],
        pattern: "{node}/{service}",
        allowedNamespaces: ["Edge"],
      }),
    /"Edge" is not a valid namespace/,
  );
  throws(() => new DeploymentMapping({ ...base, table: { mars: {} } }), /unknown node "mars"/);
  throws(() => new DeploymentMapping({ ...base, table: { cloud: { db: "db" } } }), /unknown service "db"/);
  throws(
    () => new DeploymentMapping({ ...base, pattern: "{service}" }),
    /deployment shop\/web is mapped twice/,
  );
  throws(
    () => new DeploymentMapping({ ...base, pattern: "a/b/{service}" }),
    /is not "name" or "namespace\/name"/,
  );
});
