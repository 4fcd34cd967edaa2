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

export const has = (key) => key in strings;

/** The label of a code: our own string `<prefix>.<code>` (the interface language) first, else the title
 * the server sent with it, else the code itself. */
export function label(prefix, item) {
  if (item == null) return "";
  const code = typeof item === "object" ? item.code ?? item.name : item;
  const key = `${prefix}.${code}`;
  if (key in strings) return strings[key];
  if (!(typeof item === "object" && item.title)) console.warn(`no label ${key}`); // tests/browser/test_strings.py
  return (typeof item === "object" && item.title) || String(code ?? "");
}

export function codeOf(item) {
  return typeof item === "object" && item !== null ? item.code ?? item.name : item;
}

export const locale = lang === "ru" ? "ru-RU" : "en-GB";

/** A queue's name for people: our own string `queue.<name>` first (the interface language), else the
 * title the server sent, else the name. */
export function queueTitle(name, queues = []) {
  if (!name) return "";
  const key = `queue.${name}`;
  if (key in strings) return strings[key];
  return queues.find((q) => q.name === name)?.title || name;
}
