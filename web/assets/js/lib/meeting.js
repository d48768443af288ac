// The Join button, and waiting for it: after an approval the backend schedules the meeting on its own time and
// writes meeting_metadata.join_url, or records that no meeting was made because nobody is invited; the page asks
// with If-None-Match, so unchanged objects cost a 304. While the live socket is up the page asks only when the
// socket says the object changed; while it is down, it polls.
import { get } from "./api.js";
import { meetingDecided } from "./audience.js";
import { el } from "./dom.js";
import { liveIsUp, onLiveEvent, onLiveState } from "./live.js";
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
 * Watch `collection/id` while the backend works on it, asking with If-None-Match (an unchanged object costs a 304)
 * whenever the live socket says it changed, or every few seconds while the socket is down: every new version goes
 * to `onChange(document)`, and once `isDone(document)` holds, to `onDone(document)`, then
 * watching stops; after GIVE_UP_AFTER it stops with `onGiveUp()`. One watcher per object and `name` however often a
 * list reloads: a second caller joins the running watcher. Returns a function that stops the watcher.
 */
export function watchObject(collection, id, { name = "object", isDone, onChange, onDone, onGiveUp } = {}) {
  const key = `${collection}/${id}#${name}`;
  const listener = { onChange, onDone, onGiveUp };
  if (watching.has(key)) {
    const running = watching.get(key);
    running.listeners.push(listener);
    return running.stop;
  }
  const listeners = [listener];
  let etag = null;
  let elapsed = 0;
  let timer = null;
  let giveUp = null;
  const unsubscribe = [];
  const stop = () => {
    clearTimeout(timer);
    clearTimeout(giveUp);
    for (const each of unsubscribe.splice(0)) each();
    watching.delete(key);
  };
  const tell = (what, ...args) => {
    for (const each of listeners) if (each[what]) each[what](...args);
  };
  const fetchOnce = async () => {
    try {
      const answer = await get(`${collection}/${encodeURIComponent(id)}`, { ifNoneMatch: etag });
      if (answer.status !== 304) {
        etag = answer.etag;
        tell("onChange", answer.data);
        if (isDone(answer.data)) {
          stop();
          tell("onDone", answer.data);
          return true;
        }
      }
    } catch {
      // A failed request is retried on the next tick or event; the watcher gives up only on time.
    }
    return false;
  };
  const schedule = () => {
    clearTimeout(timer);
    if (!liveIsUp()) timer = setTimeout(tick, elapsed >= SLOW_AFTER ? SLOW_INTERVAL : FAST_INTERVAL);
  };
  const tick = async () => {
    elapsed += elapsed >= SLOW_AFTER ? SLOW_INTERVAL : FAST_INTERVAL;
    if (await fetchOnce()) return;
    schedule();
  };
  unsubscribe.push(
    onLiveEvent((event) => {
      if (event.objectId === id) fetchOnce();
    }),
    onLiveState((isUp) => {
      // Back up after a drop: an event may have been missed, so look once; down: poll until it is back.
      if (isUp) {
        clearTimeout(timer);
        fetchOnce();
      } else {
        schedule();
      }
    }),
  );
  giveUp = setTimeout(() => {
    stop();
    tell("onGiveUp");
  }, GIVE_UP_AFTER);
  // With the socket up, look once now (what it said before this watcher began is not said again), then on events.
  if (liveIsUp()) fetchOnce();
  else schedule();
  watching.set(key, { stop, listeners });
  return stop;
}

/**
 * Wait until the object's meeting is decided: made (with its Join link, or as invitations by email) or skipped
 * because nobody is invited. `onFound(document)` runs once it is; callers tell which by `joinUrlOf(document)`.
 */
export function watchForMeeting(collection, id, onFound, { onGiveUp } = {}) {
  return watchObject(collection, id, { name: "meeting", isDone: meetingDecided, onDone: onFound, onGiveUp });
}
