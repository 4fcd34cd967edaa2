// The top bar: presence (sign in to queues, pause with a reason, resume, sign out), connection, PBX.
import { api } from "./api.js";
import { $, fill, h, setOptions } from "./dom.js";
import { codeOf, label, queueTitle, t } from "./i18n.js";
import { on, set, state } from "./store.js";
import { act, toast } from "./ui.js";

let els;

export function init() {
  els = {
    state: $("#presence-state"), detail: $("#presence-detail"), signinBox: $("#signin-box"),
    signinForm: $("#signin-form"), signinQueues: $("#signin-queues"), pauseForm: $("#pause-form"),
    pauseReason: $("#pause-reason"), resume: $("#btn-resume"), signout: $("#btn-signout"),
    conn: $("#conn-state"), pbx: $("#pbx-state"),
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
}

function pause() {
  const reason = els.pauseReason.value;
  return change(els.pauseForm.querySelector("button"), "/api/presence/pause", { reason });
}

/** F8: pause with the chosen reason, or resume. */
export function togglePause() {
  const s = state.presence?.state;
  if (s === "paused") return change(els.resume, "/api/presence/resume");
  if (s && s !== "signed_out") return pause();
  els.signinBox.open = true;
  els.signinBox.querySelector("input")?.focus();
}

function drawLists(me) {
  setOptions(els.pauseReason, (me.pause_reasons || []).map((r) => ({ value: codeOf(r), label: label("pause", r) })));
  const mine = new Set(me.presence?.queues?.length ? me.presence.queues : me.user?.queues || []);
  const offered = (me.queues || []).filter((q) => !me.user?.queues?.length || me.user.queues.includes(q.name));
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
  els.state.textContent = t(`presence.${s}`);
  const queues = (p?.queues || []).map((q) => queueTitle(q, state.me?.queues)).join(", ");
  els.detail.textContent = s === "paused" && p.paused_reason
    ? label("pause", p.paused_reason)
    : queues ? t("presence.in_queues", { queues }) : "";
  els.signinBox.hidden = s !== "signed_out";
  els.pauseForm.hidden = !(s === "available" || s === "wrap_up" || s === "ringing" || s === "talking");
  els.resume.hidden = s !== "paused";
  els.signout.hidden = s === "signed_out";
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
