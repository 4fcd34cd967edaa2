// The admin console's books (view, upload a new version), imports (upload, live progress, error report)
// and audit log (search, paged).
import { api, ApiError, errorText, goToLogin } from "./api.js";
import { $, fill, h, say } from "./dom.js";
import { label, locale, t } from "./i18n.js";
import { dateTime, duration } from "./format.js";
import { failed } from "./admin.js";

const num = new Intl.NumberFormat(locale, { maximumFractionDigits: 0 });
const csrf = () => document.querySelector('meta[name="csrf-token"]')?.content || "";

// ---------------------------------------------------------------- books

let openBook = null;

async function loadBooks() {
  const data = await api.get("/api/admin/books");
  fill($("#books-queues"), data.queues.map((q) => h("li", {}, `${q.title} (${q.name})`,
    q.wrap_up_seconds ? h("span", { class: "muted" }, " · ", t("admin.books.wrap_up", { seconds: q.wrap_up_seconds })) : null)));
  fill($("#books-departments"), data.departments.map((d) => h("li", {}, `${d.title} (${d.name})`)));
  fill($("#books-body"), data.books.map((b) => h("tr", { dataset: { book: b.kind } },
    h("td", {}, t(`admin.book.${b.kind}`)),
    h("td", {}, b.source),
    h("td", {}, b.version
      ? t("admin.books.uploaded", { at: dateTime(b.version.uploaded_at), by: b.version.uploaded_by || "—" })
      : t("admin.books.from_file")),
    h("td", {}, h("button", { type: "button", class: "small", onclick: () => showBook(b.kind) }, t("admin.books.open"))),
  )));
}

async function showBook(kind) {
  openBook = kind;
  const data = await api.get(`/api/admin/books/${kind}`);
  $("#book-view").hidden = false;
  $("#book-view-title").textContent = `${t(`admin.book.${kind}`)} — ${data.source}`;
  $("#book-text").textContent = data.text;
  say($("#book-msg"), "");
  fill($("#book-versions"), data.versions.map((v) =>
    h("li", {}, `№ ${v.id} · ${v.source} · ${dateTime(v.uploaded_at)} · ${v.uploaded_by || "—"}`)));
}

async function uploadBook(ev) {
  ev.preventDefault();
  const file = $("#book-file").files[0];
  if (!file || !openBook) return;
  try {
    await api.post(`/api/admin/books/${openBook}`, { name: file.name, text: await file.text() });
    await Promise.all([loadBooks(), showBook(openBook)]);
    // The wallboard's day keeps the thresholds it was counted with (web/admin_books.py): said after a rules upload.
    say($("#book-msg"), t(openBook === "rules" ? "admin.books.replaced_rules" : "admin.books.replaced"), "ok");
  } catch (err) {
    say($("#book-msg"), errorText(err), "error");
  }
}

export function initBooks() {
  $("#book-upload").addEventListener("submit", uploadBook);
  document.querySelector('[data-tab="books"]').addEventListener("click", () => loadBooks().catch(failed));
}

// ---------------------------------------------------------------- imports

let polling = null;

function jobView(job) {
  const p = job.progress || {};
  const pct = job.state === "done" ? 100 : p.percent ?? 0;
  const figures = [
    t("admin.imports.rows", { rows: num.format(p.rows || 0), expected: p.expected ? num.format(p.expected) : "?" }),
    p.rate != null ? t("admin.imports.rate", { rate: num.format(p.rate) }) : null,
    job.state === "running" && p.left_s != null ? t("admin.imports.left", { left: duration(p.left_s) }) : null,
  ].filter(Boolean).join(" · ");
  const s = job.summary;
  return h("div", { class: "box import-job", dataset: { job: job.id, state: job.state } },
    h("div", { class: "row" },
      h("strong", {}, job.filename),
      h("span", { class: "badge", dataset: { state: job.state } }, t(`admin.imports.state.${job.state}`)),
      h("span", { class: "muted" }, t(`admin.imports.kind.${job.kind}`), " · ", dateTime(job.started_at), " · ", job.started_by)),
    h("div", { class: "import-bar", role: "progressbar", "aria-valuenow": String(Math.round(pct)) },
      h("span", { style: `width: ${Math.round(pct)}%` })),
    h("p", { class: "small" }, h("span", { class: "import-percent" }, `${Math.round(pct)} %`), " · ", figures),
    s ? h("p", { class: "small import-summary" }, t("admin.imports.summary", {
      rows: num.format(s.rows), inserted: num.format(s.inserted), updated: num.format(s.updated),
      skipped: num.format(s.skipped), rejected: num.format(s.rejected),
    })) : null,
    job.error ? h("p", { class: "msg", dataset: { kind: "error" } }, p.rows
      ? t("admin.imports.failed_partial", { detail: job.error, rows: num.format(p.rows) }) // chunks are committed as done
      : t("admin.imports.failed", { detail: job.error })) : null,
    job.errors?.length ? h("ul", { class: "small import-errors" }, job.errors.map((e) =>
      h("li", {}, t("admin.imports.row_error", {
        row: e.row, column: label("admin.imports.column", e.column), value: e.value, reason: e.reason,
      })))) : null,
    job.has_report ? h("a", { href: `/api/admin/imports/${job.id}/errors.csv`, download: "", class: "btn" }, t("admin.imports.report")) : null,
  );
}

async function loadImports() {
  const jobs = await api.get("/api/admin/imports");
  fill($("#imports-list"), jobs.map(jobView));
  const running = jobs.some((j) => j.state === "running");
  if (running && !polling) polling = setInterval(() => loadImports().catch(failed), 1000);
  if (!running && polling) {
    clearInterval(polling);
    polling = null;
  }
}

async function startImport(ev) {
  ev.preventDefault();
  const file = $("#import-file").files[0];
  if (!file) return;
  const form = new FormData();
  form.append("kind", $("#import-kind").value);
  form.append("file", file, file.name);
  const button = $("#import-start");
  button.disabled = true;
  try {
    const resp = await fetch("/api/admin/imports", {
      method: "POST", body: form, credentials: "same-origin", headers: { "X-CSRF-Token": csrf(), Accept: "application/json" },
    });
    if (resp.status === 401) return goToLogin();
    const data = await resp.json().catch(() => null);
    if (!resp.ok) throw new ApiError(data?.error, resp.status, data?.code, data?.params);
    $("#import-form").reset();
    await loadImports();
  } catch (err) {
    failed(err instanceof ApiError ? err : new ApiError(null, 0));
  } finally {
    button.disabled = false;
  }
}

export function initImports() {
  $("#import-form").addEventListener("submit", startImport);
  document.querySelector('[data-tab="imports"]').addEventListener("click", () => loadImports().catch(failed));
}

// ---------------------------------------------------------------- audit

let auditBefore = null;

async function searchAudit(more = false) {
  const q = new URLSearchParams();
  for (const [key, id] of [["user", "#audit-user"], ["customer", "#audit-customer"], ["action", "#audit-action"],
    ["since", "#audit-since"], ["until", "#audit-until"]]) {
    const v = $(id).value.trim();
    if (v) q.set(key, v);
  }
  if (more && auditBefore) q.set("before", String(auditBefore));
  const data = await api.get(`/api/admin/audit?${q}`);
  const rows = data.entries.map((e) => h("tr", {},
    h("td", {}, dateTime(e.at)),
    h("td", {}, e.username || "—"),
    h("td", {}, e.action),
    h("td", {}, e.entity ? `${e.entity} ${e.entity_id}` : ""),
    h("td", { class: "small" }, JSON.stringify(e.details)),
  ));
  if (more) $("#audit-body").append(...rows);
  else fill($("#audit-body"), rows.length ? rows : h("tr", {}, h("td", { colspan: "5", class: "empty" }, t("admin.audit.none"))));
  auditBefore = data.next_before;
  $("#audit-more").hidden = !auditBefore;
}

export function initAudit() {
  $("#audit-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    searchAudit().catch(failed);
  });
  $("#audit-more").addEventListener("click", () => searchAudit(true).catch(failed));
  document.querySelector('[data-tab="audit"]').addEventListener("click", () => searchAudit().catch(failed));
}
