// What every page shares: the header and navigation, who is signed in, keeping the session alive, sign-out.
import { ApiError, get } from "./api.js";
import { byId, clear, el } from "./dom.js";
import { showError } from "./messages.js";

export const PORTAL_NAME = "Customer Contact Manager";
export const PAGES = [
  ["index.html", "Dashboard"],
  ["create-change.html", "Create change"],
  ["create-announcement.html", "Create announcement"],
  ["my-changes.html", "My changes"],
  ["approvals.html", "Approvals"],
  ["announcements.html", "Announcements"],
  ["search-changes.html", "Search"],
];
const REFRESH_EVERY = 10 * 60 * 1000;

function currentPage() {
  const last = window.location.pathname.split("/").pop();
  return last || "index.html";
}

function renderHeader(header) {
  const toggle = el(
    "button",
    { type: "button", className: "nav-toggle", id: "navToggle", "aria-expanded": "false", "aria-controls": "navMenu" },
    el("span", { "aria-hidden": "true" }, "☰"),
    el("span", { className: "visually-hidden" }, "Menu"),
  );
  const here = currentPage();
  const menu = el(
    "ul",
    { className: "nav-menu", id: "navMenu" },
    PAGES.map(([href, label]) =>
      el("li", {}, el("a", { href, "aria-current": href === here ? "page" : false }, label)),
    ),
  );
  const user = el("span", { className: "user-info", id: "userInfo" }, "Signing in…");
  const logout = el("a", { className: "btn btn-small btn-logout", id: "logoutBtn", href: "/saml/logout" }, "Sign out");
  const setOpen = (open) => {
    menu.classList.toggle("open", open);
    toggle.setAttribute("aria-expanded", String(open));
    toggle.firstChild.textContent = open ? "✕" : "☰";
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
  clear(header).append(
    el(
      "div",
      { className: "header-bar" },
      el(
        "a",
        { className: "brand", href: "index.html" },
        el("img", { src: "assets/favicon.svg", alt: "", width: 24, height: 24 }),
        PORTAL_NAME,
      ),
      toggle,
      el("nav", { "aria-label": "Main" }, menu),
      el("div", { className: "user-box" }, user, logout),
    ),
  );
  return user;
}

function signedOut(status) {
  const again = el("a", { href: window.location.href }, "Sign in again");
  const message = showError(status, "Your session has ended. ");
  message.querySelector(".message-text").append(again);
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
 * Start a page: header, the signed-in user (from /api/user/context), then `run({user, status})`.
 * A failure to sign in or to start is shown, never swallowed.
 */
export async function startPage(run) {
  const userInfo = renderHeader(byId("siteHeader"));
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
  userInfo.title = `Role: ${user.role}`;
  document.body.dataset.role = user.role;
  keepSessionAlive(status);
  try {
    await run({ user, status });
  } catch (error) {
    if (error instanceof ApiError && error.isSignedOut) signedOut(status);
    else showError(status, error.message || String(error));
  }
}
