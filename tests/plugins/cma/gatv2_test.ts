import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import type { Scalar, Tensor, Tensor3D, Tensor4D } from "@tensorflow/tfjs";
import { useBackend } from "../../../core/backend.ts";
import { Random } from "../../../core/random.ts";
import { GATv2Layer } from "../../../plugins/cma/gatv2.ts";
import { assertClose } from "./_near.ts";

const tf = await useBackend("wasm");

// ---- the 3-node example, by hand (plain JS) ----
const X = [[1, 0.5], [-0.5, 1], [0.3, -1]];
const WL = [[0.1, -0.2, 0.3, 0.05], [0.2, 0.1, -0.1, 0.4]];
const BL = [0.01, -0.02, 0.03, 0];
const WR = [[-0.3, 0.2, 0.1, 0.2], [0.1, 0.3, 0.2, -0.1]];
const BR = [0, 0.05, -0.05, 0.1];
const WE = [0.5, -0.4, 0.3, 0.2]; // E = 1
const ATT = [[1.0, -0.5], [0.7, 0.9]];
const BIAS4 = [0.1, 0, -0.1, 0.2];
// MASK[i][j] = 1: i receives from j. Node 2 has no neighbour (self loop only).
const MASK = [[0, 1, 0], [1, 0, 1], [0, 0, 0]];
// EDGE[i][j]: feature of the edge j→i; the masked EDGE[2][0] must not matter; EDGE[1][1] is node 1's self loop.
const EDGE = [[0, 2.0, 0], [0.5, 0.7, 1.5], [3.0, 0, 0]];

function project(w: number[][], b: number[]) {
  return X.map((x) => b.map((bk, k) => bk + x[0] * w[0][k] + x[1] * w[1][k]));
}

function handGat(concat: boolean) {
  const xl = project(WL, BL), xr = project(WR, BR);
  const alpha: number[][][] = []; // [h][i][j]
  const out: number[][] = [];
  for (let h = 0; h < 2; h++) {
    alpha.push([]);
    for (let i = 0; i < 3; i++) {
      const scores: number[] = [];
      for (let j = 0; j < 3; j++) {
        if (MASK[i][j] === 0 && i !== j) {
          scores.push(-Infinity);
          continue;
        }
        let sc = 0;
        for (let c = 0; c < 2; c++) {
          const k = h * 2 + c;
          const z = xr[i][k] + xl[j][k] + EDGE[i][j] * WE[k];
          sc += ATT[h][c] * (z > 0 ? z : 0.2 * z);
        }
        scores.push(sc);
      }
      const mx = Math.max(...scores);
      const ex = scores.map((s) => (s === -Infinity ? 0 : Math.exp(s - mx)));
      const sum = ex.reduce((a, b) => a + b, 0);
      alpha[h].push(ex.map((e) => e / sum));
    }
  }
  for (let i = 0; i < 3; i++) {
    const row: number[] = [];
    for (let h = 0; h < 2; h++) {
      for (let c = 0; c < 2; c++) {
        let v = 0;
        for (let j = 0; j < 3; j++) v += alpha[h][i][j] * xl[j][h * 2 + c];
        row.push(v);
      }
    }
    out.push(
      concat ? row.map((v, k) => v + BIAS4[k]) : [0, 1].map((c) => (row[c] + row[2 + c]) / 2 + BIAS4[c]),
    );
  }
  return { out: out.flat(), alpha: alpha.flat(2) };
}

function handLayer(concat: boolean): GATv2Layer {
  const layer = new GATv2Layer({
    inputWidth: 2,
    edgeWidth: 1,
    channels: 2,
    heads: 2,
    concat,
    name: "test/gatv2",
    random: new Random(1),
  });
  const p = layer.params;
  p.wLeft.assign(tf.tensor2d(WL));
  p.bLeft.assign(tf.tensor1d(BL));
  p.wRight.assign(tf.tensor2d(WR));
  p.bRight.assign(tf.tensor1d(BR));
  p.wEdge.assign(tf.tensor2d([WE]));
  p.att.assign(tf.tensor2d(ATT));
  p.bias.assign(tf.tensor1d(concat ? BIAS4 : BIAS4.slice(0, 2)));
  return layer;
}

function handGraph() {
  return {
    x: tf.tensor3d([X]),
    mask: tf.tensor3d([MASK]),
    edges: tf.tensor4d([EDGE.map((r) => r.map((v) => [v]))]),
  };
}

Deno.test("GATv2 equals the 3-node example worked out by hand (heads concatenated)", () => {
  const layer = handLayer(true);
  const graph = handGraph();
  const { out, attention } = layer.apply(graph);
  const expected = handGat(true);
  deepStrictEqual(out.shape, [1, 3, 4]);
  deepStrictEqual(attention.shape, [1, 2, 3, 3]);
  assertClose(out.dataSync(), expected.out, { tol: 1e-5, what: "out" });
  assertClose(attention.dataSync(), expected.alpha, { tol: 1e-5, what: "attention" });
  const a = attention.arraySync()[0];
  // masked pairs exactly zero, rows sum to 1, the attention is not uniform
  for (let h = 0; h < 2; h++) {
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) if (MASK[i][j] === 0 && i !== j) strictEqual(a[h][i][j], 0);
      ok(Math.abs(a[h][i].reduce((x, y) => x + y, 0) - 1) < 1e-6);
    }
  }
  strictEqual(a[0][2][2], 1); // node 2 only has its self loop
  ok(Math.abs(a[0][1][0] - a[0][1][2]) > 0.01 && Math.abs(a[0][1][0] - a[1][1][0]) > 0.01);
  tf.dispose([out, attention, graph.x, graph.mask, graph.edges]);
  layer.dispose();
});

Deno.test("GATv2 equals the hand example with heads averaged", () => {
  const layer = handLayer(false);
  const graph = handGraph();
  const { out, attention } = layer.apply(graph);
  deepStrictEqual(out.shape, [1, 3, 2]);
  assertClose(out.dataSync(), handGat(false).out, { tol: 1e-5, what: "out" });
  tf.dispose([out, attention, graph.x, graph.mask, graph.edges]);
  layer.dispose();
});

Deno.test("GATv2 uses the edge features: changing an unmasked edge changes the output, a masked one does not", () => {
  const layer = handLayer(true);
  const graph = handGraph();
  const base = layer.apply(graph);
  const edges2 = EDGE.map((r) => r.slice());
  edges2[1][0] = 2.5;
  const changed = layer.apply({ ...graph, edges: tf.tensor4d([edges2.map((r) => r.map((v) => [v]))]) });
  const d = tf.sub(changed.out, base.out).abs().max().dataSync()[0];
  ok(d > 1e-3, `edge feature change moved the output by ${d}`);
  const edges3 = EDGE.map((r) => r.slice());
  edges3[0][2] = 9; // masked pair
  const masked = layer.apply({ ...graph, edges: tf.tensor4d([edges3.map((r) => r.map((v) => [v]))]) });
  assertClose(masked.out.dataSync(), base.out.dataSync(), { tol: 0, what: "masked edge" });
  layer.dispose();
});

/** A straightforward GATv2 with plain tf ops and autodiff (leakyRelu, broadcasting), as the reference. */
function referenceGat(layer: GATv2Layer, x: Tensor3D, mask: Tensor3D, edges: Tensor4D) {
  const [n, s, f] = x.shape;
  const { heads: h, channels: c, params: p } = layer;
  const lin = (w: Tensor, b: Tensor) => tf.add(tf.matMul(tf.reshape(x, [n * s, f]), w), b);
  const xl = tf.reshape(lin(p.wLeft, p.bLeft), [n, 1, s, h, c]);
  const xr = tf.reshape(lin(p.wRight, p.bRight), [n, s, 1, h, c]);
  const ew = tf.reshape(tf.matMul(tf.reshape(edges, [-1, edges.shape[3]]), p.wEdge), [n, s, s, h, c]);
  const z = tf.leakyRelu(tf.add(tf.add(xl, xr), ew), 0.2);
  const score = tf.sum(tf.mul(z, tf.reshape(p.att, [1, 1, 1, h, c])), 4); // [n,i,j,h]
  const m = tf.maximum(mask, tf.eye(s));
  const logits = tf.add(
    tf.transpose(score, [0, 3, 1, 2]),
    tf.mul(tf.sub(tf.reshape(m, [n, 1, s, s]), 1), 1e9),
  );
  const alpha = tf.softmax(logits);
  const xlh = tf.transpose(tf.reshape(xl, [n, s, h, c]), [0, 2, 1, 3]);
  const agg = tf.matMul(alpha, xlh);
  return tf.add(tf.reshape(tf.transpose(agg, [0, 2, 1, 3]), [n, s, h * c]), p.bias);
}

for (const e of [1, 2]) {
  Deno.test(`GATv2 hand-written gradient equals autodiff of a plain implementation (E=${e}); every variable gets one`, () => {
    const random = new Random(11);
    const n = 3, s = 5, f = 4;
    const layer = new GATv2Layer({
      inputWidth: f,
      edgeWidth: e,
      channels: 3,
      heads: 2,
      name: "test/grad",
      random,
    });
    const r = () => random.normal();
    const x = tf.tensor3d(Array.from({ length: n * s * f }, r), [n, s, f]);
    const maskValues = Array.from({ length: n * s * s }, () => (random.next() < 0.4 ? 1 : 0));
    const mask = tf.tensor3d(maskValues, [n, s, s]);
    const edges = tf.tensor4d(Array.from({ length: n * s * s * e }, () => random.next() * 2), [n, s, s, e]);
    const weights = tf.tensor3d(Array.from({ length: n * s * 6 }, r), [n, s, 6]);
    const loss = (out: Tensor) => tf.sum(tf.mul(tf.tanh(out), weights)) as Scalar;
    const fast = tf.variableGrads(() => loss(layer.apply({ x, mask, edges }).out), layer.variables);
    const slow = tf.variableGrads(() => loss(referenceGat(layer, x, mask, edges)), layer.variables);
    assertClose([fast.value.dataSync()[0]], [slow.value.dataSync()[0]], { tol: 1e-4, what: "loss" });
    for (const v of layer.variables) {
      const g = fast.grads[v.name].dataSync();
      assertClose(g, slow.grads[v.name].dataSync(), { tol: 1e-4, what: v.name });
      ok(g.some((val) => Math.abs(val) > 1e-6), `${v.name} has a non-zero gradient`);
    }
    ok(layer.variables.some((v) => v.name === "test/grad/W_e"));
    layer.dispose();
  });
}

Deno.test("GATv2 attention dropout is seeded and keeps masked pairs at zero", () => {
  const layer = handLayer(true);
  const graph = handGraph();
  const a = layer.apply(graph, { training: true, dropoutSeed: 5 }).attention.dataSync();
  const b = layer.apply(graph, { training: true, dropoutSeed: 5 }).attention.dataSync();
  assertClose(a, b, { tol: 0, what: "same seed" });
  layer.dispose();
  const dropping = new GATv2Layer({
    inputWidth: 2,
    edgeWidth: 1,
    channels: 2,
    heads: 2,
    dropout: 0.5,
    name: "test/gatv2",
    random: new Random(1),
  });
  const att = dropping.apply(graph, { training: true, dropoutSeed: 3 }).attention.arraySync()[0];
  for (let h = 0; h < 2; h++) {
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) if (MASK[i][j] === 0 && i !== j) strictEqual(att[h][i][j], 0);
    }
  }
  const evalAtt = dropping.apply(graph).attention.arraySync()[0];
  ok(Math.abs(evalAtt[0][1].reduce((x, y) => x + y, 0) - 1) < 1e-6, "no dropout outside training");
  dropping.dispose();
});

Deno.test("GATv2 batches graphs independently and keeps the tensor count flat", () => {
  const layer = handLayer(true);
  const graph = handGraph();
  const two = {
    x: tf.concat([graph.x, tf.reverse(graph.x, 1)]) as Tensor3D,
    mask: tf.concat([graph.mask, tf.onesLike(graph.mask)]) as Tensor3D,
    edges: tf.concat([graph.edges, graph.edges]) as Tensor4D,
  };
  const batched = layer.apply(two).out.arraySync();
  assertClose(batched[0].flat(), handGat(true).out, { tol: 1e-5, what: "first graph of the batch" });
  const before = tf.memory().numTensors;
  for (let k = 0; k < 100; k++) {
    const { out, attention } = layer.apply(two);
    out.dispose();
    attention.dispose();
  }
  strictEqual(tf.memory().numTensors, before);
  layer.dispose();
});

Deno.test("GATv2 frees everything the backward keeps, also when the gradient does not pass through the score", () => {
  const random = new Random(4);
  const layer = new GATv2Layer({
    inputWidth: 3,
    edgeWidth: 1,
    channels: 2,
    heads: 2,
    name: "test/free",
    random,
  });
  const x = tf.tensor3d(Array.from({ length: 2 * 4 * 3 }, () => random.normal()), [2, 4, 3]);
  const mask = tf.tensor3d(Array.from({ length: 2 * 4 * 4 }, () => (random.next() < 0.5 ? 1 : 0)), [2, 4, 4]);
  const edges = tf.tensor4d(Array.from({ length: 2 * 4 * 4 }, () => random.next()), [2, 4, 4, 1]);
  const loss = () => tf.sum(tf.square(layer.apply({ x, mask, edges }).out)) as Scalar;
  const before = tf.memory().numTensors;
  for (let k = 0; k < 20; k++) {
    const all = tf.variableGrads(loss, layer.variables);
    tf.dispose([all.value, ...Object.values(all.grads)]);
    // Only the output bias: the score's backward never runs, its kept tensor must still be freed.
    const biasOnly = tf.variableGrads(loss, [layer.params.bias]);
    tf.dispose([biasOnly.value, ...Object.values(biasOnly.grads)]);
  }
  strictEqual(tf.memory().numTensors, before);
  layer.dispose();
});
