// Builds portal/static from npm packages: GOV.UK Frontend (compiled with the
// portal's own font settings, no GDS Transport), its images, and htmx; then gives every
// static file a hashed, compressed copy in portal/static/dist (assets/digest.mjs).
import { cpSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import * as sass from "sass";
import { digest } from "./digest.mjs";

const out = "portal/static";
rmSync(`${out}/vendor`, { recursive: true, force: true });
mkdirSync(`${out}/vendor/govuk`, { recursive: true });
mkdirSync(`${out}/css`, { recursive: true });

const css = sass.compile("assets/scss/portal.scss", {
  loadPaths: ["node_modules"],
  style: "compressed",
  quietDeps: true,
  silenceDeprecations: ["import", "global-builtin", "slash-div"],
});
writeFileSync(`${out}/css/portal.css`, css.css);

const dist = "node_modules/govuk-frontend/dist/govuk";
cpSync(`${dist}/govuk-frontend.min.js`, `${out}/vendor/govuk/govuk-frontend.min.js`);
cpSync(`${dist}/assets/images`, `${out}/vendor/govuk/images`, { recursive: true });
cpSync(`${dist}/assets/manifest.json`, `${out}/vendor/govuk/manifest.json`);
cpSync("node_modules/htmx.org/dist/htmx.min.js", `${out}/vendor/htmx.min.js`);
const files = digest(out);
console.log("assets built into", out, `(${Object.keys(files).length} files hashed into ${out}/dist)`);
