// The JSON API: same origin, session cookie, CSRF header on every state change.
const csrf = () => document.querySelector('meta[name="csrf-token"]')?.content || "";

export class ApiError extends Error {
  constructor(message, status) {
    super(message || "");
    this.status = status;
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
  if (!resp.ok) throw new ApiError(data?.error || null, resp.status);
  return data;
}

export const api = {
  get: (path) => request("GET", path),
  post: (path, body = {}) => request("POST", path, body),
  del: (path) => request("DELETE", path),
};

/** The user-facing message of an error: the server's text, else a generic one from the strings. */
export function errorText(err, t) {
  if (err instanceof ApiError) {
    if (err.message) return err.message;
    return err.status === 0 ? t("error.network") : t("error.generic");
  }
  console.error(err);
  return t("error.generic");
}
