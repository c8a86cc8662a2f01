// Builds widget/dist: the bundled, minified widget.js plus index.html and widget.css.
// `node build.mjs --check-size` also fails when the gzipped bundle reaches the budget.

import { copyFile, mkdir, readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

import { build } from "esbuild";

const root = dirname(fileURLToPath(import.meta.url));
const dist = join(root, "dist");
const GZIP_BUDGET_BYTES = 60 * 1024;

await mkdir(dist, { recursive: true });
await build({
  entryPoints: [join(root, "src", "main.ts")],
  outfile: join(dist, "widget.js"),
  bundle: true,
  minify: true,
  format: "iife",
  target: ["es2020"],
  platform: "browser",
  legalComments: "none",
  logLevel: "warning",
});
for (const asset of ["index.html", "widget.css"]) {
  await copyFile(join(root, asset), join(dist, asset));
}

const gzipped = gzipSync(await readFile(join(dist, "widget.js")), { level: 9 }).length;
console.log(`widget.js: ${(gzipped / 1024).toFixed(1)} KiB gzipped (budget 60 KiB)`);
if (process.argv.includes("--check-size") && gzipped >= GZIP_BUDGET_BYTES) {
  console.error("widget.js is over its gzip budget");
  process.exit(1);
}
