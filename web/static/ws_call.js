// The left column: the current call and its controls, dialling out, the simulator helper, call-backs.
import { api } from "./api.js";
import { $, fill, h, say, setOptions } from "./dom.js";
import { dateTime, duration, phone, secondsBetween } from "./format.js";
import { label, queueTitle, t } from "./i18n.js";
import { on, set, state } from "./store.js";
import { act, toast } from "./ui.js";

let els;
let sim = false;

export function init(ctx) {
  sim = ctx.sim;
  els = {
    view: $("#call-view"), answer: $("#btn-answer"), hangup: $("#btn-hangup"),
    transferForm: $("#transfer-form"), transferTo: $("#transfer-to"), transferQueue: $("#transfer-queue"),
    transferTarget: $("#transfer-target"), transfer: $("#btn-transfer"), transferMsg: $("#transfer-msg"),
    dialForm: $("#dial-form"), dialNumber: $("#dial-number"), dial: $("#btn-dial"),
    simForm: $("#sim-form"), simNumber: $("#sim-number"), simQueue: $("#sim-queue"),
    callbacks: $("#callbacks-list"), callbacksCount: $("#callbacks-count"), callbacksMore: $("#btn-callbacks-more"),
    consult: $("#consult-box"), consultState: $("#consult-view"),
    consultComplete: $("#btn-consult-complete"), consultCancel: $("#btn-consult-cancel"),
  };
  els.consultComplete.addEventListener("click", () => consultAction(els.consultComplete, "complete", "consult.completed"));
  els.consultCancel.addEventListener("click", () => consultAction(els.consultCancel, "cancel", "consult.cancelled"));
  els.callbacksMore.addEventListener("click", () => moreCallbacks());
  els.answer?.addEventListener("click", answer);
  els.hangup.addEventListener("click", hangup);
  els.transferTo.addEventListener("change", drawTransferTarget);
  for (const radio of els.transferForm.querySelectorAll('input[name="transfer-kind"]')) {
    radio.addEventListener("change", drawTransferTarget);
  }
  els.transferForm.addEventListener("submit", (ev) => {
    ev.preventDefault();
    transfer();
  });
  els.dialForm.addEventListener("submit", (ev) => {
    ev.preventDefault();
    dial(els.dialNumber.value.trim(), els.dial);
  });
  els.simForm?.addEventListener("submit", (ev) => {
    ev.preventDefault();
    simCall();
  });
  on("me", (me) => {
    const queues = (me.queues || []).map((q) => ({ value: q.name, label: queueTitle(q.name, me.queues) }));
    setOptions(els.transferQueue, queues);
    if (els.simQueue) setOptions(els.simQueue, queues, t("sim.any_queue"));
  });
  on("call", draw);
  on("pop", () => draw(state.call)); // the pop may carry the routing of the call
  drawTransferTarget();
}

/** A `call` event: the newest call wins, but a late "ended" of some other call never hides mine. */
export function onCallEvent(c) {
  const cur = state.call;
  if (cur && c.call_id !== cur.call_id && c.state === "ended" && cur.state !== "ended") return;
  set({ call: c });
}

const live = (c) => c && c.state !== "ended";

function draw(c) {
  const s = c?.state;
  const consulting = Boolean(c?.consult && c.consult.state !== "failed");
  if (els.answer) els.answer.disabled = !phoneMayRing(c);
  els.hangup.disabled = !live(c);
  els.transfer.disabled = s !== "talking" || consulting;
  drawConsult(c);
  if (!c) {
    fill(els.view, h("p", { class: "empty" }, t("call.none")));
    return;
  }
  const queue = queueTitle(c.queue, state.me?.queues);
  fill(
    els.view,
    h("div", { class: "call-number", id: "call-number" }, phone(customerNumber(c))),
    h("div", { class: "row" },
      h("span", { class: "badge", id: "call-direction", dataset: { state: c.direction } }, label("direction", c.direction)),
      h("span", { class: "badge", id: "call-state", dataset: { state: s } }, label("call_state", s))),
    h("dl", { class: "facts" },
      queue && [h("dt", {}, t("call.queue")), h("dd", { id: "call-queue" }, queue)],
      h("dt", {}, t("call.wait")), h("dd", { id: "call-wait" }),
      h("dt", {}, t("call.talk")), h("dd", { id: "call-talk" }),
      c.ended_at && [h("dt", {}, t("call.ended")), h("dd", {}, dateTime(c.ended_at))]),
    routingView(c),
  );
  tick();
}

/** The customer's number: the other party, never the operator's own extension. */
function customerNumber(c) {
  return c.customer_number ?? (c.direction === "outbound" ? c.dialed_number : c.caller_number);
}

/** How the call reached me: the IVR path and the routing reason (sent with the call, else with the pop). */
function routingView(c) {
  const ivr = state.pop?.call_id === c.call_id ? state.pop.ivr || {} : {};
  const path = c.ivr_path || ivr.path || [];
  // The stored reason ends with the rule's id and priority for the audit ("… [rule vip, priority 10]"):
  // those are codes, not words for the operator.
  const reason = (c.routing_reason || ivr.routing_reason || "").replace(/\s*\[rule [^\]]*\]\s*$/, "");
  if (!path.length && !reason) return null;
  return h("section", { class: "ivr", id: "call-routing" },
    reason ? h("p", { id: "call-routing-reason" }, h("span", { class: "muted" }, t("call.routing_reason"), ": "), reason) : null,
    path.length
      ? h("div", { id: "call-ivr" },
        h("span", { class: "muted small" }, t("call.ivr_path")),
        h("ol", { class: "chips" }, path.map((step) => h("li", {}, ivrStep(step)))))
      : null,
    ivr.self_served ? h("p", { class: "small muted" }, t("ivr.self_served")) : null);
}

/** A step of the IVR path: a node, or `node:key` for the key the caller pressed there. */
function ivrStep(step) {
  const [node, key] = String(step).split(":", 2);
  return key ? t("ivr.pressed", { node: label("ivr.node", node), key }) : label("ivr.node", node);
}

/** The attended transfer in progress: who is being consulted, and the two ways out. */
function drawConsult(c) {
  const consult = c && live(c) ? c.consult : null;
  els.consult.hidden = !consult;
  if (!consult) return;
  const open = consult.state !== "failed";
  fill(els.consultState,
    h("span", { class: "badge", id: "consult-state", dataset: { state: consult.state } }, label("consult_state", consult.state)),
    " ", consult.target ? t("consult.with", { target: targetTitle(consult.target) }) : "");
  els.consultComplete.hidden = !open;
  els.consultComplete.disabled = consult.state !== "talking";
  els.consultCancel.hidden = !open;
}

function targetTitle(target) {
  const [kind, value] = String(target).includes(":") ? String(target).split(":", 2) : ["number", target];
  if (kind === "queue") return queueTitle(value, state.me?.queues);
  return kind === "agent" ? `${t("ws.extension")} ${value}` : phone(value);
}

function consultAction(button, verb, done) {
  const c = state.call;
  if (!c?.consult) return;
  act(button, async () => {
    await api.post(`/api/calls/${encodeURIComponent(c.call_id)}/transfer/${verb}`);
    say(els.transferMsg, t(done), "ok");
  });
}

/** Once a second: the wait and talk timers of the current call. */
export function tick() {
  const c = state.call;
  if (!c) return;
  const wait = $("#call-wait");
  const talk = $("#call-talk");
  if (wait) wait.textContent = duration(secondsBetween(c.offered_at, c.answered_at || c.ended_at));
  if (talk) talk.textContent = c.answered_at ? duration(secondsBetween(c.answered_at, c.ended_at)) : "—";
}

// A call I asked ccdesk to place (dialling out, a call-back) rings my own phone first; the server may
// announce the call only once that phone is picked up, so the page remembers it for the sim answer button.
let placed = null; // {callId, until}

function remember(callId) {
  placed = callId ? { callId, until: Date.now() + 60_000 } : null;
  draw(state.call);
}

/** My phone may be ringing: an inbound call offered to me, or a call I placed that is not answered yet. */
function phoneMayRing(c) {
  if (c?.state === "ringing" || (c?.state === "dialing" && !c.answered_at)) return true;
  if (!placed || Date.now() > placed.until) return false;
  return !(c?.call_id === placed.callId && (c.answered_at || c.state === "ended" || c.state === "talking"));
}

export function answer() {
  if (!sim || !phoneMayRing(state.call)) return;
  act(els.answer, async () => {
    await api.post("/api/sim/answer");
    placed = null;
  });
}

export function hangup() {
  const c = state.call;
  if (!live(c)) return;
  act(els.hangup, async () => {
    await api.post(`/api/calls/${encodeURIComponent(c.call_id)}/hangup`);
    toast(t("call.hung_up"));
  });
}

export function focusTransfer() {
  (els.transferTo.value === "queue" ? els.transferQueue : els.transferTarget).focus();
}

function drawTransferTarget() {
  // A consultation is with a person (an operator or a number), never with a queue.
  const attended = els.transferForm.querySelector('input[name="transfer-kind"]:checked')?.value === "attended";
  const queueOption = els.transferTo.querySelector('option[value="queue"]');
  queueOption.disabled = attended;
  if (attended && els.transferTo.value === "queue") els.transferTo.value = "agent";
  const to = els.transferTo.value;
  els.transferQueue.hidden = to !== "queue";
  els.transferTarget.hidden = to === "queue";
  els.transferTarget.placeholder = t(to === "agent" ? "transfer.agent_placeholder" : "transfer.phone_placeholder");
}

function transfer() {
  const c = state.call;
  if (c?.state !== "talking") return;
  const to = els.transferTo.value;
  const value = to === "queue" ? els.transferQueue.value : els.transferTarget.value.trim();
  if (!value) return say(els.transferMsg, t("transfer.no_target"), "error");
  const target = to === "queue" ? `queue:${value}` : to === "agent" ? `agent:${value}` : value;
  const kind = els.transferForm.querySelector('input[name="transfer-kind"]:checked').value;
  act(els.transfer, async () => {
    await api.post(`/api/calls/${encodeURIComponent(c.call_id)}/transfer`, { target, kind });
    say(els.transferMsg, t(`transfer.done_${kind}`), "ok");
  });
}

/** Call a number (outbound); the chosen customer goes along so the card is theirs. */
export function dial(number, button) {
  if (!number) return toast(t("dial.no_number"), "error");
  const body = { number };
  if (state.customer) body.customer_id = state.customer.customer.id;
  return act(button, async () => {
    const { call_id: callId } = await api.post("/api/originate", body);
    remember(callId);
    toast(t("dial.started", { number: phone(number) }));
  });
}

function simCall() {
  const body = {};
  if (els.simNumber.value.trim()) body.number = els.simNumber.value.trim();
  if (els.simQueue.value) body.queue = els.simQueue.value;
  act($("#btn-sim-call"), async () => {
    await api.post("/api/sim/call", body);
    toast(t("sim.placed"));
  });
}

/** How many wait: those on screen, "+" when more pages are left. */
function drawCount(count, more) {
  els.callbacksCount.textContent = count ? `${count}${more ? "+" : ""}` : "";
}

let loading = null;
let next = null; // the cursor of the next page, null when the list is complete
let shown = []; // the entries on screen, first page first

/** Reload the call-back list from its first page (on start, on every `callbacks` event, after a call). */
export function refreshCallbacks() {
  loading ??= api.get("/api/callbacks")
    .then((page) => {
      shown = [];
      addPage(page);
    })
    .catch(() => {})
    .finally(() => (loading = null));
  return loading;
}

function moreCallbacks() {
  if (!next) return;
  act(els.callbacksMore, async () => addPage(await api.get(`/api/callbacks?before=${encodeURIComponent(next)}`)));
}

function addPage(page) {
  const items = page?.items || [];
  next = page?.next ?? null;
  const seen = new Set(shown.map((c) => c.card_id));
  shown = shown.concat(items.filter((c) => !seen.has(c.card_id)));
  drawCallbacks();
}

function drawCallbacks() {
  els.callbacksMore.hidden = !next;
  drawCount(shown.length, Boolean(next));
  if (!shown.length) return fill(els.callbacks, h("li", { class: "empty" }, t("callbacks.none")));
  fill(els.callbacks, shown.map(callbackItem));
}

function callbackItem(c) {
  const details = [dateTime(c.at), queueTitle(c.queue, state.me?.queues),
    c.waited_seconds != null ? t("callbacks.waited", { wait: duration(c.waited_seconds) }) : null];
  let action;
  if (c.dialable) {
    action = h("button", { type: "button", class: "small" }, t("callbacks.call"));
    action.addEventListener("click", () =>
      act(action, async () => {
        const { call_id: callId } = await api.post(`/api/callbacks/${encodeURIComponent(c.card_id)}/call`);
        remember(callId);
        toast(t("dial.started", { number: phone(c.number) }));
        refreshCallbacks();
      }));
  } else {
    action = h("span", { class: "small muted not-dialable" },
      t("callbacks.cannot_call", { reason: label("not_dialable", c.not_dialable_reason) }));
  }
  return h("li", { class: "callback", dataset: { cardId: c.card_id, dialable: String(Boolean(c.dialable)) } },
    h("div", {},
      h("strong", {}, c.customer_name || t("callbacks.unknown_customer")),
      c.dialable ? h("div", {}, phone(c.number)) : null, // a withheld or non-phone caller id says nothing
      h("div", { class: "muted small" }, details.filter(Boolean).join(" · "))),
    action);
}
