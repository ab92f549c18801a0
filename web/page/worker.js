// RadZ's worker: all WebAssembly and ONNX Runtime Web work happens here, never on the page's
// main thread. It fetches the runtime and the package (counting bytes for one progress bar),
// starts the module (radz_web.mjs) and answers the page's requests one at a time: an
// asyncified export must never be re-entered, so every request waits in one queue.
//
// Messages in:  {id, type: "open", model, backend: "auto" | "wasm" | "webgpu", threads}
//               {id, type: "classify", name, bytes | sample, modality ("": from a DICOM's tags)}
//               {id, type: "add_finding", modality, name, descriptions}
//               {id, type: "remove_finding", modality, findingId}
//               {id, type: "export"}
// Messages out: {type: "progress", done, total, file} (monotonic, ends at total)
//               {id, ok, ...result} / {id, ok: false, error}

let mod = null;     // the module instance
let samples = new Map(); // golden image file -> bytes (fetched with the package)
let queue = Promise.resolve();

self.onmessage = (e) => {
  const req = e.data;
  queue = queue.then(() => handle(req)).then(
    (res) => self.postMessage({ id: req.id, ok: true, ...res }),
    (err) => self.postMessage({ id: req.id, ok: false, error: String(err && err.message ? err.message : err) }));
};

async function handle(req) {
  switch (req.type) {
    case 'open': return open(req);
    case 'classify': return classify(req);
    case 'add_finding': return addFinding(req);
    case 'remove_finding': {
      const err = mod.removeFinding(req.modality, req.findingId);
      if (err) throw new Error(err);
      return { info: JSON.parse(mod.info()) };
    }
    case 'export': return { json: mod.exportResults() };
    default: throw new Error('unknown request ' + req.type);
  }
}

// An asyncified C export (web/radz_web.cpp); numbers stay numbers, the rest are strings.
function call(fn, args) {
  const types = args.map((a) => (typeof a === 'number' ? 'number' : 'string'));
  return mod.ccall(fn, 'string', types, args, { async: true }).then((t) => JSON.parse(t));
}

// Reads a response's body, reporting bytes as they arrive.
async function readBody(url, expectSize, progress) {
  const r = await fetch(url);
  if (!r.ok) throw new Error(url + ': HTTP ' + r.status);
  const reader = r.body.getReader();
  const parts = [];
  let n = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
    n += value.length;
    progress(value.length);
  }
  if (expectSize !== null && n !== expectSize) throw new Error(url + ': ' + n + ' bytes, expected ' + expectSize);
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

// backend: "wasm", "webgpu" (no fallback: fails without an adapter) or "auto" (a hardware
// WebGPU adapter, else wasm).
async function chooseBackend(backend) {
  if (backend === 'wasm') return { ep: 'wasm', why: 'wasm forced' };
  if (backend === 'webgpu') return { ep: 'webgpu', why: '' };
  if (!self.navigator.gpu) return { ep: 'wasm', why: 'no WebGPU in this browser' };
  let adapter = null;
  try { adapter = await navigator.gpu.requestAdapter(); } catch (e) { /* below */ }
  if (!adapter) return { ep: 'wasm', why: 'no WebGPU adapter' };
  // Like the native CLI's auto, never a software adapter (SwiftShader, llvmpipe): wasm is faster.
  const i = adapter.info || {};
  const name = [i.vendor, i.architecture, i.device, i.description].join(' ');
  if (i.isFallbackAdapter || adapter.isFallbackAdapter || /swiftshader|llvmpipe|lavapipe|software/i.test(name)) {
    return { ep: 'wasm', why: 'only a software WebGPU adapter (' + name.trim() + ')' };
  }
  return { ep: 'webgpu', why: '' };
}

async function open(req) {
  const t0 = performance.now();
  const base = new URL('./', self.location.href);
  const model = new URL(req.model, base);
  const { ep, why } = await chooseBackend(req.backend);

  // What will be fetched, with sizes: the runtime (runtime.json) and the package (manifest).
  const runtime = await (await fetch(new URL('runtime.json', base), { cache: 'no-cache' })).json();
  const manifestText = await (await fetch(new URL('manifest.json', model), { cache: 'no-cache' })).text();
  const manifest = JSON.parse(manifestText);
  const variant = manifest.variants[manifest.default_variant];
  if (!variant) throw new Error('manifest.json: default_variant \'' + manifest.default_variant + '\' is not in variants');
  const needed = new Set([variant.vision, variant.decoder, variant.embeddings, variant.anchors,
    variant.reference.file, manifest.tokenizer.file]);
  if (manifest.evidence) needed.add(manifest.evidence.file);  // format 1: the evidence for the scores
  const pkgFiles = manifest.files.filter((f) => needed.has(f.path) || f.role === 'golden' || f.role === 'doc');
  const rtFiles = runtime.files.module.concat(runtime.files[ep]);
  const total = rtFiles.reduce((s, f) => s + f.size, 0) + pkgFiles.reduce((s, f) => s + f.size, 0);
  let done = 0;
  self.postMessage({ type: 'progress', done, total, file: '' });
  const progress = (file) => (n) => {
    done += n;
    self.postMessage({ type: 'progress', done, total, file });
  };

  // Runtime files, each at a URL carrying its hash (cached for good by the Service Worker).
  const rtUrl = (f) => new URL(f.path + '?v=' + f.sha256.slice(0, 16), base).href;
  const rtBytes = {};
  for (const f of rtFiles) rtBytes[f.path] = await readBody(rtUrl(f), f.size, progress(f.path));
  const byName = (suffix) => rtFiles.find((f) => f.path.endsWith(suffix));
  // Package files, checked again by the core (size and sha256) before use.
  const files = new Map();
  for (const f of pkgFiles) {
    files.set(f.path, await readBody(new URL(f.path + '?sha256=' + f.sha256.slice(0, 16), model).href, f.size, progress(f.path)));
  }
  const tFetch = performance.now();

  // ONNX Runtime Web: the bundle for the backend, its loader and wasm at the hashed URLs.
  const ortMain = ep === 'webgpu' ? byName('ort.webgpu.min.mjs') : byName('ort.wasm.min.mjs');
  const ortLoader = rtFiles.find((f) => f.path.endsWith('.mjs') && f.path.includes('ort-wasm-simd-threaded'));
  const ortWasm = rtFiles.find((f) => f.path.endsWith('.wasm') && f.path.includes('ort-wasm-simd-threaded'));
  const ort = await import(rtUrl(ortMain));
  ort.env.wasm.wasmPaths = { mjs: rtUrl(ortLoader), wasm: rtUrl(ortWasm) };
  ort.env.wasm.wasmBinary = rtBytes[ortWasm.path].buffer;
  const threads = req.threads > 0 ? req.threads
    : (self.crossOriginIsolated ? Math.min(4, Math.max(1, navigator.hardwareConcurrency || 1)) : 1);
  ort.env.wasm.numThreads = threads;

  const createRadz = (await import(rtUrl(byName('radz_web.mjs')))).default;
  mod = await createRadz({ ort, wasmBinary: rtBytes['radz_web.wasm'].buffer });
  mod.radzFiles = files;
  const tModule = performance.now();

  const r = await call('radz_web_open', [manifestText, '', ep, threads]);
  if (!r.ok) throw new Error(r.error);
  const tOpen = performance.now();
  // The graphs now live in ONNX Runtime Web; keep only what the page still needs.
  samples = new Map();
  let golden = null;
  if (manifest.golden && files.has(manifest.golden.file)) {
    golden = JSON.parse(new TextDecoder().decode(files.get(manifest.golden.file)));
  }
  const sampleList = [];
  for (const f of pkgFiles) {
    if (f.role !== 'golden' || !/\.(png|jpe?g)$/i.test(f.path)) continue;
    const base = f.path.split('/').pop();
    const g = golden && golden.images ? golden.images.find((x) => x.file === base) : null;
    samples.set(f.path, files.get(f.path));
    sampleList.push({ path: f.path, file: base, modality: g ? g.modality : '', label: g ? [].concat(g.label).join(', ') : '',
      bytes: files.get(f.path).slice() });
  }
  const decoder = new TextDecoder();
  const docs = {};
  for (const f of pkgFiles) if (f.role === 'doc') docs[f.path] = decoder.decode(files.get(f.path));
  mod.radzFiles = null;

  return {
    info: JSON.parse(mod.info()),
    why,
    crossOriginIsolated: self.crossOriginIsolated,
    samples: sampleList,
    docs,
    timings: { fetch: tFetch - t0, module: tModule - tFetch, open: tOpen - tModule, total: tOpen - t0 },
    bytes: total,
  };
}

async function classify(req) {
  const bytes = req.sample ? samples.get(req.sample) : new Uint8Array(req.bytes);
  if (!bytes) throw new Error('no sample ' + req.sample);
  mod.radzInput = bytes;
  const t0 = performance.now();
  // DICOM: parsed and decoded by dicom.js (its own worker), handed to the core's rules.
  const dicom = bytes.length >= 132 && String.fromCharCode(...bytes.subarray(128, 132)) === 'DICM';
  let dicomMs = null;  // parsing and decoding in the DICOM worker (before the core's timings)
  if (dicom) {
    const { dicomFrame } = await import('./dicom.js');
    const td = performance.now();
    mod.radzDicom = await dicomFrame(bytes, (attrs) => mod.dicomCheckHeader(attrs));
    dicomMs = performance.now() - td;
  }
  const r = await call('radz_web_classify', [req.name, req.modality]);
  // The grey image the core made of a DICOM frame, for the page to show (it has no other way).
  const preview = dicom && r.ok ? mod.dicomGrey() : null;
  mod.radzInput = null;
  mod.radzDicom = null;
  if (!r.image) throw new Error(r.error);
  return { image: r.image, error: r.ok ? '' : r.error, ms: performance.now() - t0, preview, dicomMs };
}

async function addFinding(req) {
  const r = await call('radz_web_add_finding', [req.modality, req.name, JSON.stringify(req.descriptions)]);
  if (!r.ok) throw new Error(r.error);
  return { findingId: r.id, truncated: r.truncated, info: JSON.parse(mod.info()) };
}
