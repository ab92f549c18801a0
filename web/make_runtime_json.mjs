// Writes DIST/runtime.json: size and sha256 of every runtime file the worker fetches, per
// backend, so that the page's progress bar knows its total before the first byte arrives and
// every runtime URL carries its content hash (the Service Worker caches those for good).
//
//   node web/make_runtime_json.mjs DIST
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dist = process.argv[2];
if (!dist) {
  console.error('usage: node web/make_runtime_json.mjs DIST');
  process.exit(2);
}
const sets = {
  module: ['radz_web.mjs', 'radz_web.wasm'],
  wasm: ['ort/ort.wasm.min.mjs', 'ort/ort-wasm-simd-threaded.mjs', 'ort/ort-wasm-simd-threaded.wasm'],
  webgpu: ['ort/ort.webgpu.min.mjs', 'ort/ort-wasm-simd-threaded.asyncify.mjs', 'ort/ort-wasm-simd-threaded.asyncify.wasm'],
};
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
