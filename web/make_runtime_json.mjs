// Copies ONNX Runtime Web's runtime files for every provider of the page's table
// (web/page/providers.mjs) from ORT_WEB_DIR into DIST/ort/, and writes DIST/runtime.json: size
// and sha256 of every runtime file the worker fetches, per provider, so that the page's progress
// bar knows its total before the first byte arrives and every runtime URL carries its content
// hash (the Service Worker caches those for good).
//
//   node web/make_runtime_json.mjs DIST ORT_WEB_DIR
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { PROVIDERS } from './page/providers.mjs';

const [dist, ortDir] = process.argv.slice(2);
if (!dist || !ortDir) {
  console.error('usage: node web/make_runtime_json.mjs DIST ORT_WEB_DIR');
  process.exit(2);
}
mkdirSync(join(dist, 'ort'), { recursive: true });
const sets = { module: ['radz_web.mjs', 'radz_web.wasm'] };
for (const p of PROVIDERS) {
  for (const path of p.runtime) copyFileSync(join(ortDir, basename(path)), join(dist, path));
  sets[p.name] = p.runtime;
}
const out = { format: 'radz-web-runtime', onnxruntime_web: '', files: {} };
for (const [set, files] of Object.entries(sets)) {
  out.files[set] = files.map((path) => {
    const bytes = readFileSync(join(dist, path));
    return { path, size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
  });
}
const pkg = JSON.parse(readFileSync(new URL('../node_modules/onnxruntime-web/package.json', import.meta.url)));
out.onnxruntime_web = pkg.version;
writeFileSync(join(dist, 'runtime.json'), JSON.stringify(out, null, 1) + '\n');
