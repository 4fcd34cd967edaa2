// A tiny element builder: data always goes in as text, never as HTML.
const PROPS = new Set(["value", "checked", "selected", "disabled", "hidden", "open"]);

export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  const late = [];
  for (const [k, v] of Object.entries(props || {})) {
    if (v == null || v === false) continue;
    if (k === "class") el.className = v;
    else if (k === "dataset") Object.assign(el.dataset, v);
    else if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
    else if (PROPS.has(k)) late.push([k, v]);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  append(el, children);
  for (const [k, v] of late) el[k] = v;
  return el;
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c == null || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
}

/** Replace the contents of `el` with `children`. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

export const $ = (sel, root = document) => root.querySelector(sel);
export const $$ = (sel, root = document) => [...root.querySelectorAll(sel)];

/** Show a short message in a status element; errors stay until replaced. */
export function say(el, text, kind = "ok") {
  if (!el) return;
  el.textContent = text || "";
  el.dataset.kind = kind;
  el.hidden = !text;
}

/** A <select>'s options from [{value,label}], keeping the current choice when it still exists. */
export function setOptions(select, options, placeholder) {
  const current = select.value;
  fill(
    select,
    placeholder != null ? h("option", { value: "" }, placeholder) : null,
    options.map((o) => h("option", { value: o.value }, o.label)),
  );
  if (options.some((o) => String(o.value) === current)) select.value = current;
}
