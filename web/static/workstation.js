// The operator's screen: boot, the Socket.IO link, the resync with /api/me, keyboard shortcuts.
import { api, goToLogin } from "./api.js";
import { loadStrings, t } from "./i18n.js";
import { set, state } from "./store.js";
import * as presence from "./ws_presence.js";
import * as call from "./ws_call.js";
import * as pop from "./ws_pop.js";
import * as card from "./ws_card.js";
import * as kb from "./ws_kb.js";
import * as applications from "./ws_applications.js";
import * as campaign from "./ws_campaign.js";

const panels = [presence, call, pop, card, kb, applications, campaign];

/** Everything the server knows about me now; the page never trusts that it saw every event. */
async function resync() {
  for (let delay = 500; ; delay = Math.min(delay * 2, 5000)) {
    try {
      const me = await api.get("/api/me");
      set({ me });
      set({
        presence: me.presence, pbx: me.pbx, call: me.call, card: me.card, pop: me.pop,
      });
      call.refreshCallbacks();
      return;
    } catch (err) {
      if (err?.status === 401) return; // api.js is taking us to the login page
      await new Promise((r) => setTimeout(r, delay)); // the server is restarting: try again
    }
  }
}

function connect() {
  if (typeof window.io !== "function") {
    set({ connection: "reconnecting" });
    return;
  }
  const socket = window.io("/operator", { transports: ["websocket", "polling"] });
  socket.on("connect", () => {
    set({ connection: "online" });
    resync();
  });
  socket.on("disconnect", async (reason) => {
    set({ connection: "reconnecting" });
    if (reason !== "io server disconnect") return; // the client reconnects by itself
    // The server ended the link (logout elsewhere, session expired): Socket.IO never retries that.
    try {
      await api.get("/api/me");
    } catch (err) {
      if (err?.status === 401) return goToLogin();
    }
    socket.connect();
  });
  socket.on("connect_error", async () => {
    set({ connection: "reconnecting" });
    if (socket.active) return; // a transport error: the client retries by itself
    // The server refused us: logged out, or it is still starting. /api/me tells which.
    try {
      await api.get("/api/me");
    } catch (err) {
      if (err?.status === 401) return goToLogin();
    }
    setTimeout(() => socket.connect(), 2000);
  });
  socket.on("presence", (p) => set({ presence: p }));
  socket.on("call", (c) => call.onCallEvent(c));
  socket.on("pop", (p) => set({ pop: p }));
  socket.on("card", (c) => card.onCardEvent(c));
  socket.on("callbacks", (cb) => {
    set({ callbacks: cb });
    call.refreshCallbacks();
    applications.refreshFollowUps();
  });
  socket.on("applications", (a) => applications.onApplications(a));
  socket.on("pbx", (p) => set({ pbx: p }));
}

// The server ends a session nobody used for CCDESK_SESSION_IDLE_MINUTES (and takes the phone out of its
// queues). A person working the screen is not idle even when no request is sent: tell it, at most once a
// minute, on the first key or click after that.
const KEEPALIVE_EVERY_MS = 60_000;
let lastKeepalive = Date.now();
function keepAlive() {
  if (Date.now() - lastKeepalive < KEEPALIVE_EVERY_MS) return;
  lastKeepalive = Date.now();
  api.get("/api/session").catch(() => {}); // a 401 is handled by api.js: to the login page
}

function isTyping(ev) {
  const el = ev.target;
  return el instanceof HTMLElement && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
}

function onKey(ev) {
  const ctrl = ev.ctrlKey || ev.metaKey;
  let done = true;
  if (ev.key === "F2") call.answer();
  else if (ev.key === "F4") call.hangup();
  else if (ev.key === "F6") call.focusTransfer();
  else if (ev.key === "F8") presence.togglePause();
  else if (ctrl && (ev.key === "s" || ev.key === "S" || ev.key === "ы" || ev.key === "Ы")) card.save();
  else if (ctrl && (ev.key === "k" || ev.key === "K" || ev.key === "л" || ev.key === "Л")) kb.focus();
  else if (ev.key === "/" && !ctrl && !isTyping(ev)) pop.focusSearch();
  else if (ev.key === "Escape") {
    document.querySelectorAll("details.dropdown[open]").forEach((d) => (d.open = false));
    if (isTyping(ev)) ev.target.blur();
    done = false;
  } else done = false;
  if (done) ev.preventDefault();
}

async function boot() {
  await loadStrings();
  const root = document.querySelector(".topbar");
  const ctx = { sim: root.dataset.sim === "true", role: root.dataset.role };
  for (const p of panels) p.init(ctx);
  document.addEventListener("keydown", onKey);
  for (const type of ["keydown", "pointerdown", "wheel"]) {
    document.addEventListener(type, keepAlive, { passive: true });
  }
  setInterval(() => {
    call.tick();
    presence.tick();
    campaign.tick();
  }, 1000);
  connect();
  if (typeof window.io !== "function") {
    // No Socket.IO client: still show the state, and say why it will not update by itself.
    await resync();
    document.getElementById("conn-state").textContent = t("conn.no_client");
  }
}

boot();
