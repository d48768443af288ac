// The Join button, and waiting for it: after an approval the backend schedules the meeting on its own time and
// writes meeting_metadata.join_url; the page asks with If-None-Match, so unchanged objects cost a 304.
import { get } from "./api.js";
import { el } from "./dom.js";
import { normalStatus } from "./status.js";

export const FAST_INTERVAL = 2000;
export const SLOW_INTERVAL = 5000;
export const SLOW_AFTER = 20000;
export const GIVE_UP_AFTER = 120000;

const watching = new Map();

export function joinUrlOf(document) {
  const metadata = document && (document.meeting_metadata || null);
  return (metadata && metadata.join_url) || document.join_url || "";
}

/** Join, for an object (document or catalog row) whose meeting has a link and is still ahead; else null. */
export function joinLinkFor(item) {
  const url = joinUrlOf(item);
  return url && !["completed", "cancelled"].includes(normalStatus(item.status)) ? joinLink(url) : null;
}

export function joinLink(url) {
  return el(
    "a",
    { className: "btn btn-join", href: url, target: "_blank", rel: "noopener noreferrer" },
    "Join meeting",
  );
}

/**
 * Poll `collection/id` until its meeting has a join URL; `onFound(document)` runs once. One watcher per object
 * however often a list reloads: a second caller for an object already watched joins that watcher, so its
 * `onFound` runs too. Returns a function that stops the watcher.
 */
export function watchForMeeting(collection, id, onFound, { onGiveUp } = {}) {
  const key = `${collection}/${id}`;
  const listener = { onFound, onGiveUp };
  if (watching.has(key)) {
    const running = watching.get(key);
    running.listeners.push(listener);
    return running.stop;
  }
  const listeners = [listener];
  let etag = null;
  let elapsed = 0;
  let timer = null;
  const stop = () => {
    clearTimeout(timer);
    watching.delete(key);
  };
  const tick = async () => {
    const interval = elapsed >= SLOW_AFTER ? SLOW_INTERVAL : FAST_INTERVAL;
    elapsed += interval;
    try {
      const answer = await get(`${collection}/${encodeURIComponent(id)}`, { ifNoneMatch: etag });
      if (answer.status !== 304) {
        etag = answer.etag;
        if (joinUrlOf(answer.data)) {
          stop();
          for (const each of listeners) if (each.onFound) each.onFound(answer.data);
          return;
        }
      }
    } catch {
      // A failed poll is retried on the next tick; the watcher gives up only on time.
    }
    if (elapsed >= GIVE_UP_AFTER) {
      stop();
      for (const each of listeners) if (each.onGiveUp) each.onGiveUp();
      return;
    }
    timer = setTimeout(tick, elapsed >= SLOW_AFTER ? SLOW_INTERVAL : FAST_INTERVAL);
  };
  timer = setTimeout(tick, FAST_INTERVAL);
  watching.set(key, { stop, listeners });
  return stop;
}
