// The charts of the day by 15-minute interval, drawn with uPlot (served from npm: /static/vendor/uPlot.*).
import { $, setOptions } from "./dom.js";
import { queueTitle, t } from "./i18n.js";
import { chartSeries } from "./wallboard_model.js";

const charts = {};

function size(el) {
  return { width: Math.max(260, el.clientWidth || 360), height: document.body.classList.contains("wb-wall") ? 260 : 180 };
}

const bars = () => (window.uPlot.paths?.bars ? window.uPlot.paths.bars({ size: [0.6, 40] }) : undefined);

function make(id, series, yRange) {
  const el = $(id);
  const opts = {
    ...size(el),
    legend: { show: true },
    cursor: { drag: { x: false, y: false } },
    scales: { x: { time: true }, y: yRange ? { range: yRange } : { auto: true } },
    axes: [{}, { size: 50 }],
    series: [{}, ...series],
  };
  return new window.uPlot(opts, [[], ...series.map(() => [])], el);
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
  window.addEventListener("resize", resize);
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
  charts.calls.setData([s.x, s.offered, s.answered, s.abandoned]);
  charts.sl.setData([s.x, s.sl]);
  charts.waiting.setData([s.x, s.waiting]);
}
