// The centre: the screen pop — who is calling, their accounts, money, readings, applications, history,
// offers; choosing among several matches; finding, creating and linking a customer for an unknown number.
import { api, errorText } from "./api.js";
import { $, fill, h } from "./dom.js";
import { dial } from "./ws_call.js";
import { customerSummary, customerView } from "./customer_view.js";
import { label, t } from "./i18n.js";
import { money, phone } from "./format.js";
import { on, set, state } from "./store.js";
import { act, toast } from "./ui.js";

let els;
let shown = null; // the pop on screen (kept through wrap-up even when /api/me no longer has it)

export function init() {
  els = { view: $("#pop-view"), form: $("#customer-search"), q: $("#customer-q"), results: $("#search-results") };
  els.form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    search(els.q.value.trim());
  });
  on("pop", onPop);
  on("customer", draw);
  on("card", (card) => {
    // The server may have tied the card to a customer (single match, or another operator's choice).
    if (card?.customer_id && !state.customer && shown) {
      const m = (shown.matches || []).find((x) => x.customer.id === card.customer_id);
      if (m) choose(m);
    }
  });
}

export function focusSearch() {
  els.q.focus();
  els.q.select();
}

function sameCall(a, b) {
  return a && b && a.call_id === b.call_id && a.card_id === b.card_id;
}

function onPop(p) {
  if (!p) {
    if (shown && state.card && state.card.id === shown.card_id) return; // wrap-up: keep the picture
    shown = null;
    draw(state.customer);
    return;
  }
  const again = sameCall(p, shown);
  shown = p;
  const matches = p.matches || [];
  const keep = again && state.customer && matches.find((m) => m.customer.id === state.customer.customer.id);
  if (keep) return set({ customer: keep });
  els.results.hidden = true;
  const byCard = state.card?.id === p.card_id && state.card.customer_id
    ? matches.find((m) => m.customer.id === state.card.customer_id) : null;
  choose(byCard || (matches.length === 1 ? matches[0] : null));
}

function choose(customerPop) {
  set({ customer: customerPop, account: customerPop?.accounts?.[0]?.id ?? null });
}

/** A customer by id (after a search, a creation or a link): their full picture. */
async function open(customerId) {
  const cp = await api.get(`/api/customers/${customerId}/pop`);
  els.results.hidden = true;
  choose(cp);
  return cp;
}

function callerUnknownTo(cp) {
  if (!shown?.caller_number || !cp) return false;
  return !(cp.customer.phones || []).some((p) => p.e164 === shown.caller_number);
}

function draw(cp) {
  const matches = shown?.matches || [];
  fill(
    els.view,
    shown && popHead(matches),
    shown && matches.length > 1 && !cp && chooser(matches),
    shown && matches.length > 1 && cp && otherMatches(matches, cp),
    shown && !matches.length && !cp && unknownCaller(),
    cp && shown && callerUnknownTo(cp) && linkBar(cp),
    cp && customerView(cp, {
      onDial: (n, b) => dial(n, b), onAccount: (id) => set({ account: id }), offers: true, isCurrent, cardId: () => state.card?.id,
    }),
    !shown && !cp && h("p", { class: "empty" }, t("pop.waiting")),
  );
}

/** The call on the line now (its card may not have reached the page yet): not history. */
function isCurrent(i) {
  const ids = [state.card?.id, shown?.card_id].filter((x) => x != null);
  const calls = [state.call?.call_id, shown?.call_id].filter(Boolean);
  return ids.includes(i.id) || (i.call_id != null && calls.includes(i.call_id));
}

/** The pop is of a call I place (a call-back): "we are calling", not "is calling". */
const outbound = () => state.call?.call_id === shown?.call_id && state.call?.direction === "outbound";

function popHead(matches) {
  return h("div", { class: "pop-head", id: "pop-head" },
    h("span", { class: "muted" }, t(outbound() ? "pop.calling_out" : "pop.calling")), " ",
    h("strong", {}, phone(shown.customer_number ?? shown.caller_number)), " ",
    h("span", { class: "badge" }, matches.length ? t("pop.matches", { n: matches.length }) : t("pop.no_match")));
}

function chooser(matches) {
  return h("section", { class: "box chooser", id: "pop-chooser" },
    h("h3", {}, t("pop.choose")),
    h("ul", { class: "list" }, matches.map((m) =>
      h("li", {},
        customerSummary(m),
        h("button", { type: "button", class: "small primary", onclick: () => choose(m) }, t("pop.choose_this"))))));
}

function otherMatches(matches, cp) {
  return h("div", { class: "row others" },
    h("span", { class: "muted" }, t("pop.other_matches")),
    matches.filter((m) => m.customer.id !== cp.customer.id).map((m) =>
      h("button", { type: "button", class: "small link", onclick: () => choose(m) }, m.customer.full_name)));
}

function linkBar(cp) {
  const btn = h("button", { type: "button", class: "small", id: "btn-link-number" },
    t("pop.link_number", { number: phone(shown.caller_number) }));
  btn.addEventListener("click", () => link(btn, cp.customer.id));
  return h("div", { class: "row notice" }, h("span", {}, t("pop.number_not_linked")), btn);
}

function link(btn, customerId) {
  return act(btn, async () => {
    await api.post(`/api/customers/${customerId}/phones`, { phone: shown.caller_number });
    toast(t("pop.linked"));
    await open(customerId);
  });
}

function unknownCaller() {
  const f = {
    name: h("input", { id: "new-name", required: true }),
    kind: h("select", { id: "new-kind" },
      ["individual", "organisation"].map((k) => h("option", { value: k }, t(`customer.kind.${k}`)))),
    phone: h("input", { id: "new-phone", type: "tel", value: shown.caller_number || "" }),
    email: h("input", { id: "new-email", type: "email" }),
    account: h("input", { id: "new-account" }),
    address: h("input", { id: "new-address" }),
  };
  const submit = h("button", { type: "submit", class: "primary" }, t("create.submit"));
  const form = h("form", { class: "grid2", id: "create-customer" },
    h("label", {}, t("create.full_name"), f.name), h("label", {}, t("create.kind"), f.kind),
    h("label", {}, t("create.phone"), f.phone), h("label", {}, t("create.email"), f.email),
    h("label", {}, t("create.account_number"), f.account), h("label", {}, t("create.address"), f.address),
    h("div", {}, submit));
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const body = { full_name: f.name.value.trim(), kind: f.kind.value, phones: [f.phone.value.trim()].filter(Boolean) };
    for (const [k, el] of [["email", f.email], ["account_number", f.account], ["address", f.address]]) {
      if (el.value.trim()) body[k] = el.value.trim();
    }
    act(submit, async () => {
      const { id } = await api.post("/api/customers", body);
      toast(t("create.done"));
      await open(id);
    });
  });
  return h("section", { class: "box unknown", id: "pop-unknown" },
    h("h3", {}, t("pop.unknown_title")),
    h("p", { class: "muted" }, t("pop.unknown_hint")),
    h("details", {}, h("summary", {}, t("create.title")), form));
}

async function search(q) {
  if (!q) return;
  els.results.hidden = false;
  fill(els.results, h("p", { class: "muted" }, t("search.searching")));
  let found;
  try {
    found = await api.get(`/api/customers/search?q=${encodeURIComponent(q)}`);
  } catch (err) {
    return fill(els.results, h("p", { class: "msg", dataset: { kind: "error" } }, errorText(err)));
  }
  const close = h("button", { type: "button", class: "small ghost", onclick: () => (els.results.hidden = true) }, "×");
  if (!found.length) return fill(els.results, h("div", { class: "row" }, h("p", { class: "empty" }, t("search.nothing")), close));
  const canLink = shown?.caller_number && state.call;
  fill(els.results,
    h("div", { class: "row" }, h("strong", {}, t("search.found", { n: found.length })), close),
    h("ul", { class: "list" }, found.map((r) => {
      const openBtn = h("button", { type: "button", class: "small primary" }, t("search.open"));
      openBtn.addEventListener("click", () => act(openBtn, () => open(r.customer_id)));
      const linkBtn = canLink && h("button", { type: "button", class: "small" }, t("search.link"));
      linkBtn?.addEventListener("click", () => link(linkBtn, r.customer_id));
      return h("li", { dataset: { customerId: r.customer_id } },
        h("div", {},
          h("strong", {}, r.full_name), " ",
          h("span", { class: "muted small" }, label("customer.kind", r.kind)),
          h("div", { class: "small" }, [r.account_number, r.address].filter(Boolean).join(" · ")),
          r.debt_kop > 0 ? h("div", { class: "small debt" }, t("pop.debt"), " ", money(r.debt_kop)) : null),
        h("div", { class: "row" }, openBtn, linkBtn));
    })));
}
