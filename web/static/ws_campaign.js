// The campaign side of the operator's screen: on a campaign call, the campaign, the debtor's earlier
// promises, the disposition (promise to pay with amount and date, wrong number, refused, …) and the
// recording; in preview campaigns, the next debtor's card with Dial / Skip and the time left.
import { api } from "./api.js";
import { $, fill, h } from "./dom.js";
import { label, t } from "./i18n.js";
import { date, localInputToIso, money, phone } from "./format.js";
import { on } from "./store.js";
import { act, toast } from "./ui.js";

let els;
let side = null; // {attempt, campaign, promises, dispositions} of the call on screen
let card = null; // the preview card on screen
let previews = []; // running preview campaigns of my queues

export function init() {
  els = { box: $("#campaign-box"), preview: $("#preview-box") };
  on("pop", onPop);
  on("presence", () => refreshPreview());
  refreshPreview();
}

async function onPop(p) {
  if (!p || p.direction !== "outbound" || !p.call_id) return; // wrap-up keeps the last campaign call
  try {
    const found = await api.get(`/api/campaign-calls/${encodeURIComponent(p.call_id)}`);
    if (!found.attempt) return;
    side = found;
    draw();
  } catch (err) {
    console.warn(err);
  }
}

function draw() {
  els.box.hidden = !side;
  if (!side) return;
  const a = side.attempt;
  const select = h(
    "select", { id: "dispo-kind", "aria-label": t("dialer.disposition") },
    side.dispositions.map((d) => h("option", { value: d, selected: a.disposition === d }, label("disposition", d))),
  );
  const amount = h("input", { id: "dispo-amount", type: "number", min: "0.01", step: "0.01", "aria-label": t("dialer.amount") });
  const promised = h("input", { id: "dispo-date", type: "date", "aria-label": t("dialer.promised_on") });
  const callback = h("input", { id: "dispo-callback", type: "datetime-local", "aria-label": t("dialer.callback_at") });
  const promiseRow = h("div", { class: "row", id: "dispo-promise" },
    h("label", {}, t("dialer.amount"), " ", amount), h("label", {}, t("dialer.promised_on"), " ", promised));
  const callbackRow = h("div", { class: "row", id: "dispo-callback-row" }, h("label", {}, t("dialer.callback_at"), " ", callback));
  const notes = h("input", { id: "dispo-notes", maxlength: "1000", "aria-label": t("dialer.dispute_notes") });
  const notesRow = h("div", { class: "row", id: "dispo-notes-row" }, h("label", {}, t("dialer.dispute_notes"), " ", notes));
  const sync = () => {
    promiseRow.hidden = select.value !== "promise_to_pay";
    callbackRow.hidden = select.value !== "call_back";
    notesRow.hidden = select.value !== "dispute";
  };
  select.addEventListener("change", sync);
  const save = h("button", { type: "submit", class: "primary", id: "dispo-save" }, t("dialer.save"));
  const form = h("form", { id: "dispo-form" }, h("label", {}, t("dialer.disposition"), " ", select), promiseRow, callbackRow, notesRow, save);
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    act(save, async () => {
      const body = { disposition: select.value };
      if (select.value === "promise_to_pay") Object.assign(body, { amount_rub: Number(amount.value), promised_on: promised.value });
      if (select.value === "call_back") body.callback_at = localInputToIso(callback.value);
      if (select.value === "dispute") body.notes = notes.value.trim();
      const saved = await api.post(`/api/campaign-attempts/${a.id}/disposition`, body);
      side.attempt = saved;
      toast(t("dialer.saved", { what: label("disposition", body.disposition) }));
      if (saved.application) toast(t("dialer.dispute_filed", { number: saved.application.number }));
      const again = await api.get(`/api/campaign-calls/${encodeURIComponent(a.call_id)}`);
      side.promises = again.promises;
      draw();
    });
  });
  sync();
  fill(
    els.box,
    h("h3", {}, `${t("dialer.title")}: ${side.campaign.name}`),
    side.campaign.creditor ? h("p", { class: "muted" }, t("dialer.creditor", { name: side.campaign.creditor })) : null,
    h("p", {}, t("dialer.number", { number: phone(a.e164) })),
    h("h4", {}, t("dialer.promises")),
    side.promises.length
      ? h("ul", { class: "plain", id: "promise-list" }, side.promises.map((p) => h("li", { dataset: { status: p.status } },
        t("dialer.promise_line", { amount: money(p.amount_kop), date: date(p.promised_on), status: label("promise", p.status) }))))
      : h("p", { class: "muted" }, t("dialer.no_promises")),
    form,
    a.recording
      ? h("p", {}, t("dialer.recording"), " ",
        h("audio", { controls: true, preload: "none", src: `/api/campaign-attempts/${a.id}/recording` }))
      : null,
  );
}

// ------------------------------------------------------------------ preview

async function refreshPreview() {
  try {
    const found = await api.get("/api/campaigns/preview");
    previews = found.campaigns;
    card = received(found.card);
  } catch (err) {
    previews = [];
  }
  drawPreview();
}

/** The card with its deadline on the browser's clock (the server says how many seconds are left). */
function received(c) {
  return c ? { ...c, until: Date.now() + c.seconds_left * 1000 } : null;
}

export function tick() {
  if (card) drawPreview();
}

function drawPreview() {
  els.preview.hidden = !previews.length && !card;
  if (els.preview.hidden) return;
  if (!card) {
    fill(
      els.preview,
      h("h3", {}, t("dialer.preview")),
      previews.map((c) => h("button", {
        type: "button", class: "primary", title: c.name, dataset: { campaign: String(c.id) },
        onclick: (ev) => act(ev.currentTarget, async () => {
          card = received(await api.post(`/api/campaigns/${c.id}/preview/next`));
          drawPreview();
        }),
      }, previews.length > 1 ? `${t("dialer.preview_next")}: ${c.name}` : t("dialer.preview_next"))),
    );
    return;
  }
  const left = Math.max(0, Math.round((card.until - Date.now()) / 1000));
  if (left <= 0) {
    card = null; // the server dials or skips by the campaign's rule
    setTimeout(refreshPreview, 1500);
  }
  const press = (what) => (ev) => act(ev.currentTarget, async () => {
    await api.post(`/api/campaigns/preview/${card.target_id}/${what}`);
    card = null;
    drawPreview();
  });
  fill(
    els.preview,
    h("h3", {}, `${t("dialer.preview")}: ${card ? card.campaign : ""}`),
    card ? h("div", { class: "preview-card", id: "preview-card" },
      h("p", {}, h("strong", {}, card.full_name), " · ", card.account),
      h("p", {}, t("dialer.preview_debt", { amount: money(card.debt_kop) }), " · ", phone(card.number)),
      h("p", { class: "muted", id: "preview-left" }, t("dialer.preview_left", { seconds: left })),
      h("div", { class: "row" },
        h("button", { type: "button", class: "primary", id: "preview-dial", onclick: press("dial") }, t("dialer.preview_dial")),
        h("button", { type: "button", id: "preview-skip", onclick: press("skip") }, t("dialer.preview_skip"))),
    ) : null,
  );
}
