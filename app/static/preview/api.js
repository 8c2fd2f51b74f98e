// The JSON API client: every call the page makes goes through here, like the mini-program's wx.request.
import { acceptLanguage, t } from "./i18n.js";

const TOKEN_KEY = "diandian.preview.token";

/** An API failure: the envelope's code, message and fields (422), or a network / non-JSON failure. */
export class ApiError extends Error {
  constructor(status, code, message, fields, detail) {
    super(message);
    this.status = status;
    this.code = code;
    this.fields = fields || null;
    this.detail = detail || null;
  }
}

let onUnauthorized = () => {};

/** Called when the API answers 401 token_invalid / token_expired: the stored token is dropped first. */
export function setUnauthorizedHandler(fn) {
  onUnauthorized = fn;
}

export function token() {
  try {
    return sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

export function setToken(value) {
  try {
    if (value) sessionStorage.setItem(TOKEN_KEY, value);
    else sessionStorage.removeItem(TOKEN_KEY);
  } catch {
    /* private mode without storage: the token lives as long as the page */
  }
}

/**
 * api("GET", "/api/v1/scenarios", {query: {kind}}) -> parsed JSON (null for 204).
 * Options: body (JSON), query (object), headers, auth (default: send the token when there is one).
 * Throws ApiError.
 */
export async function api(method, path, { body, query, headers = {}, auth = true } = {}) {
  let url = path;
  if (query) {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined && value !== null && value !== "") params.set(key, String(value));
    }
    const qs = params.toString();
    if (qs) url += `${url.includes("?") ? "&" : "?"}${qs}`;
  }
  const sent = { Accept: "application/json", "Accept-Language": acceptLanguage(), ...headers };
  const bearer = auth ? token() : null;
  if (bearer) sent.Authorization = `Bearer ${bearer}`;
  if (body !== undefined) sent["Content-Type"] = "application/json";

  let response;
  try {
    response = await fetch(url, {
      method, headers: sent, body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin", cache: "no-store",
    });
  } catch {
    throw new ApiError(0, "network", t("error_network"));
  }
  if (response.status === 204) return null;
  let data = null;
  const text = await response.text();
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (response.ok) {
    if (data === null) throw new ApiError(response.status, "not_json", t("error_http", { status: response.status }));
    return data;
  }
  const envelope = data && typeof data.error === "object" ? data.error : null;
  const error = envelope
    ? new ApiError(response.status, envelope.code, envelope.message, envelope.fields, envelope.detail)
    : new ApiError(response.status, `http_${response.status}`, t("error_http", { status: response.status }));
  if (response.status === 401 && bearer && (error.code === "token_invalid" || error.code === "token_expired")) {
    setToken(null);
    onUnauthorized(error);
  }
  throw error;
}
