// The department's work list: applications by due time, filters, one application's card with its history,
// and the actions the workflow allows (take, assign, change status with a comment, move to another
// department). Supervisors also see the escalation list.
import { api, errorText } from "./api.js";
import { $, fill, h, say, setOptions } from "./dom.js";
import { dateTime } from "./format.js";
import { label, loadStrings, t } from "./i18n.js";
import { act, toast } from "./ui.js";

const REFRESH_MS = 60_000;
const CLOSING = new Set(["resolved", "rejected"]);
let selected = null;
const supervising = () => $("#work").dataset.supervising === "true";

function filters() {
  const q = new URLSearchParams();
  const dep = $("#f-department");
  if (dep?.value) q.set("department", dep.value);
  if ($("#f-status").value) q.set("status", $("#f-status").value);
  if ($("#f-type").value) q.set("type", $("#f-type").value);
  if ($("#f-mine").checked) q.set("mine", "1");
  if ($("#f-overdue").checked) q.set("overdue", "1");
  return q.toString();
}

function departmentTitle(name) {
  const opt = [...$("#departments-all").options].find((o) => o.value === name);
  return opt ? opt.textContent : name || "";
}

function row(a) {
  const cls = [a.overdue ? "overdue" : "", a.escalated ? "escalated" : "", a.id === selected ? "selected" : ""].join(" ");
  return h("tr", { class: cls, dataset: { id: String(a.id) }, onclick: () => open(a.id) },
    h("td", {}, h("a", { href: `#${a.id}`, class: "app-number" }, a.number)),
    h("td", {}, a.type_title),
    h("td", {}, a.customer_name || "", a.account_number ? h("span", { class: "muted" }, ` ${a.account_number}`) : null),
    h("td", {}, h("span", { class: "badge", dataset: { status: a.status } }, label("application_status", a.status))),
    h("td", {}, a.due_at ? dateTime(a.due_at) : "", a.overdue ? h("span", { class: "overdue-mark" }, ` ${t("work.overdue")}`) : null),
    h("td", {}, a.assignee || ""),
    supervising() ? h("td", {}, a.department_title || "") : null);
}

async function load() {
  try {
    const items = await api.get(`/api/work?${filters()}`);
    fill($("#work-rows"), items.map(row));
    $("#work-empty").hidden = items.length > 0;
  } catch (err) {
    toast(errorText(err), "error");
  }
  if (supervising()) loadEscalations();
}

async function loadEscalations() {
  try {
    const items = await api.get("/api/work/escalations");
    fill($("#escalations"), items.map((a) => h("li", { class: "escalated" },
      h("a", { href: `#${a.id}`, onclick: () => open(a.id) }, a.number), ` ${a.type_title} — ${a.department_title || ""}, `,
      t("work.due_was", { due: dateTime(a.due_at) }))));
    $("#escalations-empty").hidden = items.length > 0;
  } catch (err) {
    toast(errorText(err), "error");
  }
}

async function open(id) {
  selected = id;
  try {
    drawDetail(await api.get(`/api/work/${id}`));
  } catch (err) {
    toast(errorText(err), "error");
  }
}

function drawDetail(a) {
  const box = $("#work-detail");
  box.hidden = false;
  const comment = h("textarea", { id: "status-comment", rows: 3, placeholder: t("work.comment") });
  const followUp = h("input", { type: "checkbox", id: "follow-up", checked: true });
  const msg = h("p", { class: "msg", hidden: true, id: "detail-msg" });
  const statusButtons = a.next_statuses.map((s) => h("button", {
    type: "button", class: CLOSING.has(s) ? "primary" : "", dataset: { status: s },
    onclick: (ev) => changeStatus(a, s, comment.value, followUp.checked, ev.currentTarget, msg),
  }, t(`work.to.${s}`)));
  const depSelect = h("select", { id: "reassign-department" });
  setOptions(depSelect, [...$("#departments-all").options]
    .filter((o) => o.value !== a.department_queue).map((o) => ({ value: o.value, label: o.textContent })), t("work.choose"));
  const assignSelect = h("select", { id: "assign-user" });
  api.get(`/api/work/${a.id}/assignees`).then((people) => setOptions(assignSelect, people.map((p) => ({ value: p.id, label: p.name })), t("work.choose"))).catch(() => {});
  const closed = a.next_statuses.length === 0;
  fill(box,
    h("h2", {}, t("work.application", { number: a.number }), " ", h("span", { class: "badge", id: "detail-status", dataset: { status: a.status } }, label("application_status", a.status))),
    h("dl", { class: "facts" },
      h("dt", {}, t("work.type")), h("dd", {}, a.type_title),
      h("dt", {}, t("work.customer")), h("dd", {}, a.customer_name || "—", a.account_number ? ` (${a.account_number})` : ""),
      h("dt", {}, t("work.channel")), h("dd", {}, t(`work.channel.${a.channel}`)),
      h("dt", {}, t("work.department")), h("dd", {}, a.department_title || ""),
      h("dt", {}, t("work.due")), h("dd", { class: a.overdue ? "overdue" : "" }, a.due_at ? dateTime(a.due_at) : "—"),
      h("dt", {}, t("work.assignee")), h("dd", {}, a.assignee || "—"),
      Object.entries(a.fields || {}).map(([k, v]) => [h("dt", {}, a.field_labels[k] || k), h("dd", {}, v)])),
    a.text ? h("p", { class: "app-text" }, a.text) : null,
    a.attachments.length ? h("ul", { class: "attachments" }, a.attachments.map((f) =>
      h("li", {}, h("a", { href: `/api/work/${a.id}/attachments/${f.id}` }, f.filename), ` (${Math.ceil(f.size / 1024)} KB)`))) : null,
    closed ? null : h("div", { class: "actions" },
      h("button", { type: "button", id: "btn-take", onclick: (ev) => run(ev.currentTarget, `/api/work/${a.id}/take`, {}, msg, t("work.taken")) }, t("work.take")),
      h("label", {}, t("work.assign_to"), " ", assignSelect),
      h("button", { type: "button", onclick: (ev) => assignSelect.value && run(ev.currentTarget, `/api/work/${a.id}/assign`, { user_id: Number(assignSelect.value) }, msg, t("work.assigned")) }, t("work.assign"))),
    closed ? null : h("div", { class: "actions" }, comment,
      h("label", { class: "check" }, followUp, " ", t("work.follow_up")),
      h("div", { class: "buttons" }, statusButtons)),
    closed ? null : h("div", { class: "actions" },
      h("label", {}, t("work.reassign"), " ", depSelect),
      h("button", { type: "button", id: "btn-reassign", onclick: (ev) => depSelect.value && run(ev.currentTarget, `/api/work/${a.id}/department`, { department: depSelect.value, comment: comment.value }, msg, t("work.reassigned")) }, t("work.move"))),
    msg,
    h("h3", {}, t("work.history")),
    h("ol", { class: "history", id: "history" }, a.history.map((e) => h("li", {},
      h("time", {}, dateTime(e.at)), " ", label("application_status", e.status),
      e.department ? ` → ${departmentTitle(e.department)}` : "",
      e.by ? h("span", { class: "muted" }, ` — ${e.by}`) : null,
      e.comment ? h("div", { class: "comment" }, e.comment) : null))));
}

async function run(button, path, body, msg, okText) {
  const done = await act(button, () => api.post(path, body));
  if (done) {
    say(msg, okText, "ok");
    await load();
    if (selected) await open(selected).catch(() => {});
  }
}

function changeStatus(a, status, comment, followUp, button, msg) {
  const body = { status, comment: comment.trim() };
  if (CLOSING.has(status) && followUp) body.follow_up = true;
  return run(button, `/api/work/${a.id}/status`, body, msg, t("work.status_changed", { status: label("application_status", status) }));
}

async function main() {
  await loadStrings();
  for (const el of ["#f-department", "#f-status", "#f-type", "#f-mine", "#f-overdue"]) $(el)?.addEventListener("change", load);
  await load();
  const fromHash = Number(location.hash.slice(1));
  if (fromHash) open(fromHash);
  setInterval(load, REFRESH_MS);
  if (supervising()) listenForEscalations();
  else listenForChanges();
}

// Department staff: an application of their department filed, changed or moved by anyone — the list
// reloads (at most once a second, however many arrive together).
function listenForChanges() {
  if (typeof window.io !== "function") return;
  const socket = window.io("/work", { transports: ["websocket", "polling"] });
  let pending = null;
  socket.on("work", () => {
    pending ??= setTimeout(() => {
      pending = null;
      load();
    }, 1000);
  });
}

// Supervisors hear at once when an application crosses the escalation threshold.
function listenForEscalations() {
  if (typeof window.io !== "function") return;
  const socket = window.io("/supervisor", { transports: ["websocket", "polling"] });
  socket.on("escalations", (msg) => {
    toast(t("work.escalated_now", { count: msg.count }), "error");
    load();
  });
}

main();
