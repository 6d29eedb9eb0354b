import { deepEqual, equal, ok, rejects, throws } from "node:assert/strict";
import { InputError } from "../../../core/errors.ts";
import {
  buildCluster,
  BUILTIN_TOPOLOGIES,
  loadTopology,
  parseTopology,
  randomTopology,
  TOPOLOGY_NAMES,
} from "../../../envs/simulator/mod.ts";
import type { Topology } from "../../../envs/simulator/mod.ts";
import { svc, topology } from "./_helpers.ts";

const callees = (t: Topology, name: string) =>
  t.edges.filter((e) => t.services[e.from] === name).map((e) => t.services[e.to]);

Deno.test("built-in topologies: the call graphs of the issue, entries and names", async () => {
  deepEqual(TOPOLOGY_NAMES, [
    "online-boutique",
    "hotel-reservation",
    "social-network",
    "sock-shop",
    "cma-paper",
    "random",
  ]);
  const ob = await loadTopology("online-boutique");
  equal(ob.services[ob.entry], "frontend");
  deepEqual(callees(ob, "frontend"), [
    "productcatalog",
    "currency",
    "cart",
    "recommendation",
    "shipping",
    "checkout",
    "ad",
  ]);
  deepEqual(callees(ob, "checkout"), ["productcatalog", "shipping", "payment", "email", "currency", "cart"]);
  deepEqual(callees(ob, "recommendation"), ["productcatalog"]);
  deepEqual(callees(ob, "cart"), ["redis-cart"]);
  equal(ob.graph.size, 15);
  const hotel = await loadTopology("hotel-reservation");
  deepEqual(callees(hotel, "frontend"), [
    "search",
    "profile",
    "recommendation",
    "user",
    "reservation",
    "review",
    "attractions",
  ]);
  deepEqual(callees(hotel, "search"), ["geo", "rate"]);
  const social = await loadTopology("social-network");
  equal(social.services[social.entry], "nginx");
  deepEqual(callees(social, "compose-post"), [
    "post-storage",
    "user-timeline",
    "text",
    "user",
    "media",
    "home-timeline",
    "unique-id",
  ]);
  deepEqual(callees(social, "social-graph"), ["user"]);
  const sock = await loadTopology("sock-shop");
  deepEqual(callees(sock, "orders"), ["payment", "shipping"]);
  deepEqual(callees(sock, "shipping"), ["queue-master"]);
  for (const t of [ob, hotel, social, sock]) {
    ok(t.edges.every((e) => e.calls === 1 && !e.parallel), t.spec.name);
  }
});

Deno.test("cma-paper: 7 edge nodes of capacity 10, a cloud of 50, five services at 100 req/s", async () => {
  const t = await loadTopology("cma-paper");
  deepEqual(t.services, ["s0", "s1", "s2", "s3", "s4"]);
  deepEqual([...t.rates], [100, 100, 100, 100, 100]);
  deepEqual(t.edges.map((e) => `${t.services[e.from]}->${t.services[e.to]}`), [
    "s0->s1",
    "s0->s2",
    "s1->s3",
    "s2->s4",
  ]);
  deepEqual([t.spec.sloMs, t.spec.stepSeconds], [50, 15]);
  const cluster = buildCluster(t);
  deepEqual(cluster.nodes.map((n) => `${n.kind}:${n.capacity}`), [...Array(7).fill("edge:10"), "cloud:50"]);
  deepEqual([...cluster.loadShare].map((x) => Math.round(x * 7000) / 1000), [1, 1, 1, 1, 1, 1, 1, 0]);
  // edgeNodes given: a generated layout instead of the topology's own.
  equal(buildCluster(t, { edgeNodes: 2 }).nodes.length, 3);
});

Deno.test("cluster layouts: defaults, shortest-path routing distances and host restrictions", async () => {
  const t = await loadTopology("sock-shop");
  const c = buildCluster(t);
  deepEqual(c.nodes.map((n) => [n.id, n.kind, n.capacity]), [
    ["edge-0", "edge", 20],
    ["edge-1", "edge", 20],
    ["edge-2", "edge", 20],
    ["cloud", "cloud", 100],
  ]);
  deepEqual([...c.links.subarray(0, 4)], [0, 5, 5, 25]);
  const spec = topology({
    services: [svc("a"), svc("b")],
    edges: [{ from: "a", to: "b" }],
    cluster: {
      nodes: [{ id: "x", kind: "edge", capacity: 4 }, { id: "y", kind: "edge", capacity: 4 }, {
        id: "z",
        kind: "cloud",
        capacity: 9,
        services: ["b"],
      }],
      linksMs: [[0, 3, null], [3, 0, 10], [null, 10, 0]],
    },
  });
  const own = buildCluster(parseTopology(spec, "t"));
  deepEqual([...own.linkMask], [1, 1, 0, 1, 1, 1, 0, 1, 1]);
  equal(own.distance[2], 13, "x reaches z through y");
  deepEqual([...own.hosts], [1, 1, 1, 1, 0, 1]);
  throws(
    () => buildCluster(parseTopology(spec, "t"), { hosts: { w: ["a"] } }),
    /options\.hosts\.w: "w" is not a node/,
  );
  throws(
    () => buildCluster(parseTopology(spec, "t"), { loadSplit: [1] }),
    /options\.loadSplit must have one share per edge node \(2\)/,
  );
});

Deno.test("a topology file failing its schema is an InputError naming the file and the JSON path", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const write = async (json: unknown) => {
      const path = `${dir}/app.json`;
      await Deno.writeTextFile(path, JSON.stringify(json));
      return path;
    };
    const good = topology({ services: [svc("a"), svc("b")], edges: [{ from: "a", to: "b" }] });
    const path = await write(good);
    equal((await loadTopology("app.json", { baseDir: dir })).services.length, 2, "relative to baseDir");
    const cases: [unknown, RegExp][] = [
      [
        { ...good, services: [svc("a"), { name: "b", rate: -1, cpu: 1 }] },
        /app\.json: \/services\/1\/rate must be > 0/,
      ],
      [
        { ...good, edges: [{ from: "a", to: "b", calls: "two" }] },
        /app\.json: \/edges\/0\/calls must be number/,
      ],
      [{ ...good, extra: 1 }, /app\.json: \/extra is not a known field/],
      [{ ...good, entry: undefined }, /app\.json: \/entry is required/],
      [{ ...good, edges: [{ from: "a", to: "zz" }] }, /app\.json: \/edges\/0\/to "zz" is not a service/],
      [
        { ...good, edges: [{ from: "a", to: "b" }, { from: "b", to: "a" }] },
        /app\.json: \/edges form a cycle/,
      ],
      [{ ...good, services: [svc("a"), svc("a")] }, /app\.json: \/services\/1\/name "a" is a duplicate/],
      [
        { ...good, cluster: { nodes: [{ id: "x", kind: "fog", capacity: 1 }] } },
        /\/cluster\/nodes\/0\/kind must be one of "edge", "cloud"/,
      ],
    ];
    for (const [json, pattern] of cases) {
      await write(json);
      await rejects(
        () => loadTopology(path),
        (e: Error) => e instanceof InputError && pattern.test(e.message) && e.message.includes(path),
        `expected ${pattern}`,
      );
    }
    await Deno.writeTextFile(path, "{ not json");
    await rejects(() => loadTopology(path), /app\.json: not valid JSON/);
    await rejects(() => loadTopology(`${dir}/missing.json`), /missing\.json: cannot read/);
    await rejects(
      () => loadTopology("online-botique"),
      /unknown topology "online-botique": use one of online-boutique/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("random topology: seeded, acyclic, heavy-tailed fan-out", () => {
  deepEqual(randomTopology({ services: 30, seed: 3 }), randomTopology({ services: 30, seed: 3 }));
  ok(
    JSON.stringify(randomTopology({ services: 30, seed: 3 })) !==
      JSON.stringify(randomTopology({ services: 30, seed: 4 })),
  );
  let maxFanOut = 0, leaves = 0, total = 0;
  for (let seed = 0; seed < 20; seed++) {
    const spec = randomTopology({ services: 40, seed });
    const t = parseTopology(spec, "random"); // validates and checks acyclicity
    equal(t.services.length, 40);
    const out = new Array(40).fill(0);
    for (const e of t.edges) out[e.from]++;
    maxFanOut = Math.max(maxFanOut, ...out);
    leaves += out.filter((d) => d === 0).length;
    total += 40;
    // Every service but the entry is reachable (it has a caller).
    ok(t.services.every((_, i) => i === 0 || t.edges.some((e) => e.to === i)));
  }
  // With 40 services, a hub calls many while most call nobody.
  ok(maxFanOut >= 10, `largest fan-out ${maxFanOut}`);
  ok(leaves / total > 0.5, `share of leaves ${leaves / total}`);
  throws(() => randomTopology({ services: 0 }), InputError);
});

Deno.test("every built-in topology JSON passes the schema", () => {
  for (const [name, spec] of Object.entries(BUILTIN_TOPOLOGIES)) {
    equal(parseTopology(spec, name).spec.name, name);
  }
});
