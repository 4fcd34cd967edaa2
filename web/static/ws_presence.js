// The top bar: presence (sign in to queues, pause with a reason, resume, sign out, wrap-up and "ready"),
// connection, PBX, and logging out (asked first while the phone is in queues).
import { api } from "./api.js";
import { $, fill, h, setOptions } from "./dom.js";
import { duration, secondsBetween } from "./format.js";
import { codeOf, label, queueTitle, t } from "./i18n.js";
import { on, set, state } from "./store.js";
import { act, toast } from "./ui.js";

let els;

export function init() {
  els = {
    state: $("#presence-state"), detail: $("#presence-detail"), statics: $("#presence-static"),
    signinBox: $("#signin-box"), signinForm: $("#signin-form"), signinQueues: $("#signin-queues"),
    pauseForm: $("#pause-form"), pauseReason: $("#pause-reason"), resume: $("#btn-resume"),
    signout: $("#btn-signout"), wrapup: $("#wrapup-box"), wrapupLeft: $("#wrapup-left"), ready: $("#btn-ready"),
    conn: $("#conn-state"), pbx: $("#pbx-state"),
    logoutForm: $("#logout-form"), logoutDialog: $("#logout-dialog"), logoutQuestion: $("#logout-question"),
  };
  els.signinForm.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const queues = [...els.signinQueues.querySelectorAll("input:checked")].map((i) => i.value);
    if (!queues.length) return toast(t("presence.no_queue_chosen"), "error");
    change(els.signinForm.querySelector("button"), "/api/presence/sign-in", { queues });
  });
  els.pauseForm.addEventListener("submit", (ev) => {
    ev.preventDefault();
    pause();
  });
  els.resume.addEventListener("click", () => change(els.resume, "/api/presence/resume"));
  els.signout.addEventListener("click", () => change(els.signout, "/api/presence/sign-out"));
  els.ready.addEventListener("click", () => ready());
  els.logoutForm.addEventListener("submit", askBeforeLogout);
  $("#btn-logout-stay").addEventListener("click", () => els.logoutDialog.close());
  $("#btn-logout-confirm").addEventListener("click", () => {
    els.logoutDialog.close();
    els.logoutForm.submit(); // the server takes the phone out of its queues
  });
  on("me", drawLists);
  on("presence", drawPresence);
  on("connection", drawConnection);
  on("pbx", drawPbx);
  drawConnection(state.connection);
}

async function change(button, path, body) {
  const presence = await act(button, () => api.post(path, body));
  if (presence) {
    els.signinBox.open = false;
    set({ presence });
  }
  return presence;
}

function pause() {
  const reason = els.pauseReason.value;
  return change(els.pauseForm.querySelector("button"), "/api/presence/pause", { reason });
}

/** "Ready": wrap-up is over. A queue that needs the call's result refuses until the card has one. */
export function ready() {
  return change(els.ready, "/api/presence/ready");
}

/** F8: pause with the chosen reason, or resume. */
export function togglePause() {
  const s = state.presence?.state;
  if (s === "paused") return change(els.resume, "/api/presence/resume");
  if (s && s !== "signed_out") return pause();
  els.signinBox.open = true;
  els.signinBox.querySelector("input")?.focus();
}

const queueNames = (names) => (names || []).map((q) => queueTitle(q, state.me?.queues)).join(", ");

function askBeforeLogout(ev) {
  const p = state.presence;
  const queues = [...(p?.queues || []), ...(p?.static_queues || [])];
  if (!queues.length || p?.state === "signed_out") return; // nothing to lose: log out at once
  ev.preventDefault();
  els.logoutQuestion.textContent = t("logout.confirm_in_queues", { queues: queueNames(queues) });
  els.logoutDialog.showModal();
}

function drawLists(me) {
  setOptions(els.pauseReason, (me.pause_reasons || []).map((r) => ({ value: codeOf(r), label: label("pause_reason", r) })));
  const mine = new Set(me.presence?.queues?.length ? me.presence.queues : me.user?.queues || []);
  const statics = new Set(me.presence?.static_queues || []);
  const offered = (me.queues || [])
    .filter((q) => !me.user?.queues?.length || me.user.queues.includes(q.name))
    .filter((q) => !statics.has(q.name)); // set in the PBX: not the operator's to choose
  fill(
    els.signinQueues,
    offered.map((q) =>
      h("label", { class: "check" },
        h("input", { type: "checkbox", value: q.name, checked: mine.has(q.name) }), " ", queueTitle(q.name, me.queues)),
    ),
  );
}

function drawPresence(p) {
  const s = p?.state || "signed_out";
  els.state.dataset.state = s;
  els.state.textContent = label("presence_state", s);
  const queues = queueNames(p?.queues);
  els.detail.textContent = s === "paused" && p.paused_reason
    ? label("pause_reason", p.paused_reason)
    : queues ? t("presence.in_queues", { queues }) : "";
  const statics = queueNames(p?.static_queues);
  els.statics.textContent = statics ? t("presence.static_queues", { queues: statics }) : "";
  els.statics.hidden = !statics;
  // A phone that is only a static member (queues.conf) is "available" without having signed in anywhere.
  els.signinBox.hidden = s !== "signed_out" && Boolean(p?.queues?.length);
  els.pauseForm.hidden = !(s === "available" || s === "wrap_up" || s === "ringing" || s === "talking");
  els.resume.hidden = s !== "paused";
  els.signout.hidden = s === "signed_out";
  els.wrapup.hidden = s !== "wrap_up";
  tick();
}

/** Once a second: the wrap-up countdown. */
export function tick() {
  const p = state.presence;
  if (p?.state !== "wrap_up") return;
  const left = p.wrap_up_until ? -secondsBetween(p.wrap_up_until) : null;
  const parts = [left != null ? t("wrap_up.left", { time: duration(Math.max(0, left)) }) : null,
    p.wrap_up_requires_result ? t("wrap_up.needs_result") : null];
  els.wrapupLeft.textContent = parts.filter(Boolean).join(" · ");
}

function drawConnection(c) {
  els.conn.dataset.state = c;
  els.conn.textContent = t(`conn.${c}`);
}

function drawPbx(pbx) {
  const health = typeof pbx?.health === "object" ? pbx.health?.state : pbx?.health;
  els.pbx.dataset.state = health || "unknown";
  els.pbx.textContent = `${t("pbx.label")}: ${health ? label("pbx", health) : "—"}`;
}
