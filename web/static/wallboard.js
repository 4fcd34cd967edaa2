// The supervisors' wallboard: pushed over Socket.IO (/supervisor), never polled. On every (re)connect the
// page asks for the full picture (`wallboard:full`); then it applies only the pushed changes, in `seq`
// order, and asks again when one is missing (emits can be lost).
import { goToLogin } from "./api.js";
import { $ } from "./dom.js";
import { date } from "./format.js";
import { loadStrings, t } from "./i18n.js";
import * as charts from "./wallboard_charts.js";
import { applyFull, emptyPicture, onPush } from "./wallboard_model.js";
import * as view from "./wallboard_view.js";

const pic = emptyPicture();
let socket = null;
let asking = false;
let drawing = false;

function setConnection(state) {
  const el = $("#conn-state");
  el.dataset.state = state;
  el.textContent = t(`conn.${state}`);
}

/** Ask for the full picture; the answer comes in the acknowledgement. Retried while connected. */
function askFull() {
  if (asking || !socket?.connected) return;
  asking = true;
  socket.timeout(10_000).emit("wallboard:full", {}, (err, full) => {
    asking = false;
    if (err || !full) {
      setTimeout(askFull, 1000);
      return;
    }
    if (applyFull(pic, full) === "gap") askFull();
    draw();
  });
}

function onPushed(push) {
  const result = onPush(pic, push);
  if (result === "gap") askFull();
  else if (result === "ok") draw();
}

/** Draw what changed, at most once a frame however fast the pushes come. */
function draw() {
  if (drawing) return;
  drawing = true;
  requestAnimationFrame(() => {
    drawing = false;
    const all = pic.dirty.all;
    if (all || pic.dirty.queues.size) view.renderQueues(pic);
    if (all || pic.dirty.operators) view.renderOperators(pic);
    if (all || pic.dirty.campaigns) view.renderCampaigns(pic);
    if (all) charts.renderQueueChoice(pic);
    if (all || pic.dirty.intervals) charts.renderCharts(pic);
    pic.dirty.all = false;
    $("#wb-day").textContent = pic.day ? date(pic.day) : "";
  });
}

function connect() {
  if (typeof window.io !== "function") {
    $("#conn-state").textContent = t("conn.no_client");
    return;
  }
  // deflate=0: no per-message compression of the pushes (web/sio.py says why).
  socket = window.io("/supervisor", { transports: ["websocket", "polling"], query: { deflate: "0" } });
  socket.on("connect", () => {
    setConnection("online");
    pic.seq = null; // changes that arrive before the answer wait for it
    askFull();
  });
  socket.on("disconnect", (reason) => {
    setConnection("reconnecting");
    asking = false;
    if (reason === "io server disconnect") {
      // The server ended the link (logout, session expired): it never comes back by itself.
      fetch("/api/session", { headers: { Accept: "application/json" } }).then((r) => {
        if (r.status === 401) goToLogin();
        else socket.connect();
      }, () => setTimeout(() => socket.connect(), 2000));
    }
  });
  socket.on("connect_error", () => {
    setConnection("reconnecting");
    if (socket.active) return; // a transport error: the client retries by itself
    fetch("/api/session").then((r) => {
      if (r.status === 401) goToLogin();
      else setTimeout(() => socket.connect(), 2000);
    }, () => setTimeout(() => socket.connect(), 2000));
  });
  socket.on("wallboard:changes", onPushed);
}

// The server ends a session nobody used for CCDESK_SESSION_IDLE_MINUTES; the pushes are no requests. A person
// at the board keeps it alive by using it (at most once a minute); a wall display nobody touches does so by
// itself while in large-screen mode (it still ends after the session's 12 hours, or on logout).
const KEEPALIVE_EVERY_MS = 60_000;
const WALL_KEEPALIVE_MS = 5 * 60_000;
let lastKeepalive = Date.now();
function keepAlive(force = false) {
  if (!force && Date.now() - lastKeepalive < KEEPALIVE_EVERY_MS) return;
  lastKeepalive = Date.now();
  fetch("/api/session", { headers: { Accept: "application/json" } }).then((r) => {
    if (r.status === 401) goToLogin();
  }, () => {});
}

/** Large-screen mode for a wall display: big type, no chrome. Kept in the URL (?screen=wall). */
function setWall(on) {
  document.body.classList.toggle("wb-wall", on);
  const toggle = $("#wb-wall-toggle");
  toggle.setAttribute("aria-pressed", on ? "true" : "false");
  toggle.textContent = t(on ? "wb.wall_off" : "wb.wall_on");
  const url = new URL(window.location.href);
  if (on) url.searchParams.set("screen", "wall");
  else url.searchParams.delete("screen");
  window.history.replaceState(null, "", url);
  charts.reset(pic);
}

async function boot() {
  await loadStrings();
  const wall = document.body.classList.contains("wb-wall");
  $("#wb-wall-toggle").textContent = t(wall ? "wb.wall_off" : "wb.wall_on");
  $("#wb-wall-toggle").addEventListener("click", () => setWall(!document.body.classList.contains("wb-wall")));
  $("#wb-wall-exit").addEventListener("click", () => setWall(false));
  document.addEventListener("keydown", (ev) => {
    if (ev.key === "Escape" && document.body.classList.contains("wb-wall")) setWall(false);
  });
  $("#wb-chart-queue").addEventListener("change", () => charts.renderCharts(pic));
  setInterval(() => view.tick(pic), 1000);
  for (const type of ["keydown", "pointerdown", "wheel"]) {
    document.addEventListener(type, () => keepAlive(), { passive: true });
  }
  setInterval(() => {
    if (document.body.classList.contains("wb-wall")) keepAlive(true);
  }, WALL_KEEPALIVE_MS);
  connect();
}

boot();
