// The admin console: tabs, users and desk phones. Books, imports and the audit log: admin_data.js.
import { api, errorText } from "./api.js";
import { $, $$, fill, h, say, setOptions } from "./dom.js";
import { label, loadStrings, queueTitle, t } from "./i18n.js";
import { initBooks, initImports, initAudit } from "./admin_data.js";

const state = { users: [], roles: [], queues: [], departments: [] };

export function notify(text, kind = "ok") {
  say($("#admin-msg"), text, kind);
}

export function failed(err) {
  notify(errorText(err), "error");
}

function showTab(name) {
  for (const b of $$(".admin-tabs [data-tab]")) b.setAttribute("aria-selected", String(b.dataset.tab === name));
  for (const p of $$("[data-panel]")) p.hidden = p.dataset.panel !== name;
  notify("");
}

// ---------------------------------------------------------------- users

async function loadUsers() {
  const data = await api.get("/api/admin/users");
  Object.assign(state, data);
  setOptions($("#user-role"), state.roles.map((r) => ({ value: r, label: label("role", r) })));
  setOptions($("#user-department"), state.departments.map((d) => ({ value: d.name, label: d.title || d.name })), "—");
  showDepartment();
  fill($("#user-queues"), state.queues.map((q) =>
    h("label", { class: "check" }, h("input", { type: "checkbox", value: q.name, name: "queue" }), queueTitle(q.name, state.queues))));
  setOptions($("#phone-owner"), state.users.map((u) => ({ value: u.username, label: u.username })), t("admin.phone.shared"));
  renderUsers();
}

// The department (from the routing rules) is asked for the department role only, which needs one.
function showDepartment() {
  const needed = $("#user-role").value === "department";
  $("#user-department-label").hidden = !needed;
  $("#user-department").required = needed;
}

function departmentTitle(name) {
  return state.departments.find((d) => d.name === name)?.title || name;
}

function renderUsers() {
  fill($("#users-body"), state.users.map((u) => h("tr", { dataset: { user: u.username, active: String(u.active) } },
    h("td", {}, u.username),
    h("td", {}, u.full_name),
    h("td", {}, label("role", u.role), u.department ? ` · ${departmentTitle(u.department)}` : null),
    h("td", {}, u.extension || "—"),
    h("td", {}, (u.queues || []).map((q) => queueTitle(q, state.queues)).join(", ")),
    h("td", {}, (u.skills || []).join(", ")),
    h("td", {}, u.active ? t("admin.user.active") : t("admin.user.disabled")),
    h("td", { class: "row" },
      h("button", { type: "button", class: "small", onclick: () => editUser(u) }, t("admin.edit")),
      u.active
        ? h("button", { type: "button", class: "small", onclick: () => setActive(u, false) }, t("admin.user.disable"))
        : h("button", { type: "button", class: "small", onclick: () => setActive(u, true) }, t("admin.user.enable")),
      h("button", { type: "button", class: "small", onclick: () => resetPassword(u) }, t("admin.user.reset_password")),
    ),
  )));
}

function editUser(u) {
  $("#user-form-title").textContent = t("admin.user.edit", { name: u.username });
  $("#user-id").value = String(u.id);
  $("#user-username").value = u.username;
  $("#user-username").disabled = true;
  $("#user-full-name").value = u.full_name || "";
  $("#user-role").value = u.role;
  $("#user-department").value = u.department || "";
  showDepartment();
  $("#user-extension").value = u.extension || "";
  $("#user-skills").value = (u.skills || []).join(", ");
  $("#user-password-label").hidden = true;
  for (const box of $$("#user-queues input")) box.checked = (u.queues || []).includes(box.value);
  $("#user-cancel").hidden = false;
}

function resetUserForm() {
  $("#user-form").reset();
  $("#user-form-title").textContent = t("admin.user.new");
  $("#user-id").value = "";
  $("#user-username").disabled = false;
  $("#user-password-label").hidden = false;
  $("#user-cancel").hidden = true;
  showDepartment();
}

async function saveUser(ev) {
  ev.preventDefault();
  const id = $("#user-id").value;
  const body = {
    full_name: $("#user-full-name").value,
    role: $("#user-role").value,
    department: $("#user-role").value === "department" ? $("#user-department").value : "",
    extension: $("#user-extension").value,
    skills: $("#user-skills").value,
    queues: $$("#user-queues input:checked").map((b) => b.value),
  };
  try {
    if (id) {
      await api.post(`/api/admin/users/${id}`, body);
      notify(t("admin.user.saved"));
    } else {
      const name = $("#user-username").value.trim();
      await api.post("/api/admin/users", { ...body, username: name, password: $("#user-password").value });
      notify(t("admin.user.created", { name }));
    }
    resetUserForm();
    await Promise.all([loadUsers(), loadPhones()]); // a user's extension becomes their registered phone
  } catch (err) {
    failed(err);
  }
}

async function setActive(u, active) {
  if (!active && !confirm(t("admin.user.disable_confirm", { name: u.username }))) return;
  try {
    await api.post(`/api/admin/users/${u.id}/${active ? "enable" : "disable"}`);
    notify(t(active ? "admin.user.enabled" : "admin.user.disabled_done", { name: u.username }));
    await loadUsers();
  } catch (err) {
    failed(err);
  }
}

let passwordFor = null;

function resetPassword(u) {
  // A dialog with a password field, not prompt(): the new password is never shown on the screen.
  passwordFor = u;
  $("#password-title").textContent = t("admin.user.new_password", { name: u.username });
  $("#password-form").reset();
  say($("#password-msg"), "");
  $("#password-dialog").showModal();
}

async function savePassword(ev) {
  ev.preventDefault();
  const u = passwordFor;
  try {
    await api.post(`/api/admin/users/${u.id}/password`, { password: $("#password-new").value });
    $("#password-dialog").close();
    notify(t("admin.user.password_done", { name: u.username }));
  } catch (err) {
    say($("#password-msg"), errorText(err), "error");
  }
}

// ---------------------------------------------------------------- phones

async function loadPhones() {
  const phones = await api.get("/api/admin/phones");
  fill($("#phones-body"), phones.map((p) => h("tr", { dataset: { phone: p.extension } },
    h("td", {}, p.extension),
    h("td", {}, p.owner || t("admin.phone.shared")),
    h("td", {}, p.label),
    h("td", {}, h("button", { type: "button", class: "small", onclick: () => removePhone(p) }, t("admin.phone.remove"))),
  )));
}

async function addPhone(ev) {
  ev.preventDefault();
  try {
    await api.post("/api/admin/phones", {
      extension: $("#phone-extension").value.trim(),
      owner: $("#phone-owner").value || null,
      label: $("#phone-label").value,
    });
    $("#phone-form").reset();
    notify(t("admin.phone.added"));
    await loadPhones();
  } catch (err) {
    failed(err);
  }
}

async function removePhone(p) {
  if (!confirm(t("admin.phone.remove_confirm", { extension: p.extension }))) return;
  try {
    await api.del(`/api/admin/phones/${encodeURIComponent(p.extension)}`);
    await loadPhones();
  } catch (err) {
    failed(err);
  }
}

// ---------------------------------------------------------------- start

async function main() {
  await loadStrings();
  for (const b of $$(".admin-tabs [data-tab]")) b.addEventListener("click", () => showTab(b.dataset.tab));
  $("#user-form").addEventListener("submit", saveUser);
  $("#user-cancel").addEventListener("click", resetUserForm);
  $("#user-role").addEventListener("change", showDepartment);
  $("#password-form").addEventListener("submit", savePassword);
  $("#password-cancel").addEventListener("click", () => $("#password-dialog").close());
  $("#phone-form").addEventListener("submit", addPhone);
  $('[data-tab="phones"]').addEventListener("click", () => loadPhones().catch(failed));
  initBooks();
  initImports();
  initAudit();
  try {
    await Promise.all([loadUsers(), loadPhones()]);
    document.body.dataset.ready = "true";
  } catch (err) {
    failed(err);
  }
}

main();
