// UI strings: every text the scripts show comes from /static/i18n/<lang>.json, never from the code.
const lang = document.documentElement.lang || "ru";
let strings = {};

export async function loadStrings() {
  const resp = await fetch(`/static/i18n/${lang}.json`, { cache: "no-cache" });
  strings = await resp.json();
}

/** The string for `key` with `{name}` placeholders filled; the key itself when it is missing. */
export function t(key, params = {}) {
  const text = strings[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (m, name) => (name in params ? String(params[name]) : m));
}

/** The label of a code from a list the server sent: its own title, else `<prefix>.<code>`, else the code. */
export function label(prefix, item) {
  if (item == null) return "";
  if (typeof item === "object") return item.title || label(prefix, item.code ?? item.name);
  const key = `${prefix}.${item}`;
  return key in strings ? strings[key] : String(item);
}

export function codeOf(item) {
  return typeof item === "object" && item !== null ? item.code ?? item.name : item;
}

export const locale = lang === "ru" ? "ru-RU" : "en-GB";
