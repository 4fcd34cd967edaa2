// The reports page: pick a period (and an interval for the queues), see a report as a table and a chart,
// download it as CSV or Excel. Every cell is set as text (dom.js); labels come from the interface strings.
import { api, errorText } from "./api.js";
import { $, $$, fill, h, say } from "./dom.js";
import { duration, money, phone } from "./format.js";
import { has, loadStrings, locale, t } from "./i18n.js";

const CHARTS = {
  // series drawn per report: [field, colour]
  queues: [["offered", "#1e66d6"], ["answered", "#1f9d55"], ["abandoned", "#d64545"]],
};
// Reports drawn as bars, one per row: [column of the bar's label (else the next), column of its value, colour].
const BARS = {
  operators: [["name", "agent"], "calls", "#1e66d6"],
  ivr: [["node"], "drop_outs", "#d64545"],
};
let current = "queues";
let page = 1;
let plot = null;

const pad = (n) => String(n).padStart(2, "0");

/** The center's wall-clock time as the server wrote it (ISO with the center's offset): never the browser's zone. */
function wallClock(iso, dateOnly) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(iso || "");
  if (!m) return iso ?? "";
  return dateOnly ? `${m[3]}.${m[2]}.${m[1]}` : `${m[3]}.${m[2]}.${m[1]} ${m[4]}:${m[5]}`;
}

const number = new Intl.NumberFormat(locale, { maximumFractionDigits: 1 });

function codeLabel(prefix, code) {
  if (code == null || code === "") return "—";
  for (const key of [`${prefix}.${code}`, `reports.${prefix}.${code}`]) if (has(key)) return t(key);
  return String(code); // a code this interface has no words for yet (a new type, a campaign's own): as it is
}

function cell(kind, value, step) {
  if (value == null) return ["—", false];
  if (kind.startsWith("code:")) return [codeLabel(kind.slice(5), value), false];
  switch (kind) {
    case "int": return [number.format(value), true];
    case "pct": return [`${number.format(value)}\u00a0%`, true];
    case "seconds": return [duration(value), true];
    case "money": return [money(value), true];
    case "time": return [wallClock(value, step === "day"), false];
    case "bool": return [value ? t("reports.yes") : t("reports.no"), false];
    case "customer": return [String(value), true];
    case "phone": return [phone(String(value)), false];
    default: return [String(value), false];
  }
}

function columnTitle(code) {
  if (code.startsWith("pause:")) return `${t("reports.col.pause")}: ${codeLabel("pause_reason", code.slice(6))}`;
  return t(`reports.col.${code}`);
}

function params() {
  const q = new URLSearchParams({ from: $("#report-from").value, to: $("#report-to").value });
  if (current === "queues") q.set("step", $("#report-step").value);
  return q;
}

function renderTable(data) {
  const step = data.step;
  const head = h("thead", {}, h("tr", {}, data.columns.map((c) => h("th", { scope: "col" }, columnTitle(c.code)))));
  const body = h("tbody", {}, data.rows.map((row) => h("tr", {}, row.map((v, i) => {
    const kind = data.columns[i].kind;
    const [text, numeric] = cell(kind, v, step);
    if (kind === "customer" && v != null) return h("td", { class: "num" }, h("a", { href: `/customers/${v}` }, text));
    return h("td", { class: numeric ? "num" : null }, text);
  }))));
  fill($("#report-table"), head, body);
  $("#report-empty").hidden = data.rows.length > 0;
}

function figure(labelKey, text) {
  return h("div", { class: "figure" }, h("span", { class: "muted" }, t(labelKey)), h("strong", {}, text));
}

function renderSummary(data) {
  const box = $("#report-summary");
  if (current === "queues") {
    const sum = (f) => (data.totals || []).reduce((a, q) => a + (q[f] || 0), 0);
    const answered = sum("answered");
    const base = answered + sum("abandoned") - sum("short_abandoned");
    fill(box,
      figure("reports.col.offered", number.format(sum("offered"))),
      figure("reports.col.answered", number.format(answered)),
      figure("reports.col.abandoned", number.format(sum("abandoned"))),
      figure("reports.col.service_level", base ? `${number.format((100 * sum("answered_within")) / base)}\u00a0%` : "—"),
      figure("reports.col.asa_seconds", answered ? duration(sum("answer_wait_seconds") / answered) : "—"));
  } else if (current === "ivr" && data.summary) {
    const s = data.summary;
    fill(box,
      figure("reports.ivr.total", number.format(s.total)),
      figure("reports.ivr.self_served", number.format(s.self_served)),
      figure("reports.ivr.transferred", number.format(s.transferred)),
      figure("reports.ivr.abandoned", number.format(s.abandoned)),
      figure("reports.ivr.rate", `${number.format(100 * s.self_service_rate)}\u00a0%`));
  } else if (current === "abandoned") {
    fill(box, figure("reports.abandoned.total", number.format(data.total)));
  } else {
    fill(box);
  }
}

function renderChart(data) {
  const box = $("#report-chart");
  if (plot) { plot.destroy(); plot = null; }
  fill(box);
  box.hidden = true;
  if (!window.uPlot) return;
  if (CHARTS[current] && data.chart?.x.length) timeChart(box, data);
  else if (BARS[current] && data.rows.length) barChart(box, data);
}

function timeChart(box, data) {
  const series = CHARTS[current];
  const chart = data.chart;
  // Times on the axis and in the legend in the center's zone and the interface's language (uPlot's own are English).
  const zone = { timeZone: data.tz };
  const short = new Intl.DateTimeFormat(locale, data.step === "day"
    ? { ...zone, day: "2-digit", month: "2-digit" } : { ...zone, hour: "2-digit", minute: "2-digit" });
  const full = new Intl.DateTimeFormat(locale, { ...zone, day: "2-digit", month: "2-digit", year: "numeric",
    ...(data.step === "day" ? {} : { hour: "2-digit", minute: "2-digit" }) });
  box.hidden = false;
  plot = new window.uPlot({
    width: Math.max(320, box.clientWidth - 20),
    height: 260,
    series: [
      { label: t("reports.col.interval"), value: (u, ts) => (ts == null ? "—" : full.format(new Date(ts * 1e3))) },
      ...series.map(([f, colour]) => ({ label: t(`reports.col.${f}`), stroke: colour, width: 2 })),
    ],
    axes: [{ values: (u, splits) => splits.map((ts) => short.format(new Date(ts * 1e3))) }, {}],
  }, [chart.x, ...series.map(([f]) => chart[f])], box);
}

function barChart(box, data) {
  const [labelCols, valueCol, colour] = BARS[current];
  const codes = data.columns.map((c) => c.code);
  const rows = data.rows.slice(0, 40); // the first 40 rows: a bar chart of hundreds says nothing
  const labelOf = (r) => labelCols.map((c) => r[codes.indexOf(c)]).find((v) => v != null && v !== "") ?? "";
  const labels = rows.map((r) => String(labelOf(r)));
  const values = rows.map((r) => r[codes.indexOf(valueCol)]);
  if (!values.some((v) => v)) return; // nothing to draw
  box.hidden = false;
  plot = new window.uPlot({
    width: Math.max(320, box.clientWidth - 20),
    height: 260,
    scales: { x: { time: false, range: [-0.5, rows.length - 0.5] } },
    series: [
      { label: t(`reports.col.${labelCols[0]}`), value: (u, i) => labels[i] ?? "—" },
      { label: t(`reports.col.${valueCol}`), fill: colour, stroke: colour, paths: window.uPlot.paths.bars({ size: [0.6, 60] }) },
    ],
    axes: [{ splits: () => labels.map((_, i) => i), values: (u, splits) => splits.map((i) => labels[i] ?? ""), grid: { show: false } }, {}],
  }, [rows.map((_, i) => i), values], box);
}

function renderPager(data) {
  const pager = $("#report-pager");
  if (current !== "abandoned" || !data.total) { pager.hidden = true; return; }
  const pages = Math.max(1, Math.ceil(data.total / data.page_size));
  pager.hidden = pages <= 1;
  $("#page-info").textContent = t("reports.page", { page: data.page, pages });
  $("#page-prev").disabled = data.page <= 1;
  $("#page-next").disabled = data.page >= pages;
}

function updateExports() {
  const q = params().toString();
  $("#export-csv").href = `/api/reports/${current}.csv?${q}`;
  $("#export-xlsx").href = `/api/reports/${current}.xlsx?${q}`;
  $("#report-step-label").hidden = current !== "queues";
}

async function show() {
  updateExports();
  const q = params();
  if (current === "abandoned") q.set("page", String(page));
  say($("#report-msg"), t("common.loading"), "ok");
  try {
    const data = await api.get(`/api/reports/${current}?${q}`);
    say($("#report-msg"), "");
    renderSummary(data);
    renderTable(data);
    renderChart(data);
    renderPager(data);
  } catch (err) {
    say($("#report-msg"), errorText(err), "error");
  }
}

function today() {
  const d = new Date();
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

async function main() {
  await loadStrings();
  $("#report-from").value = today();
  $("#report-to").value = today();
  $("#report-form").addEventListener("submit", (e) => { e.preventDefault(); page = 1; show(); });
  for (const tab of $$("#report-tabs [data-report]")) {
    tab.addEventListener("click", () => {
      current = tab.dataset.report;
      page = 1;
      for (const other of $$("#report-tabs [data-report]")) other.setAttribute("aria-selected", String(other === tab));
      show();
    });
  }
  for (const input of ["#report-from", "#report-to", "#report-step"]) $(input).addEventListener("change", updateExports);
  $("#page-prev").addEventListener("click", () => { page -= 1; show(); });
  $("#page-next").addEventListener("click", () => { page += 1; show(); });
  await show();
}

main();
