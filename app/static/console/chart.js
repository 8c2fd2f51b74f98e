// A small inline SVG line chart (no library): one time axis, one or two value axes (left and right).
import { dotted, num, when } from "./ui.js";

const NS = "http://www.w3.org/2000/svg";
const H = 240;
const PAD = { top: 16, right: 52, bottom: 34, left: 52 };

function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) el.setAttribute(k, String(v));
  for (const c of children) if (c) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

/** A "nice" upper bound and step for an axis from 0 to max (1, 2, 2.5 or 5 times a power of ten). */
function niceScale(max, ticks = 4, integer = false) {
  if (!(max > 0)) return { top: ticks, step: 1 };
  const raw = max / ticks;
  const power = 10 ** Math.floor(Math.log10(raw));
  let step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= raw);
  if (integer) step = Math.max(1, Math.ceil(step)); // counts of people have no fractions
  return { top: step * Math.ceil(max / step), step };
}

function timeLabel(iso, bucket) {
  const full = when(iso);
  if (!full) return "";
  return bucket === "day" ? full.slice(5, 10) : `${full.slice(5, 10)} ${full.slice(11, 16)}`;
}

/**
 * lineChart(series, lines, {bucket, title}) -> <svg>.
 * series: [{t, <key>: number}], lines: [{key, label, axis: "left"|"right", cls, digits}]
 */
export function lineChart(series, lines, { bucket = "hour", title = "" } = {}) {
  // A narrower drawing on a phone, so its labels stay readable once scaled to the screen.
  const W = window.innerWidth < 600 ? 380 : 640;
  const root = svg("svg", {
    viewBox: `0 0 ${W} ${H}`, class: "chart", role: "img", "aria-label": title, "data-testid": "chart",
    "data-points": series.length, preserveAspectRatio: "xMidYMid meet",
  });
  root.append(svg("title", {}, title));
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  root.append(svg("rect", { x: PAD.left, y: PAD.top, width: plotW, height: plotH, class: "chart-bg" }));
  if (!series.length) {
    root.append(svg("text", { x: W / 2, y: H / 2, "text-anchor": "middle", class: "chart-empty" }, dotted("chart.empty")));

    return root;
  }
  const times = series.map((p) => new Date(p.t).getTime());
  const t0 = Math.min(...times);
  const t1 = Math.max(...times);
  const x = (t) => PAD.left + (t1 === t0 ? plotW / 2 : ((t - t0) / (t1 - t0)) * plotW);

  const scales = {};
  for (const axis of ["left", "right"]) {
    const own = lines.filter((l) => (l.axis || "left") === axis);
    if (!own.length) continue;
    const max = Math.max(0, ...own.flatMap((l) => series.map((p) => Number(p[l.key]) || 0)));
    scales[axis] = niceScale(max, 4, own.every((l) => l.digits === 0));
  }
  const y = (axis, v) => PAD.top + plotH - (v / scales[axis].top) * plotH;

  // Grid lines and axis labels.
  const grid = svg("g", { class: "chart-grid" });
  const leftAxis = scales.left ? "left" : "right";
  for (let v = 0; v <= scales[leftAxis].top + 1e-9; v += scales[leftAxis].step) {
    const yy = y(leftAxis, v);
    grid.append(svg("line", { x1: PAD.left, x2: W - PAD.right, y1: yy, y2: yy }));
    if (scales.left) grid.append(svg("text", { x: PAD.left - 6, y: yy + 4, "text-anchor": "end" }, num(v, 1)));
  }
  if (scales.right) {
    for (let v = 0; v <= scales.right.top + 1e-9; v += scales.right.step) {
      grid.append(svg("text", { x: W - PAD.right + 6, y: y("right", v) + 4, "text-anchor": "start" }, num(v, 1)));
    }
  }
  const ticks = series.length <= 2 ? [...new Set([0, series.length - 1])] : [0, Math.floor((series.length - 1) / 2), series.length - 1];
  for (const i of ticks) {
    const anchor = series.length === 1 ? "middle" : i === 0 ? "start" : i === series.length - 1 ? "end" : "middle";
    grid.append(svg("text", { x: x(times[i]), y: H - PAD.bottom + 18, "text-anchor": anchor, class: "chart-time" },
      timeLabel(series[i].t, bucket)));
  }
  root.append(grid);

  for (const line of lines) {
    const axis = line.axis || "left";
    const pts = series.map((p, i) => [x(times[i]), y(axis, Number(p[line.key]) || 0)]);
    const g = svg("g", { class: `chart-line ${line.cls || ""}`, "data-key": line.key });
    g.append(svg("polyline", { points: pts.map(([a, b]) => `${a.toFixed(1)},${b.toFixed(1)}`).join(" "), fill: "none" }));
    pts.forEach(([a, b], i) => {
      const dot = svg("circle", { cx: a.toFixed(1), cy: b.toFixed(1), r: series.length > 48 ? 1.5 : 3 });
      dot.append(svg("title", {}, `${timeLabel(series[i].t, bucket)} · ${line.label}: ${num(series[i][line.key], line.digits ?? 1)}`));
      g.append(dot);
    });
    root.append(g);
  }
  return root;
}
