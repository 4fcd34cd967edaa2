// Drawing the wallboard's picture (wallboard_model.js) with safe DOM only (dom.js): data goes in as text.
import { $, fill, h } from "./dom.js";
import { duration } from "./format.js";
import { label, queueTitle, t } from "./i18n.js";
import { grade, secondsSince, sortedOperators } from "./wallboard_model.js";

const pct = (v) => (v == null ? "—" : `${Math.round(v)}\u00a0%`);
const secs = (v) => (v == null ? "—" : duration(v));

function figure(name, text, { grade: g = "", tick = null, note = null } = {}) {
  const value = h("span", { class: "wb-value", dataset: { fig: name } }, text);
  if (g) value.dataset.grade = g;
  if (tick) Object.assign(value.dataset, tick);
  return h("div", { class: "wb-fig" }, h("span", { class: "wb-label" }, t(`wb.fig.${name}`)), value,
    note ? h("span", { class: "wb-note" }, note) : null);
}

/** One queue's tile. The longest wait ticks (data-since; see tick()). */
export function queueTile(pic, q) {
  const tg = q.targets || {};
  const longest = q.waiting ? secondsSince(pic, q.waiting_since) : null;
  return h(
    "article",
    { class: "wb-tile", dataset: { queue: q.queue } },
    h("h3", {}, queueTitle(q.queue, [{ name: q.queue, title: q.title }])),
    h(
      "div",
      { class: "wb-figs" },
      figure("waiting", String(q.waiting), { grade: grade(q.waiting, tg.waiting_calls) }),
      figure("longest_wait", q.waiting ? secs(longest) : "—", {
        grade: q.waiting ? grade(longest, tg.longest_wait_seconds) : "",
        tick: q.waiting && q.waiting_since ? { since: q.waiting_since, pair: (tg.longest_wait_seconds || []).join(",") } : null,
      }),
      figure("service_level", pct(q.service_level), {
        grade: grade(q.service_level, tg.service_level_pct, true),
        note: t("wb.within", { seconds: q.threshold_seconds }),
      }),
      figure("answered", String(q.answered)),
      figure("abandoned", String(q.abandoned), {
        grade: grade(q.abandoned_pct, tg.abandoned_pct),
        note: t("wb.short_abandons", { count: q.short_abandoned, seconds: pic.shortAbandon }),
      }),
      figure("abandoned_pct", pct(q.abandoned_pct), { grade: grade(q.abandoned_pct, tg.abandoned_pct) }),
      figure("asa", secs(q.asa_seconds)),
      figure("aht", secs(q.aht_seconds)),
    ),
    h(
      "div",
      { class: "wb-staff" },
      h("span", { class: "badge", dataset: { state: "free" } }, t("wb.staff_free", { count: q.operators_free })),
      h("span", { class: "badge", dataset: { state: "talking" } }, t("wb.staff_busy", { count: q.operators_busy })),
      h("span", { class: "badge", dataset: { state: "paused" } }, t("wb.staff_paused", { count: q.operators_paused })),
    ),
  );
}

export function renderQueues(pic) {
  const box = $("#wb-queues");
  const all = pic.dirty.all || box.querySelector(".empty");
  if (all) {
    fill(box, pic.queues.size ? [...pic.queues.values()].map((q) => queueTile(pic, q)) : h("p", { class: "empty" }, t("wb.no_queues")));
  } else {
    for (const name of pic.dirty.queues) {
      const q = pic.queues.get(name);
      const old = [...box.children].find((el) => el.dataset.queue === name);
      if (old && q) old.replaceWith(queueTile(pic, q));
      else if (q) box.append(queueTile(pic, q));
    }
  }
  pic.dirty.queues.clear();
}

function stateText(o) {
  const state = label("wb.state", o.state);
  return o.state === "paused" && o.pause_reason ? `${state}: ${label("pause_reason", o.pause_reason)}` : state;
}

export function renderOperators(pic) {
  const rows = sortedOperators(pic).map((o) =>
    h(
      "tr",
      { dataset: { interface: o.interface, state: o.state } },
      h("td", {}, o.name || o.interface),
      h("td", {}, h("span", { class: "badge", dataset: { state: o.state === "free" ? "available" : o.state } }, stateText(o))),
      h("td", { class: "num", dataset: o.since ? { since: o.since } : {} }, o.since ? secs(secondsSince(pic, o.since)) : "—"),
      h("td", { class: "num" }, String(o.answered)),
      h("td", { class: "num" }, secs(o.aht_seconds)),
      h("td", { class: "muted" }, o.queues.map((q) => queueTitle(q, [{ name: q, title: pic.queues.get(q)?.title }])).join(", ")),
    ),
  );
  fill($("#wb-operators"), rows.length ? rows : h("tr", {}, h("td", { colspan: 6, class: "empty" }, t("wb.no_operators"))));
  pic.dirty.operators = false;
}

export function renderCampaigns(pic) {
  const list = pic.campaigns || [];
  $("#wb-campaigns-box").hidden = list.length === 0; // the dialer has none running: no section
  fill(
    $("#wb-campaigns"),
    list.map((c) => {
      const warnAt = c.cap_pct != null ? [0.8 * c.cap_pct, c.cap_pct] : null;
      const progress = c.total ? (100 * c.dialled) / c.total : null;
      return h(
        "tr",
        { dataset: { campaign: c.name } },
        h("td", {}, c.title || c.name),
        h("td", { class: "num" }, `${c.dialled} / ${c.total}`, h("span", { class: "muted" }, ` (${pct(progress)})`)),
        h("td", { class: "num" }, String(c.reached)),
        h(
          "td",
          { class: "num" },
          h("span", { class: "wb-value", dataset: { grade: grade(c.abandon_pct, warnAt) } }, pct(c.abandon_pct)),
          c.cap_pct != null ? h("span", { class: "muted" }, ` ${t("wb.campaign_cap", { cap: c.cap_pct })}`) : null,
        ),
      );
    }),
  );
  pic.dirty.campaigns = false;
}

/** Once a second: the ticking figures (longest wait, time in state) from the server's clock. */
export function tick(pic) {
  for (const el of document.querySelectorAll("[data-since]")) {
    const s = secondsSince(pic, el.dataset.since);
    el.textContent = secs(s);
    if (el.dataset.pair) {
      const pair = el.dataset.pair.split(",").map(Number);
      el.dataset.grade = pair.length === 2 ? grade(s, pair) : "";
    }
  }
}
