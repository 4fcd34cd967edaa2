// The supervisor's campaigns: create (filtered list or file), start / pause / resume / stop, the rules
// while running, progress and abandon rate against the cap, not reached yet, do-not-call, the outbox.
import { api, errorText } from "./api.js";
import { $, fill, h } from "./dom.js";
import { label, loadStrings, t } from "./i18n.js";
import { money, phone } from "./format.js";
import { act, toast } from "./ui.js";

const REFRESH_MS = 15000; // a fallback: the server says when a campaign's figures change (Socket.IO)
const CONTROLS = { draft: ["start", "stop"], running: ["pause", "stop"], paused: ["resume", "stop"], finished: [] };
let selected = null;

const value = (id) => $(id).value.trim();
const number = (id) => Number($(id).value);
const csrf = () => document.querySelector('meta[name="csrf-token"]')?.content || "";

async function upload(campaignId, file) {
  const form = new FormData();
  form.append("file", file);
  const resp = await fetch(`/api/campaigns/${campaignId}/list`, {
    method: "POST", body: form, credentials: "same-origin", headers: { "X-CSRF-Token": csrf() },
  });
  const data = await resp.json().catch(() => null);
  if (!resp.ok) throw Object.assign(new Error(data?.error || ""), { status: resp.status, code: data?.code, params: data?.params });
  return data;
}

function showProblems(result) {
  fill(
    $("#upload-problems"),
    (result?.problems || []).map((p) => h("li", {}, t("campaigns.row_problem", { row: p.row, message: p.message }))),
  );
  if (result) toast(t("campaigns.added", { count: result.added }));
}

async function create(ev) {
  ev.preventDefault();
  const byFile = document.querySelector('input[name="source"]:checked').value === "file";
  const body = {
    name: value("#c-name"),
    queue: value("#c-queue"),
    pacing: value("#c-pacing"),
    creditor: value("#c-creditor"),
    caller_id: value("#c-caller-id"),
    window_start: value("#c-ws"),
    window_end: value("#c-we"),
    dayoff_start: value("#c-ds"),
    dayoff_end: value("#c-de"),
    rule_set: value("#c-rule-set"),
    max_attempts: number("#c-attempts"),
    retry_minutes: number("#c-retry"),
    abandon_cap_pct: number("#c-cap"),
    dial_level: number("#c-dial-level"),
    preview_seconds: number("#c-preview-seconds"),
    preview_on_timeout: value("#c-preview-timeout"),
    starts_on: value("#c-starts") || null,
    ends_on: value("#c-ends") || null,
  };
  if (!byFile) {
    body.filters = {
      min_debt_rub: number("#f-debt"),
      min_days_overdue: number("#f-days"),
      segment: value("#f-segment") || null,
      region: value("#f-region") || null,
      no_pending_promise: $("#f-no-promise").checked,
    };
  }
  await act($("#c-submit"), async () => {
    const made = await api.post("/api/campaigns", body);
    if (byFile && $("#c-file").files[0]) showProblems(await upload(made.id, $("#c-file").files[0]));
    else if (made.list) toast(t("campaigns.added", { count: made.list.added }));
    selected = made.id;
    $("#create-form").reset();
    await refresh();
  });
}

function controlButtons(c) {
  return (CONTROLS[c.status] || []).map((control) =>
    h("button", {
      type: "button",
      class: control === "start" || control === "resume" ? "primary small" : "small",
      dataset: { control, id: String(c.id) },
      onclick: (ev) => act(ev.currentTarget, async () => {
        await api.post(`/api/campaigns/${c.id}/${control}`);
        await refresh();
      }),
    }, t(`campaigns.control.${control}`)));
}

function abandonText(c) {
  const live = c.live;
  const pct = live ? live.abandon_pct : 0;
  return t("campaigns.abandon_of_cap", { pct: pct.toFixed(1), cap: c.abandon_cap_pct });
}

function drawList(list) {
  $("#campaign-empty").hidden = list.length > 0;
  fill(
    $("#campaign-table tbody"),
    list.map((c) =>
      h("tr", { class: c.id === selected ? "selected" : null, dataset: { id: String(c.id) } },
        h("td", {}, h("a", { href: "#", onclick: (ev) => { ev.preventDefault(); selected = c.id; refresh(); } }, c.name)),
        h("td", {}, t(`campaigns.state.${c.status}`)),
        h("td", {}, label("pacing", c.pacing)),
        h("td", { class: "dialled" }, `${c.progress.dialled} / ${c.progress.total}`),
        h("td", { class: "reached" }, String(c.progress.reached)),
        h("td", {}, `${c.progress.promises} · ${money(c.progress.promised_kop)}`),
        h("td", { class: "abandon" }, abandonText(c)),
        h("td", {}, controlButtons(c)),
      )),
  );
}

function drawDetail(d) {
  $("#detail").hidden = !d;
  if (!d) return;
  $("#detail-h").textContent = d.name;
  const p = d.progress;
  $("#detail-figures").textContent = t("campaigns.figures", {
    dialled: p.dialled, total: p.total, reached: p.reached, answered: p.answered, abandoned: p.abandoned,
    abandon: abandonText(d), kept: p.promises_kept, broken: p.promises_broken,
  });
  const form = $("#live-form");
  if (!form.contains(document.activeElement)) {
    $("#live-dial-level").value = d.dial_level;
    $("#live-cap").value = d.abandon_cap_pct;
    $("#live-attempts").value = d.max_attempts;
    $("#live-retry").value = d.retry_minutes;
    $("#live-pacing").value = d.pacing;
  }
  $("#export-csv").href = `/api/campaigns/${d.id}/not-reached.csv`;
  $("#export-xlsx").href = `/api/campaigns/${d.id}/not-reached.xlsx`;
  fill(
    $("#per-hour tbody"),
    d.per_hour.map((x) => h("tr", {},
      h("td", {}, new Date(x.hour).toLocaleString("ru-RU", { day: "2-digit", month: "2-digit", hour: "2-digit", minute: "2-digit" })),
      h("td", {}, String(x.dialled)), h("td", {}, String(x.reached)), h("td", {}, String(x.abandoned)),
      h("td", {}, `${x.promises} · ${money(x.promised_kop)}`))),
  );
  fill(
    $("#not-reached tbody"),
    d.not_reached.map((n) => h("tr", {},
      h("td", {}, h("a", { href: `/customers/${n.customer_id}` }, n.full_name)),
      h("td", {}, n.account), h("td", {}, phone(n.phone)), h("td", {}, money(n.debt_kop)),
      h("td", {}, String(n.attempts)), h("td", {}, n.last_result ? label("attempt_result", n.last_result) : "—"))),
  );
  fill(
    $("#attempts tbody"),
    d.attempts.map((a) => h("tr", {},
      h("td", {}, new Date(a.started_at).toLocaleString("ru-RU")),
      h("td", {}, phone(a.e164)),
      h("td", {}, a.outcome ? label("attempt_result", a.outcome) : t("campaigns.in_progress")),
      h("td", {}, a.disposition ? label("disposition", a.disposition) : "—"),
      h("td", {}, a.recording
        ? h("audio", { controls: true, preload: "none", src: `/api/campaign-attempts/${a.id}/recording` })
        : "—"))),
  );
}

function drawDnc(list) {
  fill(
    $("#dnc-list"),
    list.map((e) => h("li", {}, `${phone(e.e164)} ${e.reason ? "— " + e.reason : ""} `,
      h("button", {
        type: "button", class: "small ghost",
        onclick: (ev) => act(ev.currentTarget, async () => {
          await api.del(`/api/do-not-call/${encodeURIComponent(e.e164)}`);
          await refresh();
        }),
      }, t("campaigns.dnc_remove")))),
  );
}

function drawOutbox(list) {
  fill(
    $("#outbox-list"),
    list.length
      ? list.map((m) => h("li", {}, `${new Date(m.at).toLocaleString("ru-RU")} · ${label("reminder", m.kind)} · ${phone(m.e164)} — ${m.text}`))
      : h("li", { class: "muted" }, t("campaigns.outbox_empty")),
  );
}

async function refresh() {
  try {
    const [list, dnc, outbox] = await Promise.all([
      api.get("/api/campaigns"), api.get("/api/do-not-call"), api.get("/api/campaigns/outbox"),
    ]);
    if (selected == null && list.length) selected = list[0].id;
    drawList(list);
    drawDnc(dnc);
    drawOutbox(outbox);
    drawDetail(selected != null ? await api.get(`/api/campaigns/${selected}`) : null);
  } catch (err) {
    if (err?.status !== 401) toast(errorText(err), "error");
  }
}

/** The supervisors' namespace: "campaign" says a campaign's figures changed; a burst is one refresh. */
function live() {
  if (typeof window.io !== "function") return;
  const socket = window.io("/supervisor", { transports: ["websocket", "polling"] });
  let pending = null;
  socket.on("campaign", () => {
    if (pending) return;
    pending = setTimeout(() => {
      pending = null;
      refresh();
    }, 300);
  });
  socket.on("connect", () => refresh()); // after a reconnect: what was missed
}

async function boot() {
  await loadStrings();
  $("#create-form").addEventListener("submit", create);
  for (const radio of document.querySelectorAll('input[name="source"]')) {
    radio.addEventListener("change", () => {
      const byFile = document.querySelector('input[name="source"]:checked').value === "file";
      $("#c-filters").hidden = byFile;
      $("#c-file-row").hidden = !byFile;
    });
  }
  $("#live-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    act(ev.submitter, async () => {
      await api.post(`/api/campaigns/${selected}/settings`, {
        dial_level: number("#live-dial-level"),
        abandon_cap_pct: number("#live-cap"),
        max_attempts: number("#live-attempts"),
        retry_minutes: number("#live-retry"),
        pacing: value("#live-pacing"),
      });
      toast(t("campaigns.saved"));
      await refresh();
    });
  });
  $("#send-reminders").addEventListener("click", (ev) => act(ev.currentTarget, async () => {
    const done = await api.post(`/api/campaigns/${selected}/reminders`);
    toast(t("campaigns.reminders_sent", { sent: done.sent, refused: done.refused }));
    await refresh();
  }));
  $("#upload-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const file = $("#upload-file").files[0];
    if (!file || selected == null) return;
    act(ev.submitter, async () => {
      showProblems(await upload(selected, file));
      await refresh();
    });
  });
  $("#dnc-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    act(ev.submitter, async () => {
      await api.post("/api/do-not-call", { number: value("#dnc-number"), reason: value("#dnc-reason") });
      $("#dnc-form").reset();
      await refresh();
    });
  });
  await refresh();
  live();
  setInterval(refresh, REFRESH_MS);
}

boot();
