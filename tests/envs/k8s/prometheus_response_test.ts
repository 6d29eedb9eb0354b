import { deepEqual, equal, ok, throws } from "node:assert/strict";
import {
  parsePrometheusResponse,
  parseSampleValue,
  PrometheusError,
  resultValue,
} from "../../../envs/k8s/prometheus_response.ts";

Deno.test("parseSampleValue: decimals and the special values Prometheus sends as strings", () => {
  equal(parseSampleValue("0.25"), 0.25);
  equal(parseSampleValue("1e3"), 1000);
  equal(parseSampleValue("+Inf"), Infinity);
  equal(parseSampleValue("-Inf"), -Infinity);
  ok(Number.isNaN(parseSampleValue("NaN")));
  throws(() => parseSampleValue("abc"), PrometheusError);
  throws(() => parseSampleValue(""), PrometheusError);
});

Deno.test("parsePrometheusResponse: vector with labels and warnings; the sum is its value", () => {
  const body = JSON.stringify({
    status: "success",
    data: {
      resultType: "vector",
      result: [
        { metric: { pod: "a" }, value: [1700000000.5, "1.5"] },
        { metric: { pod: "b" }, value: [1700000000.5, "2.25"] },
      ],
    },
    warnings: ["PromQL info: metric might not be a counter"],
  });
  const r = parsePrometheusResponse(body, { status: 200 });
  deepEqual(r.warnings, ["PromQL info: metric might not be a counter"]);
  ok(r.result.resultType === "vector");
  deepEqual(r.result.samples[1], { metric: { pod: "b" }, timestamp: 1700000000.5, value: 2.25 });
  equal(resultValue(r.result), 3.75);
});

Deno.test("parsePrometheusResponse: scalar, string, matrix; empty and NaN have no value", () => {
  const scalar = parsePrometheusResponse(
    `{"status":"success","data":{"resultType":"scalar","result":[1700000000,"-Inf"]}}`,
    { status: 200 },
  );
  equal(resultValue(scalar.result), -Infinity);
  const str = parsePrometheusResponse(
    `{"status":"success","data":{"resultType":"string","result":[1700000000,"hello"]}}`,
    { status: 200 },
  );
  deepEqual(str.result, { resultType: "string", timestamp: 1700000000, value: "hello" });
  equal(resultValue(str.result), undefined);
  const matrix = parsePrometheusResponse(
    `{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,"1"],[2,"NaN"]]}]}}`,
    { status: 200 },
  );
  ok(matrix.result.resultType === "matrix");
  deepEqual(matrix.result.series[0].values[0], [1, 1]);
  ok(Number.isNaN(matrix.result.series[0].values[1][1]));
  const empty = parsePrometheusResponse(`{"status":"success","data":{"resultType":"vector","result":[]}}`, {
    status: 200,
  });
  equal(resultValue(empty.result), undefined);
  const nan = parsePrometheusResponse(
    `{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"NaN"]}]}}`,
    { status: 200 },
  );
  equal(resultValue(nan.result), undefined);
});

Deno.test("parsePrometheusResponse: error envelopes and answers that are not the API's", () => {
  const bad = (() => {
    try {
      parsePrometheusResponse(
        `{"status":"error","errorType":"bad_data","error":"1:5: parse error: unclosed left parenthesis"}`,
        { status: 400 },
      );
    } catch (e) {
      return e as PrometheusError;
    }
  })()!;
  ok(bad instanceof PrometheusError);
  deepEqual([bad.errorType, bad.status], ["bad_data", 400]);
  equal(bad.message, "bad_data: 1:5: parse error: unclosed left parenthesis");
  throws(() => parsePrometheusResponse("<html>502 Bad Gateway</html>", { status: 502 }), /body is not JSON/);
  throws(() => parsePrometheusResponse(`{"status":"weird"}`, { status: 200 }), /"status" is "weird"/);
  throws(
    () =>
      parsePrometheusResponse(`{"status":"success","data":{"resultType":"cube","result":[]}}`, {
        status: 200,
      }),
    /unknown resultType "cube"/,
  );
  throws(
    () =>
      parsePrometheusResponse(
        `{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,2]}]}}`,
        { status: 200 },
      ),
    /is not \[time, "value"\]/,
  );
});
