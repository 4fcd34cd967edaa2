// The supervisor's page: the board from /api/supervision, kept live by what the server pushes on the /supervisor
// namespace (never fetched on a timer), and the actions on operators and waiting calls.
import { api, goToLogin } from "./api.js";
import { phone as shownNumber } from "./format.js";
import { $, say } from "./dom.js";
import { label, loadStrings, t } from "./i18n.js";
import { agentActions, renderAgents, renderWaiting, tick } from "./supervisor_view.js";
import { act, toast } from "./ui.js";

const PHONE_KEY = "ccdesk.supervisor.phone";

// What the server said last: the board (GET /api/supervision) after each (re)connect and action, then kept
// by the events the /supervisor namespace pushes — never fetched on a timer.
let meta = null; // queues, pause reasons, spy modes, max priority
const agents = new Map(); // interface → the operator's phone as the "agent" events tell it
const calls = new Map(); // call id → a call waiting or talking ("floor_call" events)
let spies = [];
let shown = "";
let fetching = null;
let drawing = false;

async function refresh() {
  if (fetching) return fetching;
  fetching = (async () => {
    for (;;) {
      try {
        const board = await api.get("/api/supervision");
        meta = board;
        agents.clear();
        for (const a of board.agents) agents.set(a.interface, a);
        calls.clear();
        for (const c of board.calls) calls.set(c.call_id, c);
        spies = board.spies;
        draw();
        return;
      } catch (err) {
        if (err?.status === 401) return;
        await new Promise((r) => setTimeout(r, 1000)); // the server is restarting
      }
    }
  })();
  try {
    await fetching;
  } finally {
    fetching = null;
  }
}

function onAgent(data) {
  const known = agents.get(data.interface);
  if (!known) return refresh(); // a phone not seen before: its operator's name comes with the board
  agents.set(data.interface, { ...known, ...data, fresh: true });
  draw();
}

function onCall(data) {
  if (data.gone) calls.delete(data.call_id);
  else calls.set(data.call_id, data);
  draw();
}

/** Many events arrive together on a busy floor: one drawing for all of them. */
function draw() {
  if (drawing || !meta) return;
  drawing = true;
  requestAnimationFrame(() => {
    drawing = false;
    render();
  });
}

function view() {
  const onPhone = new Map();
  const waiting = new Map();
  for (const c of calls.values()) {
    if (c.state === "talking" && c.agent) onPhone.set(c.agent, c);
    else if (c.queue) (waiting.get(c.queue) || waiting.set(c.queue, []).get(c.queue)).push(c);
  }
  // As the PBX serves them: a higher priority first, then who waits longest.
  for (const list of waiting.values()) list.sort((a, b) => (b.priority ?? 0) - (a.priority ?? 0) || a.since.localeCompare(b.since));
  const spiedBy = new Map();
  for (const s of spies) if (s.spied_agent) spiedBy.set(s.spied_agent, [...(spiedBy.get(s.spied_agent) || []), s.spy]);
  const rows = [...agents.values()].map((a) => {
    const call = onPhone.get(a.interface) || null;
    const talking = a.state === "talking" || call !== null;
    const actions = a.fresh ? agentActions(a, meta.spy_modes, talking) : a.actions;
    return { ...a, call, actions, spied_by: spiedBy.get(a.interface) || [] };
  });
  return { ...meta, agents: rows, waiting };
}

function render() {
  const board = view();
  const text = JSON.stringify({ ...board, waiting: [...board.waiting] });
  if (text === shown) return; // nothing changed: leave the controls as the supervisor has them
  shown = text;
  renderAgents($("#sv-agents tbody"), board, actions);
  $("#sv-agents-empty").hidden = board.agents.length > 0;
  renderWaiting($("#sv-queues"), board, actions);
}

function myPhone() {
  const value = $("#sv-phone").value.trim();
  if (!value) {
    toast(t("sv.phone_required"), "error");
    $("#sv-phone").focus();
    return null;
  }
  localStorage.setItem(PHONE_KEY, value);
  return value;
}

function confirmed(question) {
  const dialog = $("#sv-confirm");
  say($("#sv-confirm-question"), question);
  return new Promise((resolve) => {
    const done = (answer) => {
      dialog.close();
      $("#sv-confirm-yes").onclick = $("#sv-confirm-no").onclick = null;
      resolve(answer);
    };
    $("#sv-confirm-yes").onclick = () => done(true);
    $("#sv-confirm-no").onclick = () => done(false);
    dialog.oncancel = () => done(false);
    dialog.showModal();
  });
}

const who = (agent) => agent.name || agent.interface;

async function run(button, path, body, success) {
  const ok = await act(button, () => api.post(path, body));
  if (ok) {
    if (success) toast(success);
    refresh();
  }
  return ok;
}

const actions = {
  pause: (button, agent, reason) =>
    run(button, "/api/supervision/agents/pause", { interface: agent.interface, reason },
      t("sv.done.pause", { name: who(agent), reason: label("pause_reason", reason) })),
  unpause: (button, agent) =>
    run(button, "/api/supervision/agents/unpause", { interface: agent.interface }, t("sv.done.unpause", { name: who(agent) })),
  move: (button, agent, from, to) =>
    run(button, "/api/supervision/agents/move", { interface: agent.interface, from, to }, t("sv.done.move", { name: who(agent) })),
  async logOut(button, agent) {
    if (!(await confirmed(t("sv.confirm.log_out", { name: who(agent) })))) return;
    await run(button, "/api/supervision/agents/log-out", { interface: agent.interface }, t("sv.done.log_out", { name: who(agent) }));
  },
  spy(button, agent, mode) {
    const phone = myPhone();
    if (!phone) return null;
    return run(button, "/api/supervision/agents/spy", { interface: agent.interface, mode, phone },
      t("sv.done.spy", { phone }));
  },
  async takeOver(button, call) {
    const phone = myPhone();
    if (!phone) return;
    const number = call.customer_number ? shownNumber(call.customer_number) : t("sv.unknown_number");
    if (!(await confirmed(t("sv.confirm.take_over", { number, phone })))) return;
    await run(button, `/api/supervision/calls/${encodeURIComponent(call.call_id)}/take-over`, { phone },
      t("sv.done.take_over", { phone }));
  },
  priority(button, call, value) {
    const priority = Number(value);
    return run(button, `/api/supervision/calls/${encodeURIComponent(call.call_id)}/priority`,
      { priority: Number.isInteger(priority) ? priority : value }, t("sv.done.priority", { priority: value }));
  },
};

function setConnection(state) {
  const badge = $("#conn-state");
  badge.dataset.state = state;
  badge.textContent = t(`conn.${state}`);
}

function connect() {
  if (typeof window.io !== "function") {
    setConnection("reconnecting");
    return;
  }
  const socket = window.io("/supervisor", { transports: ["websocket", "polling"] });
  socket.on("connect", () => {
    setConnection("online");
    refresh(); // the page never trusts that it saw every event: the whole board again after each (re)connect
  });
  socket.on("disconnect", async (reason) => {
    setConnection("reconnecting");
    if (reason !== "io server disconnect") return;
    try {
      await api.get("/api/session");
    } catch (err) {
      if (err?.status === 401) return goToLogin();
    }
    socket.connect();
  });
  socket.on("connect_error", async () => {
    setConnection("reconnecting");
    if (socket.active) return;
    try {
      await api.get("/api/session");
    } catch (err) {
      if (err?.status === 401) return goToLogin();
    }
    setTimeout(() => socket.connect(), 2000);
  });
  socket.on("agent", onAgent);
  socket.on("floor_call", onCall);
  socket.on("spies", (list) => {
    spies = list;
    draw();
  });
}

async function boot() {
  await loadStrings();
  const phone = $("#sv-phone");
  phone.value = localStorage.getItem(PHONE_KEY) || phone.value;
  phone.addEventListener("change", () => localStorage.setItem(PHONE_KEY, phone.value.trim()));
  $("#sv-sim-answer")?.addEventListener("click", (e) => {
    const ext = myPhone();
    if (ext) act(e.currentTarget, () => api.post("/api/supervision/sim/answer", { phone: ext }));
  });
  setInterval(() => tick(), 1000);
  connect();
}

boot();
