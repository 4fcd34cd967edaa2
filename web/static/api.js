// The JSON API: same origin, session cookie, CSRF header on every state change.
import { has, t } from "./i18n.js";

const csrf = () => document.querySelector('meta[name="csrf-token"]')?.content || "";

/** A failed request. `code` and `params` are what the screen shows (the translation of `error.<code>`);
 * `message` keeps the server's English text for the console only. */
export class ApiError extends Error {
  constructor(message, status, code = null, params = {}) {
    super(message || "");
    this.status = status;
    this.code = code;
    this.params = params || {};
  }
}

export function goToLogin() {
  const next = encodeURIComponent(location.pathname + location.search);
  location.assign(`/login?next=${next}`);
}

async function request(method, path, body) {
  const headers = { Accept: "application/json" };
  if (method !== "GET") headers["X-CSRF-Token"] = csrf();
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let resp;
  try {
    resp = await fetch(path, {
      method, headers, credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    throw new ApiError(null, 0); // network down: callers show their own "no connection" text
  }
  if (resp.status === 401) {
    goToLogin();
    throw new ApiError(null, 401);
  }
  const data = resp.headers.get("Content-Type")?.includes("json") ? await resp.json() : null;
  if (!resp.ok) throw new ApiError(data?.error || null, resp.status, data?.code || null, data?.params);
  return data;
}

export const api = {
  get: (path) => request("GET", path),
  post: (path, body = {}) => request("POST", path, body),
  del: (path) => request("DELETE", path),
};

/** The user-facing message of an error: the translation of `error.<code>` with its params; a code the
 * strings do not know gets the generic message. The server's English text is never shown. */
export function errorText(err) {
  if (err instanceof ApiError) {
    if (err.status === 0) return t("error.network");
    if (err.code && has(`error.${err.code}`)) return t(`error.${err.code}`, err.params);
    if (err.message) console.warn(`untranslated error ${err.code}: ${err.message}`);
    return t("error.generic");
  }
  console.error(err);
  return t("error.generic");
}
