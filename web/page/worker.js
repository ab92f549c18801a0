// RadZ's worker: all WebAssembly and ONNX Runtime Web work happens here, never on the page's
// main thread. It fetches the runtime and the package (counting bytes for one progress bar),
// starts the module (radz_web.mjs) and answers the page's requests one at a time: an
// asyncified export must never be re-entered, so every request waits in one queue.
//
// The requests and answers are protocol.mjs's table; the providers (auto's choice, WebGPU
// adapters, ONNX Runtime Web's files) providers.mjs's; the module's calls radz_web.cpp's table.

import { REQUESTS, checkRequest, answerMessage, errorMessage, progressMessage } from './protocol.mjs';
import * as providers from './providers.mjs';

let mod = null;     // the module instance
let samples = new Map(); // golden image file -> bytes (fetched with the package)
let queue = Promise.resolve();

const handlers = {
  open,
  classify,
  add_finding: (req) => call('add_finding', { modality: req.modality, name: req.name, descriptions: req.descriptions }),
  remove_finding: (req) => call('remove_finding', { modality: req.modality, findingId: req.findingId }),
  export: () => call('export', {}),
};
for (const type of Object.keys(REQUESTS)) {
  if (!handlers[type]) throw new Error('worker.js: no handler for the request \'' + type + '\' of protocol.mjs');
}

self.onmessage = (e) => {
  const req = e.data;
  queue = queue.then(() => {
    checkRequest(req);
    return handlers[req.type](req);
  }).then((res) => self.postMessage(answerMessage(req.id, res)), (err) => self.postMessage(errorMessage(req.id, err)));
};

// One call into the module: radz_web.cpp's one export, radz_web_call(name, args as JSON), which
// answers {ok: true, ...} or {ok: false, error}. Returns the answer without "ok", or throws.
async function call(name, args) {
  const text = await mod.ccall('radz_web_call', 'string', ['string', 'string'], [name, JSON.stringify(args)], { async: true });
  const answer = JSON.parse(text);
  if (!answer.ok) throw new Error(answer.error);
  delete answer.ok;
  return answer;
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

async function open(req) {
  const t0 = performance.now();
  const base = new URL('./', self.location.href);
  const model = new URL(req.model, base);
  const { ep, why, adapter } = await providers.chooseProvider(req.backend);

  // What will be fetched, with sizes: the runtime (runtime.json) and the package (manifest).
  const runtime = await (await fetch(new URL('runtime.json', base), { cache: 'no-cache' })).json();
  const manifestText = await (await fetch(new URL('manifest.json', model), { cache: 'no-cache' })).text();
  const manifest = JSON.parse(manifestText);
  const modFiles = runtime.files.module;
  const ortFiles = runtime.files[ep];
  let done = 0;
  let total = null;  // known once the module has said which package files the variant needs
  const progress = (file) => (n) => {
    done += n;
    if (total !== null) self.postMessage(progressMessage(done, total, file));
  };

  // Runtime files, each at a URL carrying its hash (cached for good by the Service Worker).
  const rtUrl = (f) => new URL(f.path + '?v=' + f.sha256.slice(0, 16), base).href;
  const rtBytes = {};
  const byName = (files, suffix) => files.find((f) => f.path.endsWith(suffix));
  // The module first: the core names the variant's files (package_variant_files).
  for (const f of modFiles) rtBytes[f.path] = await readBody(rtUrl(f), f.size, progress(f.path));
  const createRadz = (await import(rtUrl(byName(modFiles, 'radz_web.mjs')))).default;
  mod = await createRadz({ radzProviders: providers, wasmBinary: rtBytes['radz_web.wasm'].buffer });
  const needed = new Set((await call('package_files', { manifest: manifestText, variant: '' })).files);
  const pkgFiles = manifest.files.filter((f) => needed.has(f.path) || f.role === 'golden' || f.role === 'doc');
  total = modFiles.concat(ortFiles).reduce((s, f) => s + f.size, 0) + pkgFiles.reduce((s, f) => s + f.size, 0);
  self.postMessage(progressMessage(done, total, ''));

  for (const f of ortFiles) rtBytes[f.path] = await readBody(rtUrl(f), f.size, progress(f.path));
  // Package files, checked again by the core (size and sha256) before use.
  const files = new Map();
  for (const f of pkgFiles) {
    files.set(f.path, await readBody(new URL(f.path + '?sha256=' + f.sha256.slice(0, 16), model).href, f.size, progress(f.path)));
  }
  const tFetch = performance.now();

  // ONNX Runtime Web: the provider's bundle (its first runtime file), its loader and wasm at the
  // hashed URLs.
  const ortMain = byName(ortFiles, providers.provider(ep).runtime[0]);
  const ortLoader = ortFiles.find((f) => f.path.endsWith('.mjs') && f !== ortMain);
  const ortWasm = ortFiles.find((f) => f.path.endsWith('.wasm'));
  const ort = await import(rtUrl(ortMain));
  ort.env.wasm.wasmPaths = { mjs: rtUrl(ortLoader), wasm: rtUrl(ortWasm) };
  ort.env.wasm.wasmBinary = rtBytes[ortWasm.path].buffer;
  if (adapter) ort.env.webgpu.adapter = adapter;  // the one auto looked at
  const threads = req.threads > 0 ? req.threads
    : (self.crossOriginIsolated ? Math.min(4, Math.max(1, navigator.hardwareConcurrency || 1)) : 1);
  ort.env.wasm.numThreads = threads;
  mod.ort = ort;  // read by web/ortweb_glue.js when the model opens
  mod.radzFiles = files;
  const tModule = performance.now();

  const { info } = await call('open', { manifest: manifestText, variant: '', ep, threads });
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
    info,
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
  try {
    if (dicom) {
      const { dicomFrame } = await import('./dicom.js');
      const td = performance.now();
      mod.radzDicom = await dicomFrame(bytes, (attrs) => mod.dicomCheckHeader(attrs));
      dicomMs = performance.now() - td;
    }
    const r = await call('classify', { name: req.name, modality: req.modality, scoreAnyway: !!req.scoreAnyway });
    // The grey image the core made of a DICOM frame, for the page to show (it has no other way).
    const preview = dicom && !r.error ? mod.dicomGrey() : null;
    return { image: JSON.parse(r.image), error: r.error, ms: performance.now() - t0, preview, dicomMs };
  } finally {
    mod.radzInput = null;
    mod.radzDicom = null;
  }
}
