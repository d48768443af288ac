// The portal's 404 page, which CloudFront serves at any address the portal lacks: it names that address.
import { byId } from "../lib/dom.js";
import { startPage } from "../lib/shell.js";

byId("missingPath").textContent = window.location.pathname;
startPage(async () => {});
