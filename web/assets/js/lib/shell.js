// What every page shares: the header's menu, who is signed in, keeping the session alive, sign-out.
// The header itself is in each page's HTML, so it takes its final size before any script or data arrives.
import { ApiError, SIGNED_OUT, get } from "./api.js";
import { byId, el } from "./dom.js";
import { startLive } from "./live.js";
import { messageNode, showError } from "./messages.js";

const REFRESH_EVERY = 10 * 60 * 1000;

/** The phone menu: the toggle opens it; a click elsewhere, a link or Escape closes it. */
function wireMenu() {
  const toggle = byId("navToggle");
  const menu = byId("navMenu");
  const setOpen = (open) => {
    menu.classList.toggle("open", open);
    toggle.setAttribute("aria-expanded", String(open));
    toggle.firstElementChild.textContent = open ? "✕" : "☰";
  };
  toggle.addEventListener("click", (event) => {
    event.stopPropagation();
    setOpen(!menu.classList.contains("open"));
  });
  document.addEventListener("click", (event) => {
    if (!menu.contains(event.target)) setOpen(false);
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && menu.classList.contains("open")) {
      setOpen(false);
      toggle.focus();
    }
  });
}

/**
 * Said once, beside the page's messages rather than among them: a list that fails to load after the session ended
 * shows its own error, which must not take away the way back in.
 */
function signedOut(status) {
  if (document.getElementById("sessionEnded")) return;
  const again = el("a", { href: window.location.href }, "Sign in again");
  const message = messageNode("error", "Your session has ended. ");
  message.id = "sessionEnded";
  message.querySelector(".message-text").append(again);
  status.before(message);
}

function keepSessionAlive(status) {
  // The edge re-issues the session cookie on activity; a page left open keeps its session while it is visible.
  setInterval(async () => {
    if (document.visibilityState !== "visible") return;
    try {
      const response = await fetch("/saml/refresh", { credentials: "same-origin", redirect: "manual" });
      if (response.status === 401 || response.type === "opaqueredirect") signedOut(status);
    } catch {
      // Offline for a moment: the next refresh tries again.
    }
  }, REFRESH_EVERY);
}

/**
 * Start a page: the menu, the signed-in user (from /api/user/context), then `run({user, status})`.
 * A failure to sign in or to start is shown, never swallowed.
 */
export async function startPage(run) {
  wireMenu();
  const userInfo = byId("userInfo");
  const status = byId("statusContainer");
  let user;
  try {
    ({ data: user } = await get("/user/context"));
  } catch (error) {
    userInfo.textContent = "Not signed in";
    if (error instanceof ApiError && error.isSignedOut) signedOut(status);
    else showError(status, `Could not load your account: ${error.message}`);
    return;
  }
  userInfo.textContent = user.email;
  // The box keeps its width whatever the address; a long one is cut, and shown whole on hover.
  userInfo.title = `${user.email} (role: ${user.role})`;
  document.body.dataset.role = user.role;
  keepSessionAlive(status);
  window.addEventListener(SIGNED_OUT, () => signedOut(status));
  startLive(user);
  try {
    await run({ user, status });
  } catch (error) {
    if (error instanceof ApiError && error.isSignedOut) signedOut(status);
    else showError(status, error.message || String(error));
  }
}
