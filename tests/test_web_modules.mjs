// The page's two tables under node (no browser): web/page/protocol.mjs (the page <-> worker
// messages) and web/page/providers.mjs (the page's providers and auto's rule, with a stand-in
// navigator.gpu). Prints "N passed, M failed"; exits 1 on a failure.
//
//   node tests/test_web_modules.mjs
import { existsSync } from 'node:fs';
import { dirname, join, basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { REQUESTS, requestMessage, checkRequest, answerMessage, errorMessage, progressMessage } from '../web/page/protocol.mjs';
import { PROVIDERS, BACKEND_CHOICES, provider, isSoftwareAdapter, describeAdapter, chooseProvider, prepareProvider }
  from '../web/page/providers.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
let passed = 0;
let failed = 0;
function check(name, ok, detail) {
  if (ok) passed++; else { failed++; console.log('FAIL ' + name + (detail !== undefined ? ': ' + detail : '')); }
}
function throws(fn, pattern) {
  try { fn(); } catch (e) { return pattern.test(e.message) ? '' : e.message; }
  return 'no error';
}
async function rejects(p, pattern) {
  try { await p; } catch (e) { return pattern.test(e.message) ? '' : e.message; }
  return 'no error';
}

// ----- protocol.mjs
check('the five requests', JSON.stringify(Object.keys(REQUESTS)) ===
  JSON.stringify(['open', 'classify', 'add_finding', 'remove_finding', 'export']));
const bytes = new ArrayBuffer(4);
const m = requestMessage(7, 'classify', { name: 'a.png', bytes, modality: 'cxr', scoreAnyway: false });
check('classify with bytes: message and transfer', m.message.id === 7 && m.message.type === 'classify' &&
  m.message.name === 'a.png' && m.transfer.length === 1 && m.transfer[0] === bytes);
check('classify with a sample transfers nothing',
  requestMessage(8, 'classify', { name: 'a.png', sample: 'golden/a.png', modality: 'auto', scoreAnyway: true }).transfer.length === 0);
let e = throws(() => requestMessage(9, 'classify', { name: 'a.png', modality: 'cxr', scoreAnyway: false }), /^classify: missing field 'bytes\|sample'$/);
check('classify without bytes or sample is refused', e === '', e);
e = throws(() => requestMessage(9, 'classify', { name: 'a.png', bytes, modality: 'auto' }), /^classify: missing field 'scoreAnyway'$/);
check('classify without scoreAnyway is refused', e === '', e);
e = throws(() => requestMessage(9, 'opne', {}), /^unknown request 'opne' \(expected open, classify, add_finding, remove_finding, export\)$/);
check('an unknown request is refused, naming the known ones', e === '', e);
e = throws(() => checkRequest({ id: 1, type: 'remove_finding', modality: 'cxr' }), /missing field 'findingId'/);
check('the worker refuses a request lacking a field', e === '', e);
check('export needs no field', requestMessage(1, 'export', {}).message.type === 'export');
check('answer, error and progress messages', JSON.stringify(answerMessage(3, { json: 'x' })) === '{"id":3,"ok":true,"json":"x"}' &&
  JSON.stringify(errorMessage(3, new Error('bad'))) === '{"id":3,"ok":false,"error":"bad"}' &&
  JSON.stringify(progressMessage(1, 2, 'f')) === '{"type":"progress","done":1,"total":2,"file":"f"}');

// ----- providers.mjs: the table and its runtime files
check('backend choices', JSON.stringify(BACKEND_CHOICES) === '["auto","webgpu","wasm"]', BACKEND_CHOICES);
const ortDir = join(root, 'node_modules/onnxruntime-web/dist');
for (const p of PROVIDERS) {
  check(p.name + ': the bundle first', /^ort\/ort\.[a-z]+\.min\.mjs$/.test(p.runtime[0]), p.runtime[0]);
  check(p.name + ': one loader and one wasm', p.runtime.filter((f) => f.endsWith('.wasm')).length === 1 &&
    p.runtime.filter((f) => f.endsWith('.mjs')).length === 2, p.runtime);
  for (const f of p.runtime) check(p.name + ': ' + f + ' is in onnxruntime-web', existsSync(join(ortDir, basename(f))));
}
e = throws(() => provider('cuda'), /^unknown execution provider 'cuda' \(expected auto, webgpu, wasm\)$/);
check('an unknown provider', e === '', e);

// ----- auto's rule, with a stand-in navigator.gpu
const swiftshader = { info: { vendor: 'google', architecture: 'swiftshader', device: '', description: '' } };
const fallback = { info: { vendor: 'x', isFallbackAdapter: true } };
const hardware = { info: { vendor: 'nvidia', architecture: 'ampere', device: '', description: 'RTX' } };
check('software adapters', isSoftwareAdapter(swiftshader) && isSoftwareAdapter(fallback) && !isSoftwareAdapter(hardware));
check('adapter names', describeAdapter(hardware) === 'nvidia ampere RTX' && describeAdapter({}) === 'unknown WebGPU adapter');
function setGpu(adapter) {
  Object.defineProperty(globalThis, 'navigator', {
    value: adapter === undefined ? {} : { gpu: { requestAdapter: async () => adapter } }, configurable: true, writable: true,
  });
}
setGpu(undefined);
let c = await chooseProvider('auto');
check('auto without WebGPU: wasm', c.ep === 'wasm' && c.why === 'no WebGPU in this browser', JSON.stringify(c));
setGpu(null);
c = await chooseProvider('auto');
check('auto without an adapter: wasm', c.ep === 'wasm' && c.why === 'no WebGPU adapter', JSON.stringify(c));
setGpu(swiftshader);
c = await chooseProvider('auto');
check('auto never picks a software adapter', c.ep === 'wasm' && c.why === 'only a software WebGPU adapter (google swiftshader)',
  JSON.stringify(c));
c = await chooseProvider('webgpu');
check('webgpu asked for takes the software adapter', c.ep === 'webgpu' && c.adapter === swiftshader);
setGpu(hardware);
c = await chooseProvider('auto');
check('auto picks a hardware adapter', c.ep === 'webgpu' && c.adapter === hardware && c.why === '');
c = await chooseProvider('wasm');
check('wasm asked for', c.ep === 'wasm' && c.why === 'wasm forced');
e = await rejects(chooseProvider('tpu'), /unknown execution provider 'tpu'/);
check('an unknown request', e === '', e);

// prepareProvider: what ortweb_glue.js calls when the module opens.
const ort = { env: { webgpu: { adapter: null } } };
check('prepare wasm', (await prepareProvider(ort, 'wasm')) === '' && (await prepareProvider(ort, 'cpu')) === '');
setGpu(null);
e = await rejects(prepareProvider(ort, 'webgpu'), /^webgpu: not usable: no WebGPU adapter$/);
check('prepare webgpu without an adapter', e === '', e);
setGpu(undefined);
e = await rejects(prepareProvider(ort, 'webgpu'), /^webgpu: not usable: no WebGPU in this browser \(navigator.gpu missing\)$/);
check('prepare webgpu without WebGPU', e === '', e);
setGpu(hardware);
check('prepare webgpu: the adapter kept for ONNX Runtime Web', (await prepareProvider(ort, 'webgpu')) === 'nvidia ampere RTX' &&
  ort.env.webgpu.adapter === hardware);

console.log(passed + ' passed, ' + failed + ' failed');
process.exit(failed ? 1 : 0);
