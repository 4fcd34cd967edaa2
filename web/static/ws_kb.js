// The knowledge base: full-text search for every operator; writing articles for supervisors and admins.
import { api, errorText } from "./api.js";
import { $, fill, h, say, setOptions } from "./dom.js";
import { codeOf, label, t } from "./i18n.js";
import { on } from "./store.js";
import { act, toast } from "./ui.js";
import { showTab } from "./ws_card.js";

let els;
let editor = false;
let lastQuery = "";

export function init(ctx) {
  editor = ctx.role === "supervisor" || ctx.role === "admin";
  els = {
    form: $("#kb-search"), q: $("#kb-q"), results: $("#kb-results"),
    edit: $("#kb-editor"), editTitle: $("#kb-editor-title"), editForm: $("#kb-form"), id: $("#kb-id"),
    title: $("#kb-title"), topic: $("#kb-topic"), body: $("#kb-body"), reset: $("#kb-reset"), msg: $("#kb-msg"),
  };
  els.form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    search(els.q.value.trim());
  });
  if (editor && els.editForm) {
    els.editForm.addEventListener("submit", (ev) => {
      ev.preventDefault();
      saveArticle();
    });
    els.reset.addEventListener("click", () => edit(null));
    on("me", (me) => setOptions(els.topic, (me.topics || []).map((x) => ({ value: codeOf(x), label: label("topic", x) })), t("kb.no_topic")));
  }
}

/** Ctrl+K: the knowledge-base search. */
export function focus() {
  showTab("kb");
  els.q.focus();
  els.q.select();
}

async function search(q) {
  lastQuery = q;
  fill(els.results, h("li", { class: "muted" }, t("search.searching")));
  let found;
  try {
    found = await api.get(`/api/kb?q=${encodeURIComponent(q)}`);
  } catch (err) {
    const text = err.status === 404 ? t("kb.unavailable") : errorText(err);
    return fill(els.results, h("li", { class: "msg", dataset: { kind: "error" } }, text));
  }
  if (!found.length) return fill(els.results, h("li", { class: "empty" }, t("kb.nothing")));
  fill(els.results, found.map(article));
}

function article(a) {
  const tools = editor && h("div", { class: "row" },
    h("button", { type: "button", class: "small", onclick: () => edit(a) }, t("kb.edit")),
    h("button", { type: "button", class: "small danger", onclick: (ev) => remove(ev.currentTarget, a) }, t("kb.delete")));
  return h("li", { class: "kb-article", dataset: { id: a.id } },
    h("details", {},
      h("summary", {}, h("strong", {}, a.title), a.topic ? h("span", { class: "muted small" }, " · ", label("topic", a.topic)) : null),
      h("div", { class: "kb-body" }, a.body),
      tools));
}

function edit(a) {
  els.id.value = a?.id ?? "";
  els.id.dataset.updatedAt = a?.updated_at ?? ""; // the server refuses to overwrite a newer edit
  els.title.value = a?.title ?? "";
  els.body.value = a?.body ?? "";
  els.topic.value = a?.topic ?? "";
  els.editTitle.textContent = a ? t("kb.editing", { title: a.title }) : t("kb.new");
  els.edit.open = Boolean(a);
  say(els.msg, "");
  if (a) els.title.focus();
}

function saveArticle() {
  const body = { title: els.title.value.trim(), body: els.body.value.trim(), topic: els.topic.value || null };
  const id = els.id.value;
  if (id && els.id.dataset.updatedAt) body.updated_at = els.id.dataset.updatedAt;
  return act(els.editForm.querySelector("button[type=submit]"), async () => {
    await api.post(id ? `/api/kb/${id}` : "/api/kb", body);
    toast(t("kb.saved"));
    edit(null);
    if (lastQuery || !id) search(lastQuery || body.title);
  });
}

function remove(button, a) {
  if (!confirm(t("kb.confirm_delete", { title: a.title }))) return;
  return act(button, async () => {
    await api.del(`/api/kb/${a.id}`);
    toast(t("kb.deleted"));
    search(lastQuery);
  });
}
