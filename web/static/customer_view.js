// A customer's whole picture (used by the screen pop and the customer page).
import { api } from "./api.js";
import { fill, h } from "./dom.js";
import { date, dateTime, duration, money, phone } from "./format.js";
import { label, queueTitle, t } from "./i18n.js";
import { act, toast } from "./ui.js";

const INTERACTIONS_SHOWN = 8;
const ROWS_IN_POP = 5; // payments and readings in the pop; the customer page shows all it got

/** One line about a customer: to choose among several matches. */
export function customerSummary(cp) {
  const c = cp.customer;
  const debt = (cp.accounts || []).reduce((s, a) => s + (a.debt_kop || 0), 0);
  return h("div", { class: "summary" },
    h("strong", {}, c.full_name), " ",
    h("span", { class: "muted small" }, label("customer.kind", c.kind)),
    c.vip ? h("span", { class: "badge vip" }, t("customer.vip")) : null,
    cp.contact_for?.length ? h("div", { class: "small" }, t("customer.contact_for", { names: cp.contact_for.join(", ") })) : null,
    (cp.accounts || []).map((a) => h("div", { class: "small" }, `${a.number} · ${a.address}`)),
    debt > 0 ? h("div", { class: "small debt" }, t("pop.debt"), " ", money(debt)) : null);
}

/** The full customer view. opts: {onDial(number, button), onAccount(id), offers: bool, page: bool,
 * isCurrent(interaction): the call on the line now (left out of the history)} */
export function customerView(cp, opts = {}) {
  const c = cp.customer;
  const accounts = cp.accounts || [];
  const debt = accounts.reduce((s, a) => s + (a.debt_kop || 0), 0);
  const accountBox = h("div", { class: "account-box" });
  const pick = (a) => {
    fill(accountBox, accountView(a, opts.page ? Infinity : ROWS_IN_POP));
    accountTabs.querySelectorAll("button").forEach((b) => b.setAttribute("aria-pressed", String(b.dataset.id === String(a.id))));
    opts.onAccount?.(a.id);
  };
  const accountTabs = h("div", { class: "row account-tabs" }, accounts.length > 1 && accounts.map((a) =>
    h("button", { type: "button", class: "small", dataset: { id: a.id }, onclick: () => pick(a) },
      a.number, a.debt_kop > 0 ? h("span", { class: "dot debt" }, "●") : null)));
  const view = h("article", { class: "customer", id: "customer-view", dataset: { customerId: c.id } },
    h("header", { class: "customer-head" },
      h("div", {},
        h("h2", { id: "customer-name" },
          opts.page ? c.full_name : h("a", { href: `/customers/${c.id}`, target: "_blank", rel: "noopener", title: t("customer.open_page") }, c.full_name)),
        h("div", { class: "row" },
          h("span", { class: "badge" }, label("customer.kind", c.kind)),
          c.vip ? h("span", { class: "badge vip" }, t("customer.vip")) : null,
          c.paper_bill ? h("span", { class: "badge" }, t("customer.paper_bill")) : h("span", { class: "badge" }, t("customer.e_bill")),
          c.email ? h("span", { class: "small" }, c.email) : null),
        cp.contact_for?.length ? h("div", { class: "small notice" }, t("customer.contact_for", { names: cp.contact_for.join(", ") })) : null,
        h("div", { class: "row phones" }, (c.phones || []).map((p) => phoneChip(p, opts)))),
      h("div", { class: "total" + (debt > 0 ? " debt" : "") },
        h("div", { class: "muted small" }, t("customer.total_debt")),
        h("div", { class: "amount", id: "customer-debt" }, money(debt)))),
    accounts.length ? [accountTabs, accountBox] : h("p", { class: "empty" }, t("customer.no_accounts")),
    h("div", { class: "grid2" }, applicationsView(cp.open_applications || []), opts.offers ? offersView(c.id, opts) : null),
    opts.page ? null : interactionsView((cp.interactions || []).filter((i) => !opts.isCurrent?.(i)), c.id),
  );
  if (accounts.length) pick(accounts[0]);
  return view;
}

function phoneChip(p, opts) {
  const text = `${phone(p.e164)} ${p.kind ? `(${label("phone.kind", p.kind)})` : ""}`.trim();
  if (!opts.onDial) return h("span", { class: "chip" }, text);
  const btn = h("button", { type: "button", class: "small chip", title: t("customer.call_this") }, "☎ ", text);
  btn.addEventListener("click", () => opts.onDial(p.e164, btn));
  return btn;
}

function accountView(a, rows) {
  return h("section", { class: "account", dataset: { accountId: a.id } },
    h("dl", { class: "facts wide" },
      h("dt", {}, t("account.number")), h("dd", { class: "account-number" }, a.number),
      h("dt", {}, t("account.address")), h("dd", {}, a.address, a.region ? ` (${a.region})` : ""),
      h("dt", {}, t("account.tariff")), h("dd", {}, label("tariff", a.tariff), " · ", label("account.status", a.status)),
      h("dt", {}, t("account.balance")), h("dd", { class: a.balance_kop < 0 ? "debt" : "" }, money(a.balance_kop)),
      h("dt", {}, t("account.debt")),
      h("dd", { class: a.debt_kop > 0 ? "debt strong" : "" }, money(a.debt_kop),
        a.debt_kop > 0 && a.debt_since ? ` ${t("account.since", { date: date(a.debt_since) })}` : "")),
    h("div", { class: "grid2" },
      table(t("account.payments"), [t("account.paid_at"), t("account.amount"), t("account.method")],
        (a.payments || []).slice(0, rows).map((p) => [date(p.paid_at), money(p.amount_kop), label("payment.method", p.method)]), "payments"),
      table(t("account.readings"), [t("account.taken_at"), t("account.value"), t("account.source")],
        (a.readings || []).slice(0, rows).map((r) => [date(r.taken_at), String(r.value), label("reading.source", r.source)]), "readings")),
    a.adjustments?.length
      ? table(t("account.adjustments"), [t("account.made_at"), t("account.amount"), t("account.reason")],
        a.adjustments.map((j) => [date(j.made_at), money(j.amount_kop), j.reason]), "adjustments")
      : null);
}

function table(title, head, rows, cls) {
  return h("section", { class: `tbl ${cls}` },
    h("h4", {}, title),
    rows.length
      ? h("table", {},
        h("thead", {}, h("tr", {}, head.map((x) => h("th", {}, x)))),
        h("tbody", {}, rows.map((r) => h("tr", {}, r.map((x) => h("td", {}, x))))))
      : h("p", { class: "empty" }, t("common.none")));
}

function applicationsView(apps) {
  return h("section", { class: "applications", id: "open-applications" },
    h("h3", {}, t("customer.open_applications"), " ", apps.length ? h("span", { class: "count" }, String(apps.length)) : null),
    apps.length
      ? h("table", {},
        h("tbody", {}, apps.map((a) => h("tr", {},
          h("td", {}, h("strong", {}, a.number)), h("td", {}, label("application.type", a.type)),
          h("td", {}, label("application_status", a.status)),
          h("td", { class: "small" }, t("customer.app_dates", { created: date(a.created_at), due: date(a.due_at) }))))))
      : h("p", { class: "empty" }, t("common.none")));
}

function interactionsView(items, customerId) {
  return h("section", { class: "interactions", id: "interactions" },
    h("h3", {}, t("customer.history"), " ",
      h("a", { href: `/customers/${customerId}`, target: "_blank", rel: "noopener", class: "small" }, t("customer.full_history"))),
    items.length
      ? h("ul", { class: "list history" }, items.slice(0, INTERACTIONS_SHOWN).map(interactionItem))
      : h("p", { class: "empty" }, t("common.none")));
}

export function interactionItem(i) {
  return h("li", { dataset: { cardId: i.id, callId: i.call_id || "" } },
    h("div", { class: "small muted" },
      [dateTime(i.offered_at), label("direction", i.direction), queueTitle(i.queue), i.talk_seconds != null ? duration(i.talk_seconds) : label("outcome", i.outcome)]
        .filter(Boolean).join(" · ")),
    h("div", {}, i.topic ? label("topic", i.topic) : t("card.no_topic"), i.result ? ` → ${label("result", i.result)}` : ""),
    i.notes ? h("div", { class: "small notes" }, i.notes) : null);
}

function offersView(customerId, opts) {
  const box = h("section", { class: "offers", id: "offers" }, h("h3", {}, t("offers.title")), h("p", { class: "muted" }, t("common.loading")));
  api.get(`/api/offers?customer_id=${customerId}`).then((offers) => {
    if (!offers.length) return fill(box, h("h3", {}, t("offers.title")), h("p", { class: "empty" }, t("offers.none")));
    fill(box, h("h3", {}, t("offers.title")), h("ul", { class: "list" }, offers.map((o) => offerItem(o, customerId, opts))));
  }).catch(() => fill(box, h("h3", {}, t("offers.title")), h("p", { class: "empty" }, t("offers.unavailable"))));
  return box;
}

function offerItem(o, customerId, opts) {
  const status = h("span", { class: "small muted" });
  const buttons = ["accepted", "declined", "later"].map((response) => {
    const b = h("button", { type: "button", class: "small" + (response === "accepted" ? " primary" : "") }, label("offer_response", response));
    b.addEventListener("click", () => act(b, async () => {
      const body = { customer_id: customerId, response };
      const cardId = opts.cardId?.();
      if (cardId) body.card_id = cardId;
      await api.post(`/api/offers/${encodeURIComponent(o.code)}/response`, body);
      status.textContent = t("offers.recorded", { response: label("offer_response", response) });
      toast(t("offers.saved"));
    }));
    return b;
  });
  return h("li", { class: "offer", dataset: { code: o.code } },
    h("div", {}, h("strong", {}, o.title), o.reason ? h("div", { class: "small muted" }, o.reason) : null,
      o.pitch ? h("div", { class: "small" }, o.pitch) : null),
    h("div", { class: "row" }, buttons, status));
}
