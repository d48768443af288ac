// Charts as plain SVG built node by node (no markup strings, nothing inline for the CSP): bars per category,
// stacked by series, with an optional horizontal line (a threshold). Each chart is an image with a text summary;
// its numbers are always in the table next to it.
const SVG = "http://www.w3.org/2000/svg";
const WIDTH = 640;
const HEIGHT = 240;
const MARGIN = { top: 12, right: 12, bottom: 44, left: 48 };

function svg(tag, attributes = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value !== undefined && value !== null) node.setAttribute(name, String(value));
  }
  for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return node;
}

function niceMaximum(value) {
  if (value <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  const steps = [1, 2, 2.5, 5, 10];
  return steps.map((step) => step * power).find((candidate) => candidate >= value);
}

/**
 * A bar chart. `categories` label the bars (x axis); `series` is [{name, values}] stacked in that order, or side by
 * side with `grouped`. `line` draws a labelled threshold. `label` says what the chart shows, for screen readers.
 */
export function barChart({ categories, series, label, grouped = false, line = null, unit = "" }) {
  const innerWidth = WIDTH - MARGIN.left - MARGIN.right;
  const innerHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const totals = categories.map((_, index) =>
    grouped
      ? Math.max(0, ...series.map((s) => s.values[index] || 0))
      : series.reduce((sum, s) => sum + (s.values[index] || 0), 0),
  );
  const maximum = niceMaximum(Math.max(0, ...totals, line ? line.value : 0));
  const y = (value) => MARGIN.top + innerHeight - (value / maximum) * innerHeight;
  const band = innerWidth / Math.max(categories.length, 1);
  const barWidth = Math.min(48, band * 0.7);
  const chart = svg("svg", {
    viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
    class: "chart",
    role: "img",
    "aria-label": label,
    preserveAspectRatio: "xMidYMid meet",
  });
  for (const step of [0, 0.25, 0.5, 0.75, 1]) {
    const value = maximum * step;
    chart.append(
      svg("line", { x1: MARGIN.left, x2: WIDTH - MARGIN.right, y1: y(value), y2: y(value), class: "chart-grid" }),
      svg("text", { x: MARGIN.left - 6, y: y(value) + 4, class: "chart-axis", "text-anchor": "end" }, `${+value.toFixed(1)}${unit}`),
    );
  }
  categories.forEach((category, index) => {
    const left = MARGIN.left + band * index + (band - barWidth) / 2;
    let base = 0;
    series.forEach((s, position) => {
      const value = s.values[index] || 0;
      if (value <= 0) return;
      const width = grouped ? barWidth / series.length : barWidth;
      const x = grouped ? left + width * position : left;
      const bottom = grouped ? 0 : base;
      const bar = svg("rect", {
        x,
        y: y(bottom + value),
        width: Math.max(width - 1, 1),
        height: Math.max(y(bottom) - y(bottom + value), 0.5),
        class: `chart-bar series-${position}`,
        "data-category": category,
        "data-series": s.name,
        "data-value": value,
      });
      bar.append(svg("title", {}, `${category}, ${s.name}: ${value}${unit}`));
      chart.append(bar);
      if (!grouped) base += value;
    });
    chart.append(
      svg("text", { x: left + barWidth / 2, y: HEIGHT - MARGIN.bottom + 16, class: "chart-axis", "text-anchor": "middle" }, category),
    );
  });
  if (line) {
    chart.append(
      svg("line", { x1: MARGIN.left, x2: WIDTH - MARGIN.right, y1: y(line.value), y2: y(line.value), class: "chart-threshold" }),
      svg("text", { x: WIDTH - MARGIN.right, y: y(line.value) - 4, class: "chart-axis", "text-anchor": "end" }, line.label),
    );
  }
  return chart;
}

/** The legend of a chart's series, as a list (the colours are the chart's classes). */
export function legend(names) {
  const list = document.createElement("ul");
  list.className = "chart-legend";
  names.forEach((name, position) => {
    const item = document.createElement("li");
    const swatch = document.createElement("span");
    swatch.className = `swatch series-${position}`;
    swatch.setAttribute("aria-hidden", "true");
    item.append(swatch, document.createTextNode(name));
    list.append(item);
  });
  return list;
}
