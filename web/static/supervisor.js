// The supervisor's page: the board from /api/supervision, fetched again when the server pushes an event on the
// /supervisor namespace (never on a timer), and the actions on operators and waiting calls.
import { api, goToLogin } from "./api.js";
import { $, say } from "./dom.js";
import { label, loadStrings, t } from "./i18n.js";
import { renderAgents, renderWaiting, tick } from "./supervisor_view.js";
import { act, toast } from "./ui.js";

const PHONE_KEY = "ccdesk.supervisor.phone";
const GATHER_MS = 250;
let board = null;
let shown = "";
let fetching = null;
let again = false;

/** One board request at a time; events arriving meanwhile ask for one more, not one each. */
async function refresh() {
  if (fetching) {
    again = true;
    return fetching;
  }
  fetching = (async () => {
    do {
      again = false;
      try {
        board = await api.get("/api/supervision");
        render();
      } catch (err) {
        if (err?.status === 401) return;
        await new Promise((r) => setTimeout(r, 1000)); // the server is restarting: the socket will say when
      }
      // A busy floor sends many events a second: gather them for a moment, one request for all of them.
      if (again) await new Promise((r) => setTimeout(r, GATHER_MS));
    } while (again);
  })();
  try {
    await fetching;
  } finally {
    fetching = null;
  }
}

function render() {
  const text = JSON.stringify(board);
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
    const number = call.customer_number || t("sv.unknown_number");
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
  for (const event of ["agent", "call", "spies", "priority"]) socket.on(event, () => refresh());
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
