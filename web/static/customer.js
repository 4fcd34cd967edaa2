// The customer page: the whole picture, the full timeline (paged backwards), editing contact details.
import { api, errorText } from "./api.js";
import { $, fill, h, say } from "./dom.js";
import { customerView } from "./customer_view.js";
import { dateTime, duration, money, phone } from "./format.js";
import { label, loadStrings, queueTitle, t } from "./i18n.js";
import { act, toast } from "./ui.js";

let customerId;
let oldest = null;

async function loadCustomer() {
  const cp = await api.get(`/api/customers/${customerId}/pop`);
  fill($("#customer-summary"), customerView(cp, { page: true }));
  document.title = `${cp.customer.full_name} — ${t("app.title")}`;
  $("#contacts-name").value = cp.customer.full_name || "";
  $("#contacts-email").value = cp.customer.email || "";
  fill($("#contacts-phones"), (cp.customer.phones || []).map((p) => phoneRow(p.e164)));
  if (!cp.customer.phones?.length) $("#contacts-phones").append(phoneRow(""));
}

function phoneRow(value) {
  const input = h("input", { type: "tel", class: "contact-phone", value, "aria-label": t("contacts.phone") });
  const row = h("div", { class: "row" }, input,
    h("button", { type: "button", class: "small ghost", title: t("contacts.remove_phone"), onclick: () => row.remove() }, "×"));
  return row;
}

async function saveContacts() {
  const body = {
    full_name: $("#contacts-name").value.trim(),
    email: $("#contacts-email").value.trim() || null,
    phones: [...document.querySelectorAll(".contact-phone")].map((i) => i.value.trim()).filter(Boolean),
  };
  await act($("#contacts-save"), async () => {
    await api.post(`/api/customers/${customerId}/contacts`, body);
    say($("#contacts-msg"), t("contacts.saved"), "ok");
    toast(t("contacts.saved"));
    await loadCustomer();
  });
}

/** What happened, in words: codes through our strings, amounts and readings formatted. */
function timelineText(item) {
  switch (item.kind) {
    case "call":
      return [item.direction ? label("direction", item.direction) : null,
        item.topic ? label("topic", item.topic) : null, item.result ? label("result", item.result) : null,
        item.talk_seconds != null ? duration(item.talk_seconds) : label("outcome", item.code)];
    case "application":
      return [label("application.type", item.code), item.status ? label("application_status", item.status) : null];
    case "application_status":
      return [t("timeline.status_changed", { status: label("application_status", item.status || item.code) })];
    case "payment":
      return [money(item.amount_kop), label("payment.method", item.code)];
    case "reading":
      return [item.value != null ? String(item.value) : null, item.code ? label("meter", item.code) : null];
    case "adjustment":
      return [money(item.amount_kop)];
    default:
      return [];
  }
}

const groupOf = (kind) => (kind === "application_status" ? "application" : kind);

function timelineItem(item) {
  const what = timelineText(item).filter(Boolean).join(" · ");
  const more = item.detail || item.summary;
  return h("li", { class: `tl tl-${item.kind}`, dataset: { kind: groupOf(item.kind) } },
    h("div", { class: "tl-when small muted" }, dateTime(item.at)),
    h("div", { class: "tl-what" },
      h("span", { class: "badge", dataset: { state: groupOf(item.kind) } }, t(`timeline.kind.${item.kind}`)), " ",
      item.title ? h("strong", {}, item.kind === "call" ? phone(queueTitle(item.title)) : item.title) : null, what ? ` ${what}` : "",
      more ? h("div", { class: "small notes" }, more) : null));
}

async function loadTimeline() {
  const more = $("#timeline-more");
  const q = oldest ? `?before=${encodeURIComponent(oldest)}` : "";
  let items;
  try {
    items = await api.get(`/api/customers/${customerId}/timeline${q}`);
  } catch (err) {
    toast(errorText(err), "error");
    return;
  }
  const list = $("#timeline");
  list.append(...items.map(timelineItem));
  applyFilter();
  if (items.length) oldest = items[items.length - 1].cursor ?? items[items.length - 1].at;
  more.hidden = !items.length;
  $("#timeline-empty").hidden = list.children.length > 0;
}

function applyFilter() {
  const on = new Set([...document.querySelectorAll("#timeline-filter input:checked")].map((i) => i.value));
  for (const li of document.querySelectorAll("#timeline > li")) li.hidden = !on.has(li.dataset.kind);
}

async function boot() {
  await loadStrings();
  customerId = $("#customer-main").dataset.customerId;
  $("#contacts-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    saveContacts();
  });
  $("#contacts-add-phone").addEventListener("click", () => $("#contacts-phones").append(phoneRow("")));
  $("#timeline-more").addEventListener("click", (ev) => act(ev.currentTarget, loadTimeline));
  $("#timeline-filter").addEventListener("change", applyFilter);
  try {
    await loadCustomer();
  } catch (err) {
    fill($("#customer-summary"), h("p", { class: "msg", dataset: { kind: "error" } }, errorText(err)));
    return;
  }
  await loadTimeline();
}

boot();
