// The rating form's Send: CloudFront signs a POST for the API's Function URL only with the body's SHA-256 in
// x-amz-content-sha256, which a plain form cannot send. So the script posts the form itself and shows the page
// that comes back (parsed, never written as markup), binding once on the document so the new page's form works too.
"use strict";

async function sha256Hex(text) {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, "0")).join("");
}

document.addEventListener("submit", async (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.matches("form.rating-form")) return;
  event.preventDefault();
  const button = form.querySelector("button[type=submit]");
  if (button) button.disabled = true;
  const body = new URLSearchParams(new FormData(form)).toString();
  try {
    const response = await fetch(form.action, {
      method: "POST",
      headers: {
        "Content-Type": "application/x-www-form-urlencoded",
        "x-amz-content-sha256": await sha256Hex(body),
      },
      body,
      credentials: "omit",
    });
    const page = new DOMParser().parseFromString(await response.text(), "text/html");
    document.title = page.title;
    document.body.replaceWith(document.adoptNode(page.body));
    document.querySelector("[role=status], [role=alert], h1")?.focus();
  } catch {
    if (button) button.disabled = false;
    const note = document.getElementById("send-problem");
    if (note) {
      note.hidden = false;
      note.textContent = "Your answer could not be sent. Check your connection and try again.";
    }
  }
});
