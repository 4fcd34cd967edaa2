// The wallboard's picture in the browser: the full picture, then the pushed changes in `seq` order.
// No DOM here: wallboard_view.js draws what this holds.

/** A new, empty picture. `seq` null: no full picture yet (changes wait in `pending`). */
export function emptyPicture() {
  return {
    seq: null, day: null, offsetMs: 0, shortAbandon: 5,
    queues: new Map(), operators: new Map(), intervals: new Map(), campaigns: [],
    pending: [], dirty: { queues: new Set(), operators: false, intervals: false, campaigns: false, all: true },
  };
}

const intervalKey = (i) => `${i.queue}\u0000${i.index}`;

/** The server's clock now (ticking figures use it, never the browser's own). */
export const serverNow = (pic) => Date.now() + pic.offsetMs;

function setClock(pic, now) {
  const at = Date.parse(now);
  if (!Number.isNaN(at)) pic.offsetMs = at - Date.now();
}

/** Take the full picture; the changes that came while it was asked for and are newer are applied after it. */
export function applyFull(pic, full) {
  pic.seq = full.seq;
  pic.day = full.day;
  pic.shortAbandon = full.short_abandon_seconds ?? 5;
  setClock(pic, full.now);
  pic.queues = new Map(full.queues.map((q) => [q.queue, q]));
  pic.operators = new Map(full.operators.map((o) => [o.interface, o]));
  pic.intervals = new Map(full.intervals.map((i) => [intervalKey(i), i]));
  pic.campaigns = full.campaigns || [];
  pic.dirty = { queues: new Set(), operators: true, intervals: true, campaigns: true, all: true };
  const waiting = pic.pending.filter((p) => p.seq > pic.seq).sort((a, b) => a.seq - b.seq);
  pic.pending = [];
  for (const p of waiting) {
    if (onPush(pic, p) === "gap") return "gap";
  }
  return "ok";
}

/** One push (`wallboard:changes`: figures and/or campaigns). "gap": one was missed, ask for the full picture. */
export function onPush(pic, push) {
  if (pic.seq == null) {
    pic.pending.push(push);
    return "waiting";
  }
  if (push.seq <= pic.seq) return "old"; // already in the picture
  if (push.seq !== pic.seq + 1) {
    pic.pending.push(push);
    return "gap";
  }
  pic.seq = push.seq;
  setClock(pic, push.now);
  if (push.campaigns) {
    pic.campaigns = push.campaigns;
    pic.dirty.campaigns = true;
  }
  if (push.new_day) {
    pic.queues.clear();
    pic.operators.clear();
    pic.intervals.clear();
    pic.day = push.day ?? pic.day;
    pic.dirty.all = true;
  }
  for (const q of push.queues || []) {
    pic.queues.set(q.queue, q);
    pic.dirty.queues.add(q.queue);
  }
  for (const o of push.operators || []) pic.operators.set(o.interface, o);
  if (push.operators?.length) pic.dirty.operators = true;
  for (const i of push.intervals || []) pic.intervals.set(intervalKey(i), i);
  if (push.intervals?.length) pic.dirty.intervals = true;
  return "ok";
}

/** "ok" | "warn" | "alert" for `value` against a [warn, alert] pair; "" when there is nothing to judge. */
export function grade(value, pair, lowerIsWorse = false) {
  if (value == null || !Array.isArray(pair) || Number.isNaN(value)) return "";
  const [warn, alert] = pair;
  if (lowerIsWorse) return value < alert ? "alert" : value < warn ? "warn" : "ok";
  return value >= alert ? "alert" : value >= warn ? "warn" : "ok";
}

/** Seconds since an ISO instant, by the server's clock; null when there is none. */
export function secondsSince(pic, iso) {
  if (!iso) return null;
  const at = Date.parse(iso);
  return Number.isNaN(at) ? null : Math.max(0, (serverNow(pic) - at) / 1000);
}

const COUNT_KEYS = ["offered", "answered", "answered_within", "abandoned", "short_abandoned", "waited_seconds"];

/** The day's 15-minute intervals of one queue (or all of them, `queue` ""), summed, in time order:
 * { x: [unix seconds], offered, answered, abandoned, sl: [% or null], waiting: [calls on average] }. */
export function chartSeries(pic, queue) {
  const byIndex = new Map();
  for (const i of pic.intervals.values()) {
    if (queue && i.queue !== queue) continue;
    const sum = byIndex.get(i.index) || { start: i.start, ...Object.fromEntries(COUNT_KEYS.map((k) => [k, 0])) };
    for (const k of COUNT_KEYS) sum[k] += i[k] || 0;
    byIndex.set(i.index, sum);
  }
  const rows = [...byIndex.entries()].sort((a, b) => a[0] - b[0]).map(([, v]) => v);
  const base = (r) => r.answered + r.abandoned - r.short_abandoned;
  return {
    x: rows.map((r) => Date.parse(r.start) / 1000),
    offered: rows.map((r) => r.offered),
    answered: rows.map((r) => r.answered),
    abandoned: rows.map((r) => r.abandoned),
    sl: rows.map((r) => (base(r) > 0 ? (100 * r.answered_within) / base(r) : null)),
    waiting: rows.map((r) => r.waited_seconds / (15 * 60)),
  };
}

const STATE_ORDER = ["ringing", "talking", "wrap_up", "free", "paused", "offline"];

/** Operators in the order a supervisor scans them: on a call first, offline last, then by name. */
export function sortedOperators(pic) {
  const rank = (o) => {
    const r = STATE_ORDER.indexOf(o.state);
    return r < 0 ? STATE_ORDER.length : r;
  };
  return [...pic.operators.values()].sort(
    (a, b) => rank(a) - rank(b) || String(a.name || a.interface).localeCompare(String(b.name || b.interface), "ru"),
  );
}
