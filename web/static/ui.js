// Small shared pieces of the screen: toasts and running an action with its button busy.
import { errorText } from "./api.js";
import { h } from "./dom.js";
import { t } from "./i18n.js";

export function toast(text, kind = "ok", ms = 4000) {
  const box = document.getElementById("toasts");
  if (!box) return;
  const el = h("div", { class: `toast ${kind}`, role: kind === "error" ? "alert" : "status" }, text);
  box.append(el);
  setTimeout(() => el.remove(), kind === "error" ? ms * 2 : ms);
}

/** Run `fn` with `button` marked busy (a second press is ignored); a failure is shown as a toast
 * and gives null. `disabled` is left to the panels, which set it from the state. */
export async function act(button, fn) {
  if (button?.dataset.busy) return null;
  if (button) button.dataset.busy = "1";
  try {
    return await fn();
  } catch (err) {
    if (err?.status !== 401) toast(errorText(err), "error");
    return null;
  } finally {
    if (button) delete button.dataset.busy;
  }
}
