// The right column: the call card (topic, result, notes), the talk script, filing an application,
// scheduling a follow-up call.
import { api, errorText } from "./api.js";
import { $, fill, h, say, setOptions } from "./dom.js";
import { dateTime, duration, localInputToIso, phone, time, toLocalInput } from "./format.js";
import { codeOf, label, queueTitle, t } from "./i18n.js";
import { on, set, state } from "./store.js";
import { act, toast } from "./ui.js";
import { drawReceipt, fieldValues } from "./ws_applications.js";

let els;
let current = null; // the card in the form
let dirty = false; // the operator changed the form since it was loaded or saved
// The customer (and account) chosen while this card was on screen: the card's own, whatever call rings next.
let bound = { customerId: null, accountId: null };
const scripts = new Map();

export function init() {
  els = {
    form: $("#card-form"), head: $("#card-head"), topic: $("#card-topic"), result: $("#card-result"),
    notes: $("#card-notes"), save: $("#btn-card-save"), msg: $("#card-msg"), script: $("#script-view"),
    appForm: $("#application-form"), appType: $("#application-type"), appAccount: $("#application-account"),
    appText: $("#application-text"), appCustomer: $("#application-customer"), appMsg: $("#application-msg"),
    fuForm: $("#followup-form"), fuDue: $("#followup-due"), fuPhone: $("#followup-phone"),
    fuNotes: $("#followup-notes"), fuMsg: $("#followup-msg"),
  };
  for (const el of [els.topic, els.result, els.notes]) {
    el.addEventListener("input", () => {
      dirty = true;
      say(els.msg, t("card.unsaved"), "warn");
    });
  }
  els.topic.addEventListener("change", () => loadScript(els.topic.value));
  els.form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    save();
  });
  els.appForm.addEventListener("submit", (ev) => {
    ev.preventDefault();
    fileApplication();
  });
  els.fuForm.addEventListener("submit", (ev) => {
    ev.preventDefault();
    scheduleFollowUp();
  });
  for (const tab of document.querySelectorAll(".tabs .tab")) tab.addEventListener("click", () => showTab(tab.dataset.tab));
  on("me", (me) => {
    const opts = (items, prefix) => (items || []).map((x) => ({ value: codeOf(x), label: label(prefix, x) }));
    setOptions(els.topic, opts(me.topics || me.vocabulary?.topic, "topic"), t("card.choose"));
    setOptions(els.result, opts(me.results || me.vocabulary?.result, "result"), t("card.choose"));
    if (current && !dirty) fillForm(current, true);
  });
  on("card", onCard);
  on("customer", (cp) => {
    bind();
    drawCustomer(cp);
  });
  on("account", () => {
    bind();
    drawCustomer(state.customer);
  });
  // The next call rings (or pops) while this card has unsaved edits: they go to this card, now.
  on("call", (c) => {
    if (c && current && c.call_id !== current.call_id) flush();
  });
  on("pop", (p) => {
    if (p && current && p.call_id !== current.call_id) flush();
  });
  api.get("/api/application-types")
    .then((types) => setOptions(els.appType, types.map((x) => ({ value: x.code, label: label("application.type", x) })), t("card.choose")))
    .catch(() => {});
  els.fuDue.value = toLocalInput(tomorrowAt10());
  drawCard(null);
}

export function showTab(name) {
  for (const tab of document.querySelectorAll(".tabs .tab")) tab.setAttribute("aria-selected", String(tab.dataset.tab === name));
  $("#tab-card").hidden = name !== "card";
  $("#tab-kb").hidden = name !== "kb";
}

function tomorrowAt10() {
  const d = new Date();
  d.setDate(d.getDate() + 1);
  d.setHours(10, 0, 0, 0);
  return d;
}

/** A `card` event: updates of my current card, or the card of a new call. */
export function onCardEvent(c) {
  const live = state.call && state.call.state !== "ended";
  if (current && c.id !== current.id && live && c.call_id !== state.call.call_id) return; // a late update of an old card
  set({ card: c });
}

/** The customer on screen belongs to the card in the form only while the pop on screen is this card's call
 * (or there is no pop: a customer found by search). A new call's pop never rebinds the old card. */
function bind() {
  if (!current) return;
  const pop = state.pop;
  if (pop && pop.call_id !== current.call_id && pop.card_id !== current.id) return;
  if (!state.customer) return; // nobody chosen yet: the card keeps the customer the server gave it
  bound = { customerId: state.customer.customer.id, accountId: state.account ?? null };
}

/** Save unsaved edits to their own card (its id, its customer) and leave the form clean for the next one. */
function flush() {
  if (!current || !dirty) return;
  const id = current.id;
  const body = values();
  dirty = false;
  say(els.msg, "");
  api.post(`/api/cards/${encodeURIComponent(id)}`, body)
    .then(() => toast(t("card.autosaved", { id })))
    .catch((err) => toast(t("card.autosave_failed", { id, error: errorText(err) }), "error"));
}

async function onCard(c) {
  if (!c) {
    // /api/me has no card: keep one the operator is still wrapping up, else clear.
    if (current && !current.wrapped_up_at && dirty) return;
    if (current && state.pop?.card_id === current.id) return;
    if (!current) return drawCard(null);
    return;
  }
  if (current && c.id !== current.id) flush(); // a new call's card: the last one's edits stay with it
  const fresh = !current || c.id !== current.id;
  current = c;
  if (fresh) {
    dirty = false;
    bound = { customerId: c.customer_id ?? null, accountId: c.account_id ?? null };
    bind();
    say(els.msg, "");
    say(els.appMsg, "");
    say(els.fuMsg, "");
    els.fuPhone.value = cardNumber(c) || "";
    showTab("card");
  }
  drawCard(c);
  fillForm(c, fresh);
}

function fillForm(c, force) {
  if (dirty && !force) return;
  els.topic.value = c.topic || "";
  els.result.value = c.result || "";
  els.notes.value = c.notes || "";
  loadScript(els.topic.value);
}

function drawCard(c) {
  for (const el of [els.topic, els.result, els.notes, els.save]) el.disabled = !c;
  if (!c) return fill(els.head, h("span", { class: "muted" }, t("card.none")));
  const talk = c.talk_seconds != null ? duration(c.talk_seconds) : "—";
  const wait = c.wait_seconds != null ? duration(c.wait_seconds) : "—";
  fill(els.head,
    h("div", { class: "row" },
      h("strong", { id: "card-id" }, t("card.number", { id: c.id })),
      h("span", { class: "badge", dataset: { state: c.state } }, label("call_state", c.state)),
      c.outcome ? h("span", { class: "badge" }, label("outcome", c.outcome)) : null),
    h("div", { class: "small muted" },
      [label("direction", c.direction), phone(cardNumber(c)), queueTitle(c.queue, state.me?.queues), dateTime(c.offered_at)].filter(Boolean).join(" · ")),
    h("div", { class: "small muted" }, t("card.times", { wait, talk }),
      c.wrapped_up_at ? ` · ${t("card.wrapped_at", { time: time(c.wrapped_up_at) })}` : ""));
}

const cardNumber = (c) => c.customer_number ?? c.caller_number;

function values() {
  const body = { topic: els.topic.value, result: els.result.value, notes: els.notes.value };
  if (current?.call_id) body.call_id = current.call_id; // the server refuses edits meant for another call's card
  if (bound.customerId != null) body.customer_id = bound.customerId;
  if (bound.customerId != null && bound.accountId != null) body.account_id = bound.accountId;
  return body;
}

/** Ctrl+S: save the card (during the call or after it). */
export function save() {
  if (!current) return;
  if (!els.topic.value) {
    say(els.msg, t("card.need_topic"), "error");
    els.topic.focus();
    return;
  }
  const id = current.id;
  return act(els.save, async () => {
    const card = await api.post(`/api/cards/${id}`, values());
    dirty = false;
    say(els.msg, t("card.saved", { time: time(new Date()) }), "ok");
    if (current?.id === id) set({ card: card || current });
  });
}

/** The talk script of the topic, with the customer's name filled in when we know it. */
async function loadScript(topic) {
  if (!topic) return fill(els.script, h("p", { class: "empty" }, t("script.choose_topic")));
  const customer = state.customer?.customer.full_name || "";
  const key = `${topic}|${customer}`;
  try {
    if (!scripts.has(key)) {
      const q = customer ? `?customer=${encodeURIComponent(customer)}` : "";
      scripts.set(key, await api.get(`/api/scripts/${encodeURIComponent(topic)}${q}`));
    }
  } catch {
    return fill(els.script, h("p", { class: "empty" }, t("script.none")));
  }
  if (els.topic.value !== topic) return;
  const s = scripts.get(key);
  const sections = s.sections || (s.steps ? [{ name: "steps", title: "", lines: s.steps }] : []);
  if (!sections.length) return fill(els.script, h("p", { class: "empty" }, t("script.none")));
  fill(els.script,
    h("div", { class: "script", id: "script-steps", dataset: { topic } },
      h("h4", {}, s.title || label("topic", topic)),
      sections.map((sec) => h("section", { class: `script-${sec.name}` },
        sec.title ? h("h5", {}, sec.title) : null,
        h(sec.name === "steps" ? "ol" : "ul", {}, (sec.lines || []).map((line) => h("li", {}, line)))))));
}

function drawCustomer(cp) {
  const accounts = cp?.accounts || [];
  if (els.topic.value) loadScript(els.topic.value); // the script greets the customer by name
  setOptions(els.appAccount, accounts.map((a) => ({ value: a.id, label: `${a.number} — ${a.address}` })), accounts.length ? null : t("application.no_account"));
  if (state.account && accounts.some((a) => a.id === state.account)) els.appAccount.value = String(state.account);
  els.appCustomer.textContent = cp ? t("application.for_customer", { name: cp.customer.full_name }) : t("application.no_customer");
}

function fileApplication() {
  const cp = state.customer;
  if (!cp) return say(els.appMsg, t("application.no_customer"), "error");
  const body = { type: els.appType.value, text: els.appText.value.trim(), customer_id: cp.customer.id };
  if (els.appAccount.value) body.account_id = Number(els.appAccount.value);
  if (current) body.card_id = current.id;
  body.fields = fieldValues();
  return act($("#btn-application"), async () => {
    const app = await api.post("/api/applications", body);
    els.appText.value = "";
    drawReceipt(app);
    say(els.appMsg, t("application.filed", {
      number: app.number, queue: label("department", app.department_queue), due: dateTime(app.due_at),
    }), "ok");
  });
}

function scheduleFollowUp() {
  const due = localInputToIso(els.fuDue.value);
  if (!due) return say(els.fuMsg, t("followup.need_due"), "error");
  const body = { kind: "follow_up", due_at: due, notes: els.fuNotes.value.trim() };
  if (state.customer) body.customer_id = state.customer.customer.id;
  if (current) body.card_id = current.id;
  if (els.fuPhone.value.trim()) body.phone = els.fuPhone.value.trim();
  return act($("#btn-followup"), async () => {
    await api.post("/api/tasks", body);
    els.fuNotes.value = "";
    say(els.fuMsg, t("followup.done", { due: dateTime(due) }), "ok");
  });
}
