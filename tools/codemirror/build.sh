#!/usr/bin/env bash
# Rebuilds static/vendor/codemirror.js from tools/codemirror/entry.js with the exact
# package versions pinned in package-lock.json, then prints the output's sha256.
# Safe to re-run. Usage (from anywhere): bash tools/codemirror/build.sh
set -euo pipefail
cd "$(dirname "$0")"
npm ci --no-audit --no-fund
mkdir -p ../../static/vendor

# esbuild's JS API rather than its CLI, for one build-time patch of style-mod (the
# library CodeMirror injects its CSS with). style-mod writes the CSS into a <style>
# element when the editor sits in a document, and only uses a constructed stylesheet
# (document.adoptedStyleSheets) inside shadow roots. The site's Content-Security-Policy
# (default-src 'self', no 'unsafe-inline', no nonce) blocks the <style> element, leaving
# the editor unstyled; constructed stylesheets are not subject to CSP. The patch makes
# style-mod use a constructed stylesheet for documents too. It falls back to the <style>
# element where adoptedStyleSheets is missing (Safari < 16.4, Firefox < 101). The build
# fails if the patched line is not found, e.g. after a style-mod upgrade.
node --input-type=module <<'EOF'
import * as esbuild from "esbuild";

const from = "if (!root.head && root.adoptedStyleSheets && win.CSSStyleSheet) {";
const to = "if (root.adoptedStyleSheets && win.CSSStyleSheet) { // patched: see tools/codemirror/build.sh";
let patched = 0;
const patchStyleMod = {
  name: "patch-style-mod",
  setup(build) {
    build.onLoad({ filter: /[\\/]style-mod[\\/]src[\\/]style-mod\.js$/ }, async (args) => {
      const fs = await import("node:fs/promises");
      const src = await fs.readFile(args.path, "utf8");
      if (src.split(from).length !== 2) throw new Error(`style-mod patch: expected exactly one "${from}" in ${args.path}`);
      patched++;
      return { contents: src.replace(from, to), loader: "js" };
    });
  },
};

await esbuild.build({
  entryPoints: ["entry.js"],
  bundle: true,
  minify: true,
  format: "iife",
  target: "es2020",
  legalComments: "none",
  banner: { js: "/* CodeMirror 6 + @codemirror/lang-rust for Backend Workbook (tools/codemirror). MIT licences: CODEMIRROR-LICENSE */" },
  outfile: "../../static/vendor/codemirror.js",
  plugins: [patchStyleMod],
  logLevel: "info",
});
if (patched !== 1) throw new Error(`style-mod patch applied ${patched} times, expected 1`);
EOF

out=../../static/vendor/codemirror.js
echo "size:   $(wc -c < "$out") bytes"
echo "sha256: $(sha256sum "$out" | cut -d' ' -f1)  static/vendor/codemirror.js"
