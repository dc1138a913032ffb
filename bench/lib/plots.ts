/**
 * Plots for the markdown reports: Vega-Lite specs rendered to SVG headless
 * (vega's View.toSVG needs no canvas), so the reports carry real figures.
 */
import * as vega from 'vega';
import * as vl from 'vega-lite';

export type Row = Record<string, string | number | null>;

export async function renderSvg(spec: vl.TopLevelSpec): Promise<string> {
  const compiled = vl.compile(spec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** What every figure of the reports shares: schema, title, size and data. */
function frame(title: string, rows: Row[], width: number | undefined, height: number) {
  return { $schema: 'https://vega.github.io/schema/vega-lite/v6.json', title, width: width ?? 420, height, data: { values: rows } };
}

/** Grouped bars: one group per `x`, one bar per `series`, optional reference line. */
export function groupedBars(opts: {
  title: string;
  rows: Row[];
  x: string;
  y: string;
  series: string;
  yTitle: string;
  xTitle?: string;
  rule?: { value: number; label: string };
  width?: number;
  /** Order of the series within a group and in the legend (default: alphabetical). */
  seriesOrder?: string[];
}): vl.TopLevelSpec {
  const order = opts.seriesOrder ? { sort: opts.seriesOrder } : {};
  const bars = {
    mark: { type: 'bar' as const },
    encoding: {
      x: { field: opts.x, type: 'nominal' as const, title: opts.xTitle ?? opts.x, sort: null },
      xOffset: { field: opts.series, type: 'nominal' as const, ...order },
      y: { field: opts.y, type: 'quantitative' as const, title: opts.yTitle },
      color: { field: opts.series, type: 'nominal' as const, title: null, ...order },
    },
  };
  const layers: object[] = [bars];
  if (opts.rule) {
    layers.push({
      data: { values: [{ v: opts.rule.value, label: opts.rule.label }] },
      layer: [
        { mark: { type: 'rule', strokeDash: [4, 3], color: 'black' }, encoding: { y: { field: 'v', type: 'quantitative' } } },
        {
          mark: { type: 'text', align: 'left', dx: 4, dy: -6, fontSize: 10 },
          encoding: { y: { field: 'v', type: 'quantitative' }, x: { value: 0 }, text: { field: 'label' } },
        },
      ],
    });
  }
  return {
    ...frame(opts.title, opts.rows, opts.width, 220),
    layer: layers,
  } as vl.TopLevelSpec;
}

/** Lines over a quantitative x, one per series in `order` (the first solid, the others dashed), drawn as steps (counts that jump at events). */
export function stepLines(opts: { title: string; rows: Row[]; x: string; y: string; series: string; order: string[]; xTitle: string; yTitle: string; width?: number }): vl.TopLevelSpec {
  const dashes = opts.order.map((_, i) => (i === 0 ? [1, 0] : [6, 3]));
  return {
    ...frame(opts.title, opts.rows, opts.width, 240),
    mark: { type: 'line', interpolate: 'step-after' },
    encoding: {
      x: { field: opts.x, type: 'quantitative', title: opts.xTitle },
      y: { field: opts.y, type: 'quantitative', title: opts.yTitle },
      color: { field: opts.series, type: 'nominal', title: null, scale: { domain: opts.order } },
      strokeDash: { field: opts.series, type: 'nominal', title: null, scale: { domain: opts.order, range: dashes } },
    },
  } as vl.TopLevelSpec;
}
