// The charts of the day by 15-minute interval, drawn with uPlot (served from npm: /static/vendor/uPlot.*).
import { $, fill, setOptions } from "./dom.js";
import { locale, queueTitle, t } from "./i18n.js";
import { chartSeries } from "./wallboard_model.js";

const charts = {};
let resizing = false;
const hhmm = new Intl.DateTimeFormat(locale, { hour: "2-digit", minute: "2-digit", hour12: false });
// The time axis in the interface's 24-hour time (uPlot's own labels are English: "10am").
const timeAxis = { values: (u, splits) => splits.map((s) => hhmm.format(new Date(s * 1000))) };

function size(el) {
  return { width: Math.max(260, el.clientWidth || 360), height: document.body.classList.contains("wb-wall") ? 260 : 180 };
}

const bars = () => (window.uPlot.paths?.bars ? window.uPlot.paths.bars({ size: [0.6, 40] }) : undefined);

const QUARTER = 15 * 60;
const MIN_SPAN = 2 * 3600;

let shown = []; // the interval starts on the charts now

/** The time axis spans the day's intervals to the end of the last one, and at least two hours (from the
 * data itself: uPlot widens a single point's range to years). */
function xRange() {
  if (!shown.length) return [Date.now() / 1000 - MIN_SPAN, Date.now() / 1000];
  const end = shown[shown.length - 1] + QUARTER;
  return [Math.min(shown[0], end - MIN_SPAN), end];
}

function make(id, series, yRange) {
  const el = $(id);
  const wall = document.body.classList.contains("wb-wall"); // light text on the dark wall display
  const ink = wall ? "#cfd6e2" : "#1d2330";
  const grid = { stroke: wall ? "#2a3446" : "#e6e9ef", width: 1 };
  const opts = {
    ...size(el),
    legend: { show: true },
    cursor: { drag: { x: false, y: false } },
    scales: { x: { time: true, range: xRange }, y: yRange ? { range: yRange } : { auto: true } },
    axes: [{ ...timeAxis, stroke: ink, grid }, { size: 50, stroke: ink, grid }],
    series: [{ label: t("wb.series.time"), value: (u, v) => (v == null ? "—" : hhmm.format(new Date(v * 1000))) }, ...series],
  };
  fill(el);
  return new window.uPlot(opts, [[], ...series.map(() => [])], el);
}

/** Drawn again from scratch (colours and sizes change with the large-screen mode). */
export function reset(pic) {
  for (const name of Object.keys(charts)) {
    charts[name].destroy();
    delete charts[name];
  }
  renderCharts(pic);
}

function ensure() {
  if (charts.calls || typeof window.uPlot !== "function") return Boolean(charts.calls);
  charts.calls = make("#wb-chart-calls", [
    { label: t("wb.series.offered"), stroke: "#1f6feb", width: 2 },
    { label: t("wb.series.answered"), stroke: "#1a7f37", width: 2 },
    { label: t("wb.series.abandoned"), stroke: "#c62828", width: 2 },
  ]);
  charts.sl = make("#wb-chart-sl", [{ label: t("wb.series.service_level"), stroke: "#6f42c1", width: 2, spanGaps: false }], [0, 100]);
  charts.waiting = make("#wb-chart-waiting", [{ label: t("wb.series.waiting"), stroke: "#9a6700", fill: "rgba(154,103,0,.15)", paths: bars() }]);
  if (!resizing) window.addEventListener("resize", resize);
  resizing = true;
  return true;
}

export function resize() {
  for (const [name, chart] of Object.entries(charts)) {
    chart.setSize(size($(`#wb-chart-${name}`)));
  }
}

/** The queue chooser under the charts: every queue, or one. */
export function renderQueueChoice(pic) {
  const select = $("#wb-chart-queue");
  setOptions(
    select,
    [...pic.queues.values()].map((q) => ({ value: q.queue, label: queueTitle(q.queue, [{ name: q.queue, title: q.title }]) })),
    t("wb.all_queues"),
  );
}

export function renderCharts(pic) {
  pic.dirty.intervals = false;
  if (!ensure()) return;
  const s = chartSeries(pic, $("#wb-chart-queue").value);
  shown = s.x;
  charts.calls.setData([s.x, s.offered, s.answered, s.abandoned]);
  charts.sl.setData([s.x, s.sl]);
  charts.waiting.setData([s.x, s.waiting]);
}
