// The one way the portal talks to the API: same origin, JSON, the body hash CloudFront's origin access control
// needs on writes, If-Match/If-None-Match for optimistic locking, and errors people can read.

export const API = "/api";
/** The event the window hears when an answer says the session has ended. */
export const SIGNED_OUT = "ccm:signed-out";
const WRITES = new Set(["POST", "PUT", "PATCH", "DELETE"]);

export class ApiError extends Error {
  constructor(status, message, body = null) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.body = body;
  }

  get isConflict() {
    return this.status === 412;
  }

  get isSignedOut() {
    return this.status === 401;
  }
}

async function sha256Hex(bytes) {
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

function describe(status, body) {
  if (status === 401) return "Your session has ended. Reload the page to sign in again.";
  if (body && typeof body === "object" && body.error) {
    const problems = Array.isArray(body.problems) ? body.problems : [];
    if (problems.length === 0) return String(body.error);
    return problems.map((problem) => `${problem.field}: ${problem.message}`).join("; ");
  }
  if (status === 403) return "You are not allowed to do this.";
  if (status === 404) return "Not found: it may have been deleted.";
  if (status >= 500) return `The server failed (HTTP ${status}). Try again in a moment.`;
  return `The request failed (HTTP ${status}).`;
}

/**
 * request("PUT", "/changes/CHG-1", {body, ifMatch, version}) -> {status, etag, data}
 * A 304 (only with ifNoneMatch) resolves with data null; anything else not 2xx throws ApiError.
 *
 * The backend writes to an object on its own (the notifications it sent, the meeting it scheduled) without making
 * a new version. Given the `version` the user saw, a 412 whose current version is still that one is such a write,
 * not a person's: the request is sent once more on the current ETag (the server merges only the fields sent).
 */
export async function request(method, path, options = {}) {
  try {
    return await send(method, path, options);
  } catch (error) {
    const current = (error instanceof ApiError && error.isConflict && error.body) || {};
    if (!options.version || !current.currentETag || current.currentVersion !== options.version) throw error;
    return send(method, path, { ...options, ifMatch: current.currentETag });
  }
}

async function send(method, path, { body, ifMatch, ifNoneMatch, query } = {}) {
  const headers = { Accept: "application/json" };
  let payload;
  if (body !== undefined) {
    payload = new TextEncoder().encode(JSON.stringify(body));
    headers["Content-Type"] = "application/json";
  }
  if (WRITES.has(method)) headers["x-amz-content-sha256"] = await sha256Hex(payload ?? new Uint8Array());
  if (ifMatch) headers["If-Match"] = ifMatch;
  if (ifNoneMatch) headers["If-None-Match"] = ifNoneMatch;
  let url = API + path;
  if (query) {
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined && value !== null && value !== "") search.set(key, String(value));
    }
    if ([...search].length) url += (url.includes("?") ? "&" : "?") + search;
  }
  let response;
  try {
    response = await fetch(url, { method, headers, body: payload, credentials: "same-origin", redirect: "manual" });
  } catch {
    throw new ApiError(0, "Network error: check your connection and try again.");
  }
  if (response.type === "opaqueredirect" || response.status === 401) {
    // Whatever the page does with the error, the shell offers the way back in.
    globalThis.dispatchEvent?.(new Event(SIGNED_OUT));
  }
  if (response.type === "opaqueredirect") {
    throw new ApiError(401, "Your session has ended. Reload the page to sign in again.");
  }
  const etag = response.headers.get("ETag");
  if (response.status === 304) return { status: 304, etag: etag || ifNoneMatch, data: null };
  const text = await response.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      if (response.ok) throw new ApiError(response.status, "The server answered with a page instead of data.");
    }
  }
  if (!response.ok) throw new ApiError(response.status, describe(response.status, data), data);
  return { status: response.status, etag, data };
}

export const get = (path, options) => request("GET", path, options);
export const post = (path, body, options = {}) => request("POST", path, { ...options, body });
export const put = (path, body, options = {}) => request("PUT", path, { ...options, body });
export const remove = (path, options) => request("DELETE", path, options);

/** Every item of a listing, following `cursor` to the last page. */
export async function listAll(path, query = {}, maximum = 2000) {
  const items = [];
  let cursor = null;
  do {
    const { data } = await get(path, { query: { ...query, limit: 200, cursor } });
    items.push(...(data.items || []));
    cursor = data.cursor;
  } while (cursor && items.length < maximum);
  return items;
}

/** Same for a POSTed search: the criteria go in the body, the cursor with them. */
export async function searchAll(criteria, maximum = 1000) {
  const items = [];
  let cursor = null;
  do {
    const { data } = await post("/changes/search", { ...criteria, limit: 200, cursor: cursor || undefined });
    items.push(...(data.items || []));
    cursor = data.cursor;
  } while (cursor && items.length < maximum);
  return items;
}

/** "/changes" or "/announcements" for an id or a catalog item. */
export function collectionOf(idOrItem) {
  const id = typeof idOrItem === "string" ? idOrItem : idOrItem.id;
  return id.startsWith("CHG-") ? "/changes" : "/announcements";
}
