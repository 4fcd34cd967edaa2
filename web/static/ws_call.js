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
    callbacks: $("#callbacks-list"), callbacksCount: $("#callbacks-count"),
  };
  els.answer?.addEventListener("click", answer);
  els.hangup.addEventListener("click", hangup);
  els.transferTo.addEventListener("change", drawTransferTarget);
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
  on("callbacks", (cb) => drawCount(cb?.count));
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
  if (els.answer) els.answer.disabled = s !== "ringing";
  els.hangup.disabled = !live(c);
  els.transfer.disabled = s !== "talking";
  if (!c) {
    fill(els.view, h("p", { class: "empty" }, t("call.none")));
    return;
  }
  const number = c.direction === "outbound" ? c.dialed_number : c.caller_number;
  const queue = queueTitle(c.queue, state.me?.queues);
  const ivr = c.ivr || {};
  fill(
    els.view,
    h("div", { class: "call-number", id: "call-number" }, phone(number)),
    h("div", { class: "row" },
      h("span", { class: "badge", dataset: { state: c.direction } }, t(`call.direction.${c.direction}`)),
      h("span", { class: "badge", id: "call-state", dataset: { state: s } }, t(`call.state.${s}`))),
    h("dl", { class: "facts" },
      queue && [h("dt", {}, t("call.queue")), h("dd", { id: "call-queue" }, queue)],
      h("dt", {}, t("call.wait")), h("dd", { id: "call-wait" }),
      h("dt", {}, t("call.talk")), h("dd", { id: "call-talk" }),
      c.ended_at && [h("dt", {}, t("call.ended")), h("dd", {}, dateTime(c.ended_at))]),
    ivrView(ivr),
  );
  tick();
}

function ivrView(ivr) {
  const path = ivr.path || [];
  if (!path.length && !ivr.identified && !ivr.routing_queue) return null;
  const identified = ivr.identified === true ? t("ivr.yes") : ivr.identified || t("ivr.no");
  return h("section", { class: "ivr", id: "call-ivr" },
    h("h3", {}, t("ivr.title")),
    path.length ? h("ol", { class: "chips" }, path.map((step) => h("li", {}, label("ivr.node", step)))) : null,
    h("dl", { class: "facts" },
      h("dt", {}, t("ivr.identified")), h("dd", {}, identified),
      ivr.routing_queue && [h("dt", {}, t("ivr.routing_queue")), h("dd", {}, queueTitle(ivr.routing_queue, state.me?.queues))],
      ivr.routing_reason && [h("dt", {}, t("ivr.routing_reason")), h("dd", {}, ivr.routing_reason)],
      ivr.self_served && [h("dt", {}, t("ivr.self_served")), h("dd", {}, t("ivr.yes"))]));
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

export function answer() {
  if (!sim || state.call?.state !== "ringing") return;
  act(els.answer, () => api.post("/api/sim/answer"));
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
    await api.post("/api/originate", body);
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

function drawCount(count) {
  els.callbacksCount.textContent = count ? String(count) : "";
}

let loading = null;
/** Reload the call-back list (on start, on every `callbacks` event, after calling one back). */
export function refreshCallbacks() {
  loading ??= api.get("/api/callbacks")
    .then(drawCallbacks)
    .catch(() => {})
    .finally(() => (loading = null));
  return loading;
}

function drawCallbacks(cards) {
  drawCount(cards.length);
  if (!cards.length) return fill(els.callbacks, h("li", { class: "empty" }, t("callbacks.none")));
  fill(
    els.callbacks,
    cards.map((c) => {
      const btn = h("button", { type: "button", class: "small" }, t("callbacks.call"));
      btn.addEventListener("click", () =>
        act(btn, async () => {
          await api.post(`/api/callbacks/${c.id}/call`);
          toast(t("dial.started", { number: phone(c.caller_number) }));
          refreshCallbacks();
        }));
      return h("li", { class: "callback", dataset: { cardId: c.id } },
        h("div", {},
          h("strong", {}, phone(c.caller_number)),
          h("div", { class: "muted small" },
            [dateTime(c.offered_at), queueTitle(c.queue, state.me?.queues),
              c.wait_seconds != null ? t("callbacks.waited", { wait: duration(c.wait_seconds) }) : null]
              .filter(Boolean).join(" · "))),
        btn);
    }),
  );
}
