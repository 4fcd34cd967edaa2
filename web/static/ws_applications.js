// Applications on the operator's screen: filing in two clicks (open "Оформить заявку", press the type:
// the customer and account on screen are filled in), the receipt, the customer's open applications kept
// current from the server (filed or changed by anyone, during the call), and the follow-up calls of the
// operator's queues under the call-back list.
import { api } from "./api.js";
import { $, fill, h } from "./dom.js";
import { dateTime, phone } from "./format.js";
import { label, t } from "./i18n.js";
import { set, state } from "./store.js";
import { act, toast } from "./ui.js";
import { dial } from "./ws_call.js";

let els;
let types = [];

export function init() {
  els = {
    quick: $("#application-quick"), receipt: $("#application-receipt"), followups: $("#followups-list"),
    type: $("#application-type"), fields: $("#application-fields"),
  };
  api.get("/api/application-types").then((list) => {
    types = list;
    drawQuick(list);
  }).catch(() => {});
  els.type.addEventListener("change", drawFields);
  refreshFollowUps();
}

/** The chosen type's own fields under the type (optional for the operator: the text can say it all). */
function drawFields() {
  const ty = types.find((x) => x.code === els.type.value);
  fill(els.fields, (ty?.fields || []).map((f) => h("label", {}, f.label, " ",
    f.kind === "choice"
      ? h("select", { dataset: { field: f.name } }, h("option", { value: "" }, ""), f.options.map((o) => h("option", { value: o }, o)))
      : h("input", {
        dataset: { field: f.name }, maxlength: f.max_length,
        type: f.kind === "date" ? "date" : f.kind === "email" ? "email" : f.kind === "phone" ? "tel" : "text",
        inputmode: f.kind === "integer" || f.kind === "decimal" ? "decimal" : null,
      }))));
}

/** What the operator typed into the chosen type's fields (the card's form sends it with the filing). */
export function fieldValues() {
  const values = {};
  for (const el of els.fields.querySelectorAll("[data-field]")) if (el.value.trim()) values[el.dataset.field] = el.value.trim();
  return values;
}

function drawQuick(types) {
  fill(els.quick, h("span", { class: "muted small" }, t("application.quick")), " ",
    types.map((ty) => h("button", {
      type: "button", class: "small quick-file", dataset: { type: ty.code },
      onclick: (ev) => quickFile(ty, ev.currentTarget),
    }, label("application.type", ty))));
}

function quickFile(ty, button) {
  const cp = state.customer;
  if (!cp) return toast(t("application.no_customer"), "error");
  const body = { type: ty.code, customer_id: cp.customer.id, text: $("#application-text").value.trim() };
  const account = $("#application-account").value;
  if (account) body.account_id = Number(account);
  if (state.card) body.card_id = state.card.id;
  return act(button, async () => {
    const app = await api.post("/api/applications", body);
    $("#application-text").value = "";
    drawReceipt(app);
  });
}

/** The receipt on screen: what the operator reads out to the customer. */
export function drawReceipt(app) {
  els.receipt.hidden = false;
  fill(els.receipt,
    h("strong", {}, t("application.receipt", { number: app.number })),
    h("div", {}, label("application.type", { code: app.type, title: app.type_title })),
    h("div", { class: "small" }, t("application.receipt_details", {
      department: app.department_title || app.department_queue, due: dateTime(app.due_at),
    })));
}

/** Someone filed or changed an application of a customer on this screen: redraw their open ones now. */
export function onApplications(msg) {
  const cp = state.customer;
  if (!cp || cp.customer.id !== msg.customer_id) return;
  set({ customer: { ...cp, open_applications: msg.open_applications } });
  const changed = msg.changed;
  if (changed) toast(t("application.updated", { number: changed.number, status: label("application_status", changed.status) }));
}

export function refreshFollowUps() {
  if (!els?.followups) return;
  api.get("/api/follow-ups").then((items) => {
    if (!items.length) return fill(els.followups, h("li", { class: "empty" }, t("followups.empty")));
    fill(els.followups, items.map((f) => h("li", { class: "follow-up", dataset: { taskId: f.id } },
      h("div", {},
        h("strong", {}, f.customer_name || t("callbacks.unknown_customer")),
        f.phone ? h("div", {}, phone(f.phone)) : null,
        h("div", { class: "muted small" }, [dateTime(f.due_at), f.notes].filter(Boolean).join(" · "))),
      f.phone ? h("button", {
        type: "button", class: "small",
        onclick: (ev) => callFollowUp(f, ev.currentTarget),
      }, t("callbacks.call")) : null)));
  }).catch(() => {});
}

async function callFollowUp(f, button) {
  await dial(f.phone, button);
  await act(null, () => api.post(`/api/follow-ups/${f.id}/done`));
  refreshFollowUps();
}
