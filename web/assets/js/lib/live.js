// The live socket (/live): one per page. It only says that something changed ({type, objectId, version, status,
// actor, at}); pages fetch what they show through the API. While it is down, callers poll as before: every watcher
// asks `liveIsUp()` and listens to `onLiveState`, so nothing depends on the socket.
import { collectionOf, get } from "./api.js";
import { meetingMoved } from "./audience.js";
import { el } from "./dom.js";
import { showMessage } from "./messages.js";

const RETRY_FIRST = 1000;
const RETRY_MOST = 30000;

const eventListeners = new Set();
const stateListeners = new Set();
let socket = null;
let up = false;
let retry = RETRY_FIRST;
let started = false;

export function liveIsUp() {
  return up;
}

/** `listener(event)` for every event; returns a function that stops listening. */
export function onLiveEvent(listener) {
  eventListeners.add(listener);
  return () => eventListeners.delete(listener);
}

/** `listener(isUp)` whenever the socket opens or drops; returns a function that stops listening. */
export function onLiveState(listener) {
  stateListeners.add(listener);
  return () => stateListeners.delete(listener);
}

function setUp(value) {
  if (up === value) return;
  up = value;
  document.body.dataset.live = value ? "up" : "down";
  for (const listener of [...stateListeners]) listener(value);
}

function connect() {
  if (socket || typeof WebSocket === "undefined") return;
  const scheme = window.location.protocol === "https:" ? "wss" : "ws";
  try {
    socket = new WebSocket(`${scheme}://${window.location.host}/live`);
  } catch {
    socket = null;
    setTimeout(connect, retry);
    return;
  }
  socket.addEventListener("open", () => {
    retry = RETRY_FIRST;
    setUp(true);
  });
  socket.addEventListener("message", (message) => {
    let event;
    try {
      event = JSON.parse(message.data);
    } catch {
      return;
    }
    if (!event || typeof event.objectId !== "string") return;
    for (const listener of [...eventListeners]) listener(event);
  });
  socket.addEventListener("close", () => {
    // Refused (signed out), dropped, or closed because the session ended: poll meanwhile, try again later.
    socket = null;
    setUp(false);
    setTimeout(connect, retry);
    retry = Math.min(retry * 2, RETRY_MOST);
  });
}

const WORDS = {
  submitted: "was submitted for approval",
  approval_decision: "has a new approval decision",
  approved: "was approved",
  rejected: "was rejected",
  completed: "was completed",
  cancelled: "was cancelled",
  reopened: "was reopened",
  updated: "was updated",
  changed_after_approval: "was changed and needs approval again",
  meeting_scheduled: "has its meeting: Join is ready",
  meeting_updated: "has its meeting updated",
  meeting_cancelled: "has its meeting cancelled",
  processed: "was sent to a customer",
};

/** The event in words; a meeting update says "moved" only when the object's history shows its time changed. */
export function eventWords(event, object) {
  if (event.type === "meeting_updated") {
    const entries = object.modifications || [];
    const latest = entries.filter((entry) => entry.modification_type === "meeting_updated").pop();
    if (latest && meetingMoved(latest, entries)) return "has its meeting moved";
  }
  return WORDS[event.type];
}

function titleOf(document) {
  return document.changeTitle || document.title || document.changeId || document.announcement_id || "";
}

/** Whether the signed-in user cares: their own object, or one awaiting their approval. */
function cares(user, event, object) {
  const own = String(object.created_by || object.createdBy || "").toLowerCase() === user.email.toLowerCase();
  return own || (user.mayApprove && !own && event.status === "submitted");
}

function dialogShows(objectId) {
  return [...document.querySelectorAll("dialog[open]")].some((dialog) => dialog.dataset.objectId === objectId);
}

/** Toasts float over the page (bottom right): news must not push what the user is reading down the page. */
function toastRegion() {
  let region = document.getElementById("liveToasts");
  if (!region) {
    region = el("div", { id: "liveToasts", className: "toast-region", role: "status", "aria-live": "polite" });
    document.body.append(region);
  }
  return region;
}

/** A toast for each event about something on the page the user cares about, or a request awaiting their approval
 * (told once per object, version and event). */
function toastEvents(user) {
  const told = new Set();
  onLiveEvent(async (event) => {
    if (event.actor === user.email) return;
    const key = `${event.objectId}#${event.version}#${event.type}`;
    if (told.has(key) || !WORDS[event.type]) return;
    told.add(key);
    // Asked only about what the page shows or what awaits the user: a thousand open pages must not all fetch
    // every object anyone changes.
    const shown = document.querySelector(`[data-id="${CSS.escape(event.objectId)}"]`) || dialogShows(event.objectId);
    if (!shown && !(user.mayApprove && event.status === "submitted")) return;
    let data;
    try {
      ({ data } = await get(`${collectionOf(event.objectId)}/${encodeURIComponent(event.objectId)}`));
    } catch {
      return; // gone, or not ours to see: nothing to tell
    }
    // The item open in a dialog counts too, whoever owns it.
    if (!cares(user, event, data) && !dialogShows(event.objectId)) return;
    const who = event.actor && event.actor !== "backend" ? ` by ${event.actor}` : "";
    showMessage(toastRegion(), "info", `${titleOf(data)} (${event.objectId}) ${eventWords(event, data)}${who}.`, {
      replace: false,
      sticky: false,
    });
  });
}

/** Open the socket for this page and toast what the user cares about; called once by `startPage`. */
export function startLive(user) {
  if (started) return;
  started = true;
  document.body.dataset.live = "down";
  toastEvents(user);
  connect();
}
