// Gives every built static file a name that carries its content hash, so that browsers may keep
// it for a year: portal/static/css/portal.css is copied to portal/static/dist/css/portal.<hash>.css,
// with gzip and brotli copies beside it (WhiteNoise serves whichever the browser accepts), and
// dist/staticfiles.json maps each plain name to its hashed one for the app's `static_url` helper.
//
// References between files (CSS url(), JavaScript imports, the web manifest's icons) are rewritten
// to the hashed names first, so a file's hash covers what it loads: change an image and the CSS
// that shows it gets a new name too.
//
//   node assets/digest.mjs <static folder>      (assets/build.mjs runs it after building)
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { posix } from "node:path";
import { pathToFileURL } from "node:url";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

export const DIST = "dist";
export const MANIFEST = `${DIST}/staticfiles.json`;
const URL_PREFIX = "/static/";
const COMPRESSIBLE = new Set([".css", ".js", ".mjs", ".json", ".svg", ".ico", ".txt", ".map"]);
// Each pattern finds a reference; `ref` is the group that holds the address.
const REFERENCES = {
  ".css": [/url\(\s*(?<quote>["']?)(?<ref>[^"')\s]+)\k<quote>\s*\)/g],
  ".js": [/(?:\bfrom|\bimport)\s*\(?\s*(?<quote>["'])(?<ref>(?:\.{1,2}\/|\/static\/)[^"']+)\k<quote>/g],
  ".mjs": [/(?:\bfrom|\bimport)\s*\(?\s*(?<quote>["'])(?<ref>(?:\.{1,2}\/|\/static\/)[^"']+)\k<quote>/g],
  ".json": [/"src"\s*:\s*(?<quote>")(?<ref>[^"]+)"/g],
};

function filesUnder(root, folder = "") {
  const found = [];
  for (const entry of readdirSync(posix.join(root, folder), { withFileTypes: true })) {
    const path = folder ? `${folder}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      if (path !== DIST) found.push(...filesUnder(root, path));
    } else if (!entry.name.startsWith(".")) {
      found.push(path);
    }
  }
  return found.sort();
}

function hashedName(path, content) {
  const hash = createHash("sha256").update(content).digest("hex").slice(0, 12);
  const ext = posix.extname(path);
  return `${path.slice(0, path.length - ext.length)}.${hash}${ext}`;
}

// The static file a reference in `from` names, or null (data: URLs, other sites, anchors).
function target(from, ref) {
  if (/^(?:[a-z]+:|\/\/|#)/i.test(ref)) return null;
  const bare = ref.split(/[?#]/)[0];
  if (bare.startsWith(URL_PREFIX)) return { path: bare.slice(URL_PREFIX.length), absolute: true, suffix: ref.slice(bare.length) };
  if (bare.startsWith("/")) return null;
  return { path: posix.normalize(posix.join(posix.dirname(from), bare)), absolute: false, suffix: ref.slice(bare.length) };
}

export function digest(root) {
  rmSync(posix.join(root, DIST), { recursive: true, force: true });
  const sources = new Set(filesUnder(root));
  const manifest = {};
  const visiting = new Set();

  // The hashed path (inside dist/) of `path`, after hashing everything it refers to.
  function visit(path) {
    if (manifest[path]) return manifest[path];
    if (visiting.has(path)) throw new Error(`static files refer to each other in a loop at ${path}`);
    visiting.add(path);
    const ext = posix.extname(path).toLowerCase();
    let content = readFileSync(posix.join(root, path));
    const patterns = REFERENCES[ext];
    if (patterns) {
      let text = content.toString("utf8");
      for (const pattern of patterns) {
        text = text.replace(pattern, (match, ...args) => {
          const { ref } = args.at(-1);
          const found = target(path, ref);
          if (!found || !sources.has(found.path) || found.path === path) return match;
          const hashed = visit(found.path);  // both files sit in dist/ in the same folders as before
          let address = found.absolute ? `${URL_PREFIX}${DIST}/${hashed}` : posix.relative(posix.dirname(path), hashed);
          if (!found.absolute && !address.startsWith("../") && (ref.startsWith("./") || ext.endsWith("js"))) {
            address = `./${address}`;
          }
          return match.replace(ref, address + found.suffix);
        });
      }
      content = Buffer.from(text, "utf8");
    }
    const hashed = hashedName(path, content);
    const out = posix.join(root, DIST, hashed);
    mkdirSync(posix.dirname(out), { recursive: true });
    writeFileSync(out, content);
    if (COMPRESSIBLE.has(ext)) compress(out, content);
    visiting.delete(path);
    manifest[path] = hashed;
    return hashed;
  }

  for (const path of sources) visit(path);
  const sorted = Object.fromEntries(Object.entries(manifest).sort().map(([k, v]) => [k, `${DIST}/${v}`]));
  writeFileSync(posix.join(root, MANIFEST), JSON.stringify({ version: 1, files: sorted }, null, 2) + "\n");
  return sorted;
}

// gzip and brotli copies, kept only where they save something worth a header.
function compress(out, content) {
  const gz = gzipSync(content, { level: 9 });
  if (gz.length < content.length * 0.95) writeFileSync(`${out}.gz`, gz);
  const br = brotliCompressSync(content, {
    params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: content.length },
  });
  if (br.length < content.length * 0.95) writeFileSync(`${out}.br`, br);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const root = process.argv[2];
  if (!root) {
    console.error("usage: node assets/digest.mjs <static folder>");
    process.exit(2);
  }
  const files = digest(root);
  console.log(`${Object.keys(files).length} static files hashed into ${posix.join(root, DIST)}`);
}
