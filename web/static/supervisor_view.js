// The supervisor's tables: operators with what may be done to each, and the calls waiting in each queue.
// Data always goes in as text (dom.js); the buttons call `actions` (supervisor.js), which talks to the server.
import { h, fill } from "./dom.js";
import { phone } from "./format.js";
import { label, queueTitle, t } from "./i18n.js";

// What a supervisor picked in a row's selects, kept across re-renders (a re-render follows every event).
const picked = new Map();

function pick(key, select) {
  const value = picked.get(key);
  if (value && [...select.options].some((o) => o.value === value)) select.value = value;
  select.addEventListener("change", () => picked.set(key, select.value));
  return select;
}

export function elapsed(iso, now = Date.now()) {
  if (!iso) return "";
  const s = Math.max(0, Math.floor((now - Date.parse(iso)) / 1000));
  const mm = String(Math.floor(s / 60)).padStart(2, "0");
  const ss = String(s % 60).padStart(2, "0");
  return s >= 3600 ? `${Math.floor(s / 3600)}:${mm.slice(-2)}:${ss}` : `${mm}:${ss}`;
}

function since(iso) {
  return h("span", { class: "muted small", dataset: { since: iso || "" } }, elapsed(iso));
}

function stateCell(agent) {
  const parts = [h("span", { class: "badge", dataset: { state: agent.state } }, label("presence_state", agent.state))];
  const reason = agent.paused_reason;
  if (agent.paused && reason && reason !== "signed_out") parts.push(" ", label("pause_reason", reason));
  if (agent.since) parts.push(" ", since(agent.since));
  return parts;
}

function queuesCell(agent, queues) {
  const dynamic = agent.queues.map((q) => h("span", { class: "chip" }, queueTitle(q, queues)));
  const fixed = agent.static_queues.map((q) =>
    h("span", { class: "chip static", title: t("sv.static_hint") }, `${queueTitle(q, queues)} (${t("sv.static")})`),
  );
  return [...dynamic, ...fixed];
}

function callCell(agent, queues) {
  const call = agent.call;
  if (!call) return "";
  return [
    call.customer_number ? phone(call.customer_number) : t("sv.unknown_number"),
    call.queue ? h("span", { class: "muted small" }, ` · ${queueTitle(call.queue, queues)}`) : null,
    agent.spied_by.length ? h("span", { class: "badge", dataset: { state: "spied" } }, t("sv.spied")) : null,
  ];
}

/** The rule of workstation/supervision.py `agent_actions`, for a state an "agent" event pushed (the board the
 * server sends carries its own answer; the server checks again on every action). */
export function agentActions(agent, spyModes, talking) {
  const actions = [];
  const signedIn = agent.queues.length > 0 || (agent.static_queues.length > 0 && agent.paused_reason !== "signed_out");
  if (agent.user && signedIn) {
    const handPaused = agent.paused && !["after_call_work", "signed_out", null, undefined].includes(agent.paused_reason);
    if (!handPaused) actions.push("pause");
    if (agent.paused || agent.state === "wrap_up") actions.push("unpause");
    if (agent.queues.length) actions.push("move");
    actions.push("log_out");
  }
  if (talking) actions.push(...spyModes);
  return actions;
}

function actionControls(agent, board, actions) {
  const can = new Set(agent.actions);
  const controls = [];
  const key = agent.interface;
  if (can.has("pause")) {
    const reason = pick(
      `${key}:reason`,
      h("select", { "aria-label": t("sv.pause_reason") }, board.pause_reasons.map((r) => h("option", { value: r }, label("pause_reason", r)))),
    );
    controls.push(
      h("span", { class: "sv-group" }, reason, h("button", {
        type: "button", class: "small", dataset: { action: "pause" },
        onclick: (e) => actions.pause(e.currentTarget, agent, reason.value),
      }, t("sv.action.pause"))),
    );
  }
  if (can.has("unpause")) {
    controls.push(h("button", {
      type: "button", class: "small primary", dataset: { action: "unpause" },
      onclick: (e) => actions.unpause(e.currentTarget, agent),
    }, t("sv.action.unpause")));
  }
  if (can.has("move")) {
    const from = pick(`${key}:from`, h("select", { "aria-label": t("sv.move_from") },
      agent.queues.map((q) => h("option", { value: q }, queueTitle(q, board.queues)))));
    const others = board.queues.filter((q) => !agent.queues.includes(q.name) && !agent.static_queues.includes(q.name));
    const to = pick(`${key}:to`, h("select", { "aria-label": t("sv.move_to") },
      others.map((q) => h("option", { value: q.name }, queueTitle(q.name, board.queues)))));
    controls.push(h("span", { class: "sv-group" }, from, " → ", to, h("button", {
      type: "button", class: "small", dataset: { action: "move" }, disabled: !others.length,
      onclick: (e) => actions.move(e.currentTarget, agent, from.value, to.value),
    }, t("sv.action.move"))));
  }
  for (const mode of board.spy_modes) {
    if (!can.has(mode)) continue;
    controls.push(h("button", {
      type: "button", class: "small", dataset: { action: mode },
      onclick: (e) => actions.spy(e.currentTarget, agent, mode),
    }, label("spy_mode", mode)));
  }
  if (can.has("log_out")) {
    controls.push(h("button", {
      type: "button", class: "small danger", dataset: { action: "log_out" },
      onclick: (e) => actions.logOut(e.currentTarget, agent),
    }, t("sv.action.log_out")));
  }
  return controls;
}

export function renderAgents(tbody, board, actions) {
  fill(tbody, board.agents.map((agent) => h("tr", { dataset: { interface: agent.interface, state: agent.state } },
    h("td", {}, agent.name || agent.interface.split("/").pop(), agent.user ? null : h("span", { class: "muted small" }, ` (${t("sv.bot")})`),
      h("div", { class: "muted small" }, `${t("ws.extension")} ${agent.interface.split("/").pop()}`)),
    h("td", { class: "sv-state" }, stateCell(agent)),
    h("td", {}, queuesCell(agent, board.queues)),
    h("td", {}, callCell(agent, board.queues)),
    h("td", {}, h("div", { class: "sv-actions" }, actionControls(agent, board, actions))),
  )));
}

function waitingRow(call, board, actions) {
  const can = new Set(call.actions);
  const controls = [];
  if (can.has("take_over")) {
    controls.push(h("button", {
      type: "button", class: "small", dataset: { action: "take_over" },
      onclick: (e) => actions.takeOver(e.currentTarget, call),
    }, t("sv.action.take_over")));
  }
  if (can.has("priority")) {
    const input = h("input", {
      type: "number", min: 0, max: board.max_priority, step: 1, size: 4, class: "sv-priority",
      value: String(call.priority ?? 10), "aria-label": t("sv.priority"),
    });
    controls.push(h("span", { class: "sv-group" }, input, h("button", {
      type: "button", class: "small", dataset: { action: "priority" },
      onclick: (e) => actions.priority(e.currentTarget, call, input.value),
    }, t("sv.action.priority"))));
  }
  return h("tr", { dataset: { callId: call.call_id } },
    h("td", {}, call.customer_number ? phone(call.customer_number) : t("sv.unknown_number")),
    h("td", {}, h("span", { class: "badge", dataset: { state: call.state } }, label("call_state", call.state)), " ", since(call.since)),
    h("td", {}, call.priority == null ? "—" : String(call.priority)),
    h("td", {}, h("div", { class: "sv-actions" }, controls)),
  );
}

export function renderWaiting(box, board, actions) {
  fill(box, board.queues.map((q) => ({ ...q, waiting: board.waiting.get(q.name) || [] })).map((q) => h("div", { class: "sv-queue", dataset: { queue: q.name } },
    h("h3", {}, queueTitle(q.name, board.queues), " ", h("span", { class: "badge", dataset: { state: q.waiting.length ? "queued" : "" } },
      t("sv.waiting_count", { n: q.waiting.length }))),
    q.waiting.length
      ? h("table", { class: "sv-table" },
        h("thead", {}, h("tr", {}, h("th", {}, t("sv.col.caller")), h("th", {}, t("sv.col.wait")),
          h("th", {}, t("sv.col.priority")), h("th", {}, t("sv.col.actions")))),
        h("tbody", {}, q.waiting.map((call) => waitingRow(call, board, actions))))
      : null,
  )));
}

/** The clocks of the rows tick in the browser: no request for that. */
export function tick(root = document) {
  const now = Date.now();
  for (const el of root.querySelectorAll("[data-since]")) el.textContent = elapsed(el.dataset.since, now);
}
