// The staff API client. The session cookie (HttpOnly) rides along by itself; every state-changing call
// echoes the session's CSRF token in X-CSRF-Token, which the server checks against the session.
import { dotted } from "./i18n.js";

const STAFF = "/api/v1/staff";
let csrfToken = null;
let onSignedOut = () => {};

/** An API failure: the envelope's status, code, message, fields (422) and request id. */
export class ApiError extends Error {
  constructor(status, code, message, fields, requestId) {
    super(message);
    this.status = status;
    this.code = code;
    this.fields = fields || null;
    this.requestId = requestId || null;
  }
}

export function setCsrf(token) {
  csrfToken = token || null;
}

/** Called when the session is gone (401 from a staff endpoint): the console shows the sign-in form. */
export function setSignedOutHandler(fn) {
  onSignedOut = fn;
}

function withQuery(path, query) {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== "") params.set(key, String(value));
  }
  const qs = params.toString();
  return qs ? `${path}${path.includes("?") ? "&" : "?"}${qs}` : path;
}

/** A staff path ("/scenarios") becomes /api/v1/staff/scenarios; absolute paths ("/sandbox/...") stay. */
function staffUrl(path, query) {
  return withQuery(path.startsWith("/api/") || path.startsWith("/sandbox/") || path.startsWith("/healthz")
    ? path : `${STAFF}${path}`, query);
}

async function send(method, path, { body, query, accept = "application/json", csrf = true } = {}) {
  const headers = { Accept: accept, "Accept-Language": "zh-CN" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (csrf && method !== "GET" && method !== "HEAD" && csrfToken) headers["X-CSRF-Token"] = csrfToken;
  let response;
  try {
    response = await fetch(staffUrl(path, query), {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin", cache: "no-store",
    });
  } catch {
    throw new ApiError(0, "network", dotted("api.network"));
  }
  return response;
}

async function failure(response, path) {
  let data = null;
  try {
    data = JSON.parse(await response.text());
  } catch {
    data = null;
  }
  const e = data && typeof data.error === "object" ? data.error : null;
  const error = e
    ? new ApiError(response.status, e.code, e.message || e.code, e.fields, e.request_id || response.headers.get("X-Request-Id"))
    : new ApiError(response.status, `http_${response.status}`, dotted("api.http", { status: response.status }),
      null, response.headers.get("X-Request-Id"));
  const sessionCall = path === "/session";
  if (response.status === 401 && !sessionCall && path.startsWith("/") && !path.startsWith("/api/v1/") && !path.startsWith("/sandbox/")) {
    setCsrf(null);
    onSignedOut(error);
  }
  return error;
}

/** api("GET", "/scenarios") -> parsed JSON (null for 204). Throws ApiError. */
export async function api(method, path, options = {}) {
  const response = await send(method, path, options);
  if (response.status === 204) return null;
  if (!response.ok) throw await failure(response, path);
  const text = await response.text();
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    throw new ApiError(response.status, "not_json", dotted("api.not_json", { status: response.status }));

  }
}

/** A file from the API (a poster, a CSV) as a Blob; errors come back as ApiError like any call. */
export async function fetchBlob(path, query) {
  const response = await send("GET", path, { query, accept: "*/*" });
  if (!response.ok) throw await failure(response, path);
  return response.blob();
}

/** The list inside {"data": [...]} (or a bare list). */
export function listOf(value, key = "data") {
  if (Array.isArray(value)) return value;
  if (value && Array.isArray(value[key])) return value[key];
  return [];
}
