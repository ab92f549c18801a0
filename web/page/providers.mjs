// The page's execution providers, in one place: which ONNX Runtime Web bundle each needs, how
// "auto" chooses (a hardware WebGPU adapter, else wasm: never a software adapter, like the native
// table's rule in native/ort_providers.cpp), and how a WebGPU adapter is asked for and named.
// The worker (worker.js) chooses with it and passes it to the module, whose ONNX Runtime Web
// glue (web/ortweb_glue.js) prepares the chosen provider with it. The session options every
// session gets come from the C++ side (native/ort_options.h, ORT_SESSION_ENTRIES).

// name: what ?backend= and the results' execution_provider say; runtime: the ONNX Runtime Web
// files it needs (copied from node_modules/onnxruntime-web/dist into the page's ort/ folder), the
// bundle first. web/make_runtime_json.mjs writes runtime.json's size and sha256 of each from this.
export const PROVIDERS = [
  { name: 'webgpu', runtime: ['ort/ort.webgpu.min.mjs', 'ort/ort-wasm-simd-threaded.asyncify.mjs', 'ort/ort-wasm-simd-threaded.asyncify.wasm'] },
  { name: 'wasm', runtime: ['ort/ort.wasm.min.mjs', 'ort/ort-wasm-simd-threaded.mjs', 'ort/ort-wasm-simd-threaded.wasm'] },
];

// What ?backend= accepts.
export const BACKEND_CHOICES = ['auto'].concat(PROVIDERS.map((p) => p.name));

// The row of a provider; throws for an unknown one.
export function provider(name) {
  const p = PROVIDERS.find((x) => x.name === name);
  if (!p) throw new Error('unknown execution provider \'' + name + '\' (expected ' + BACKEND_CHOICES.join(', ') + ')');
  return p;
}

// "vendor architecture device description" of a WebGPU adapter.
export function describeAdapter(adapter) {
  const i = adapter.info || {};
  const parts = [i.vendor, i.architecture, i.device, i.description].filter((x) => x);
  return parts.length ? parts.join(' ') : 'unknown WebGPU adapter';
}

// A software adapter (SwiftShader, llvmpipe, lavapipe): auto never picks it, wasm is faster.
export function isSoftwareAdapter(adapter) {
  const i = adapter.info || {};
  return Boolean(i.isFallbackAdapter || adapter.isFallbackAdapter ||
    /swiftshader|llvmpipe|lavapipe|software/i.test(describeAdapter(adapter)));
}

async function requestAdapter() {
  if (typeof navigator === 'undefined' || !navigator.gpu) return { adapter: null, why: 'no WebGPU in this browser' };
  let adapter = null;
  try { adapter = await navigator.gpu.requestAdapter(); } catch (e) { /* below */ }
  return adapter ? { adapter, why: '' } : { adapter: null, why: 'no WebGPU adapter' };
}

// request: "auto", "wasm" or "webgpu" (no fallback: fails when opened without an adapter).
// Returns {ep, why (why not WebGPU, for the page), adapter (the WebGPU adapter chosen, or null)}.
export async function chooseProvider(request) {
  if (request === 'wasm') return { ep: 'wasm', why: 'wasm forced', adapter: null };
  if (request === 'webgpu') return { ep: 'webgpu', why: '', adapter: (await requestAdapter()).adapter };
  if (request !== 'auto') provider(request);  // throws: unknown
  const { adapter, why } = await requestAdapter();
  if (!adapter) return { ep: 'wasm', why, adapter: null };
  if (isSoftwareAdapter(adapter)) {
    return { ep: 'wasm', why: 'only a software WebGPU adapter (' + describeAdapter(adapter) + ')', adapter: null };
  }
  return { ep: 'webgpu', why: '', adapter };
}

// Gets ONNX Runtime Web (`ort`) ready to run on `ep` ("wasm", "cpu" as its alias, or "webgpu"),
// called by web/ortweb_glue.js when the module opens. Returns the adapter's name ('' for wasm).
// Fails with one line: "webgpu: not usable: no WebGPU adapter".
export async function prepareProvider(ort, ep) {
  if (ep === 'wasm' || ep === 'cpu') return '';
  provider(ep);  // throws: unknown
  let adapter = ort.env.webgpu.adapter;
  if (!adapter) {
    const r = await requestAdapter();
    if (!r.adapter) throw new Error('webgpu: not usable: ' + r.why + (r.why.startsWith('no WebGPU in') ? ' (navigator.gpu missing)' : ''));
    adapter = r.adapter;
    ort.env.webgpu.adapter = adapter;
  }
  return describeAdapter(adapter);
}
