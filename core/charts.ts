/**
 * Charts for reports: small helpers that describe a chart in Vega-Lite, compile it to Vega and render it
 * to an SVG string headlessly (`renderer: "none"`), so reports carry real plots without a browser.
 *
 * @example A line chart with two series
 * ```ts
 * import { lineChart } from "./charts.ts";
 * const svg = await lineChart([
 *   { x: 0, y: 1, series: "hpa" }, { x: 1, y: 3, series: "hpa" },
 *   { x: 0, y: 2, series: "static" }, { x: 1, y: 2, series: "static" },
 * ], { title: "replicas", xTitle: "step", yTitle: "replicas" });
 * console.assert(svg.startsWith("<svg") && svg.includes("static"));
 * ```
 *
 * @module
 */
import type { TopLevelSpec } from "vega-lite";

/** A Vega-Lite specification as plain JSON (see https://vega.github.io/vega-lite/docs/spec.html). */
export type VegaLiteSpec = Record<string, unknown>;

/** One point of a line chart. */
export interface LinePoint {
  /** Horizontal position (e.g. the control step). */
  x: number;
  /** Value; non-finite values are left out. */
  y: number;
  /** Name of the line the point belongs to (shown in the legend). */
  series: string;
}

/** Titles and size of a chart. */
export interface ChartOptions {
  /** Chart title. */
  title: string;
  /** Title of the horizontal axis. */
  xTitle?: string;
  /** Title of the vertical axis. */
  yTitle?: string;
  /** Plot width in pixels (default 480). */
  width?: number;
  /** Plot height in pixels (default 240). */
  height?: number;
}

/** Renders lines (one per series, coloured, with a legend) to an SVG string. */
export async function lineChart(points: readonly LinePoint[], options: ChartOptions): Promise<string> {
  const values = points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  const order = [...new Set(points.map((p) => p.series))];
  return await renderSvg({
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: options.title,
    width: options.width ?? 480,
    height: options.height ?? 240,
    data: { values },
    mark: { type: "line", interpolate: "linear", strokeWidth: 1.5 },
    encoding: {
      x: { field: "x", type: "quantitative", title: options.xTitle ?? "x" },
      y: { field: "y", type: "quantitative", title: options.yTitle ?? "y" },
      color: { field: "series", type: "nominal", title: null, sort: order, legend: { labelLimit: 400 } },
    },
  });
}

/** A matrix to draw as a heatmap. */
export interface HeatmapData {
  /** Row labels (top to bottom), length R. */
  rows: readonly string[];
  /** Column labels (left to right), length C. */
  columns: readonly string[];
  /** R×C values, row-major. */
  values: ArrayLike<number>;
}

/** Renders a matrix as a heatmap (cells coloured by value, labelled rows and columns) to an SVG string. */
export async function heatmap(data: HeatmapData, options: ChartOptions): Promise<string> {
  const { rows, columns } = data;
  if (data.values.length !== rows.length * columns.length) {
    throw new Error(`heatmap: ${rows.length}×${columns.length} labels but ${data.values.length} values`);
  }
  const values: { row: string; column: string; value: number }[] = [];
  rows.forEach((row, i) =>
    columns.forEach((column, j) =>
      values.push({ row, column, value: Number(data.values[i * columns.length + j]) })
    )
  );
  const cell = 28;
  return await renderSvg({
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: options.title,
    width: options.width ?? Math.max(120, cell * columns.length),
    height: options.height ?? Math.max(120, cell * rows.length),
    data: { values },
    mark: "rect",
    encoding: {
      x: { field: "column", type: "nominal", sort: [...columns], title: options.xTitle ?? null },
      y: { field: "row", type: "nominal", sort: [...rows], title: options.yTitle ?? null },
      color: { field: "value", type: "quantitative", title: "weight", scale: { scheme: "blues" } },
      tooltip: [{ field: "row" }, { field: "column" }, { field: "value", format: ".3f" }],
    },
  });
}

/**
 * Compiles a Vega-Lite spec and renders it headlessly to SVG. Vega and Vega-Lite are imported on first
 * use, so importing this module (or `core/`) does not load them.
 */
export async function renderSvg(spec: VegaLiteSpec): Promise<string> {
  const [vega, { compile }] = await Promise.all([import("vega"), import("vega-lite")]);
  const view = new vega.View(vega.parse(compile(spec as unknown as TopLevelSpec).spec), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
