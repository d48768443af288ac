// Swagger UI for the portal's API (/api/docs). Its settings live in this file, not in the page, because the
// portal's Content-Security-Policy runs no inline script. The bundle comes from web/assets/vendor (make vendor).
"use strict";

(function startSwaggerUi() {
  const root = document.getElementById("swagger-ui");
  window.SwaggerUIBundle({
    url: root.dataset.specUrl,
    domNode: root,
    presets: [window.SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    // Deep links put a link inside each operation's toggle button, a control nested in a control (axe).
    deepLinking: false,
    docExpansion: "list",
    displayRequestDuration: true,
    // Never send the document to the public online validator: it would leave our origin (and the CSP forbids it).
    validatorUrl: null,
    // "Try it out" calls the API on this origin with the session cookie, like the portal's own pages.
    withCredentials: true,
  });
})();
