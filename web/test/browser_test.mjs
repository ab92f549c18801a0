// RadZ's page in real Chromium (Debian's /usr/bin/chromium driven by npm playwright-core), as
// served by scripts/serve itself: started as a user starts it (no --dist, no --no-build), so it
// builds the page into the web build folder ($RADZ_WEB_BUILD_DIR, default build-wasm:
// scripts/lib/web_build_dir.cjs) when needed and serves that. Prints one line per check and,
// last, "N passed, N failed".
//
//   node web/test/browser_test.mjs --model PACKAGE --radz BUILD/radz --out DIR
//
// Checks: scripts/serve builds if needed and prints its address, its / and runtime.json answer
// 200 with COOP/COEP/CSP; the shipped samples classified on wasm and on WebGPU (SwiftShader,
// asserted: a silent fallback fails) equal the native CLI's results through `radz compare` (probabilities
// 1e-4 on wasm, 1e-3 on WebGPU); a user finding's probability equals the CLI's for the same
// text; two requests at once; privacy (no request between "model loaded" and "result shown",
// none with a body, crossOriginIsolated, CSP header); offline after the server stops; progress
// monotonic and ending at its total; no WebAssembly on the page's main thread; axe-core with no
// serious findings; a keyboard-only flow, including "About RadZ" (LICENSE and
// THIRD_PARTY_NOTICES.md as shipped, also offline); a bad file; 375 px; screenshots in --out.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const { chromium } = require(join(root, 'node_modules/playwright-core'));
const { AxeBuilder } = require(join(root, 'node_modules/@axe-core/playwright'));

function arg(name, def) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : def;
}
const { webDist } = require(join(root, 'scripts/lib/web_build_dir.cjs'));
if (process.argv.includes('--dist')) {
  console.error('web/test/browser_test.mjs: --dist is gone: the page is the one scripts/serve builds and serves ' +
    '(set RADZ_WEB_BUILD_DIR to choose the web build folder)');
  process.exit(2);
}
const dist = webDist();  // where scripts/serve builds and serves the page (read for runtime.json)
const packageArg = resolve(arg('--model', join(root, 'build/quick-package')));
const radz = resolve(arg('--radz', join(root, 'build/radz')));
const out = resolve(arg('--out', join(dirname(dist), 'test-web')));
// Everything runs on a copy of the package whose evidence marks Effusion as without signal
// (tests/no_signal_package.py; scores, graphs and anchors are the package's): the page must list
// it apart ("no reliable signal in this model"), never with a percentage. --as-is runs on the
// package itself (scripts/web_screenshot.sh: the documentation shows the package's own evidence).
const asIs = process.argv.includes('--as-is');
const NO_SIGNAL_ID = asIs ? null : 'Effusion';
const model = asIs ? packageArg : join(out, 'no-signal-package');
mkdirSync(out, { recursive: true });
if (!asIs) {
  const r = spawnSync('/usr/bin/python3', [join(root, 'tests/no_signal_package.py'), packageArg, model, NO_SIGNAL_ID],
    { encoding: 'utf8' });
  if (r.status !== 0) {
    console.log('FAIL  a copy of ' + packageArg + ' with ' + NO_SIGNAL_ID + ' without signal: ' + r.stderr.trim());
    console.log('0 passed, 1 failed');
    process.exit(1);
  }
}
const only = arg('--only', '');  // comma-separated check groups, for debugging
const licenceFile = readFileSync(join(root, 'LICENSE'), 'utf8');
const noticesFile = readFileSync(join(root, 'THIRD_PARTY_NOTICES.md'), 'utf8');
const timeoutMs = 180000;
mkdirSync(out, { recursive: true });

let passed = 0, failed = 0;
function check(name, ok, detail) {
  if (ok) passed++; else failed++;
  console.log((ok ? 'ok    ' : 'FAIL  ') + name + (detail ? ': ' + detail : ''));
  return ok;
}
const want = (g) => !only || only.split(',').includes(g);

// --- the native reference ---------------------------------------------------------------
const manifest = JSON.parse(readFileSync(join(model, 'manifest.json'), 'utf8'));
const golden = JSON.parse(readFileSync(join(model, manifest.golden.file), 'utf8'));
const sampleFiles = golden.images.map((g) => ({ path: 'golden/' + g.file, modality: g.modality }));

function cli(args) {
  const r = spawnSync(radz, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0 && !args.includes('compare')) throw new Error('radz ' + args.join(' ') + ': ' + r.stderr);
  return r;
}
function nativeDoc(extra) {
  let doc = null;
  for (const modality of [...new Set(sampleFiles.map((s) => s.modality))]) {
    const files = sampleFiles.filter((s) => s.modality === modality).map((s) => join(model, s.path));
    const d = JSON.parse(cli(['classify', ...files, '--model', model, '--modality', modality, '--ep', 'cpu', '--json', ...(extra || [])]).stdout);
    if (!doc) doc = d; else doc.images.push(...d.images);
  }
  return doc;
}
function compare(refDoc, candText, name, tol) {
  const refPath = join(out, name + '.native.json');
  const candPath = join(out, name + '.json');
  writeFileSync(refPath, JSON.stringify(refDoc, null, 1));
  writeFileSync(candPath, candText);
  const r = cli(['compare', refPath, candPath, ...tol]);
  return { ok: r.status === 0, text: (r.stdout + r.stderr).trim().split('\n').pop() };
}

// --- the server -----------------------------------------------------------------------
// scripts/serve as a user runs it: the first start builds the page when needed (its build
// output is passed through), a restart (after the offline check) does not rebuild.
let server = null;
function startServer(port, build) {
  return new Promise((res, rej) => {
    const p = spawn(process.execPath, [join(root, 'scripts/serve'), '--model', model, '--port', String(port),
      ...(build ? [] : ['--no-build'])], { stdio: ['ignore', 'pipe', 'inherit'] });
    // Never outlive the test: a crash must not leave scripts/serve holding the output pipe (the
    // caller's tee would wait for it forever).
    process.on('exit', () => { if (p.exitCode === null) p.kill('SIGTERM'); });
    let buf = '', found = false;
    p.stdout.on('data', (d) => {
      if (found) return;
      buf += d;
      const lines = buf.split('\n');
      buf = lines.pop();
      for (const l of lines) {
        const m = l.match(/http:\/\/127\.0\.0\.1:(\d+)\//);
        if (m) {
          found = true;
          res({ proc: p, url: m[0], port: +m[1] });
          return;
        }
        console.log('  [serve] ' + l);  // the page's build, when scripts/serve builds it
      }
    });
    p.on('exit', (c) => rej(new Error('scripts/serve exited with ' + c)));
  });
}
function stopServer() {
  return new Promise((res) => { server.proc.removeAllListeners('exit'); server.proc.on('exit', res); server.proc.kill('SIGTERM'); });
}

// --- the browser ----------------------------------------------------------------------
const flags = ['--headless=new', '--no-sandbox', '--disable-background-networking', '--disable-component-update',
  '--no-first-run', '--enable-unsafe-webgpu'];
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: false, args: flags });

// Counts WebAssembly use on the page's main thread (not in workers: init scripts run in pages).
const mainThreadProbe = () => {
  window.__wasmCalls = 0;
  for (const k of ['instantiate', 'instantiateStreaming', 'compile', 'compileStreaming']) {
    const f = WebAssembly[k];
    WebAssembly[k] = function () { window.__wasmCalls++; return f.apply(this, arguments); };
  }
  const M = WebAssembly.Module;
  WebAssembly.Module = function () { window.__wasmCalls++; return new M(...arguments); };
};

async function openPage(context, query, requests) {
  const page = await context.newPage();
  page.setDefaultTimeout(timeoutMs);
  page.on('console', (m) => { if (m.type() === 'error') console.log('  [console] ' + m.text()); });
  page.on('pageerror', (e) => console.log('  [pageerror] ' + e.message));
  if (requests) {
    context.on('request', (r) => requests.push({ t: Date.now(), url: r.url(), method: r.method(), body: r.postData() }));
  }
  await page.addInitScript(mainThreadProbe);
  const resp = await page.goto(server.url + query);
  await page.waitForFunction(() => window.radz && ['ready', 'error'].includes(document.body.dataset.state));
  const state = await page.evaluate(() => document.body.dataset.state);
  if (state !== 'ready') {
    const text = await page.textContent('#progress-text');
    throw new Error('the page did not load: ' + text);
  }
  return { page, resp };
}

// Classifies every sample; returns {name: image}.
async function classifyAll(page) {
  const res = {};
  for (const s of sampleFiles) {
    res[s.path] = await page.evaluate((p) => window.radz.classifySample(p), s.path);
  }
  return res;
}
const probs = (img) => (img && img.findings ? img.findings.map((f) => f.probability) : []);
const maxDiff = (a, b) => (a.length !== b.length || !a.length ? Infinity : Math.max(...a.map((x, i) => Math.abs(x - b[i]))));

let wasmResults = null;
const tServe = Date.now();
try {
  server = await startServer(0, true);
} catch (e) {
  check('scripts/serve --port 0 builds the page if needed and prints its address', false, e.message);
  console.log(passed + ' passed, ' + failed + ' failed');
  process.exit(1);
}
check('scripts/serve --port 0 builds the page if needed and prints its address', true,
  server.url + ' after ' + ((Date.now() - tServe) / 1000).toFixed(1) + ' s');
console.log('server ' + server.url + ', model ' + model + ', page ' + dist + ', ' + sampleFiles.length + ' samples');
const native = nativeDoc();

// The page and its runtime list, as served: 200, with the headers the page needs
// (cross-origin isolation for wasm threads, the Content-Security-Policy).
for (const p of ['', 'runtime.json']) {
  const r = await fetch(server.url + p);
  const h = (n) => r.headers.get(n) || '';
  const ok = r.status === 200 && h('cross-origin-opener-policy') === 'same-origin' &&
    h('cross-origin-embedder-policy') === 'require-corp' && h('content-security-policy').includes("connect-src 'self'") &&
    h('content-security-policy').includes("script-src 'self' 'wasm-unsafe-eval'");
  await r.arrayBuffer();
  check('scripts/serve: /' + p + ' answers 200 with COOP/COEP/CSP', ok,
    r.status + ', COOP ' + h('cross-origin-opener-policy') + ', COEP ' + h('cross-origin-embedder-policy') +
    ', CSP ' + (h('content-security-policy') ? 'present' : 'missing'));
}

// ===== wasm: parity, privacy, progress, main thread, custom finding, two at once, offline =====
if (want('wasm')) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const requests = [];
  const { page, resp } = await openPage(context, '?backend=wasm', requests);
  const info = await page.evaluate(() => window.radz.info());
  check('wasm: provider is wasm', info.backend.execution_provider === 'wasm', JSON.stringify(info.backend));
  check('crossOriginIsolated is true', await page.evaluate(() => self.crossOriginIsolated));
  const csp = resp.headers()['content-security-policy'] || '';
  check('CSP header present', csp.includes("connect-src 'self'") && csp.includes("'wasm-unsafe-eval'"), csp);

  const log0 = await page.evaluate(() => window.radz.log.filter((e) => e.event === 'progress'));
  const mono = log0.every((e, i) => i === 0 || (e.done >= log0[i - 1].done && e.total === log0[0].total));
  const last = log0[log0.length - 1];
  const expectTotal = (() => {
    const rt = JSON.parse(readFileSync(join(dist, 'runtime.json'), 'utf8'));
    const v = manifest.variants[manifest.default_variant];
    const need = new Set([v.vision, v.decoder, v.embeddings, v.anchors, v.reference.file, manifest.tokenizer.file]);
    if (manifest.evidence) need.add(manifest.evidence.file);
    if (manifest.modality_head) need.add(manifest.modality_head.graph);
    return rt.files.module.concat(rt.files.wasm).reduce((s, f) => s + f.size, 0)
      + manifest.files.filter((f) => need.has(f.path) || f.role === 'golden' || f.role === 'doc').reduce((s, f) => s + f.size, 0);
  })();
  check('progress monotonic, ending at its total', mono && log0.length > 2 && last.done === last.total && last.total === expectTotal,
    log0.length + ' events, last ' + (last && last.done) + '/' + (last && last.total) + ', expected total ' + expectTotal);

  const tLoaded = Date.now();
  const nBefore = requests.length;
  wasmResults = await classifyAll(page);
  const during = requests.slice(nBefore);
  check('privacy: no request between "model loaded" and "result shown"', during.length === 0,
    during.map((r) => r.url).join(' '));
  void tLoaded;

  const exported = await page.evaluate(() => window.radz.exportResults());
  const c = compare(native, exported, 'web-wasm', ['--tol-prob', '1e-4']);
  check('wasm: every sample equals the native CLI (radz compare, 1e-4)', c.ok, c.text);

  check('no WebAssembly and no ONNX Runtime on the main thread',
    await page.evaluate(() => window.__wasmCalls === 0 && typeof window.ort === 'undefined'),
    'WebAssembly calls: ' + await page.evaluate(() => window.__wasmCalls));

  // Screenshot with a real X-ray and its bars.
  const xray = sampleFiles.find((s) => s.modality === 'cxr' && !golden.images.find((g) => 'golden/' + g.file === s.path).label.includes('No_Finding')) || sampleFiles[0];
  await page.evaluate((p) => window.radz.classifySample(p), xray.path);
  await page.screenshot({ path: join(out, 'web-page.png'), fullPage: true });
  check('screenshot saved', true, join(out, 'web-page.png'));

  // Findings the core marks no_signal: apart from the ranked list, named, never a percentage.
  const shownNs = await page.evaluate(() => ({
    ranked: [...document.querySelectorAll('#findings li')].map((li) => li.dataset.id),
    apart: [...document.querySelectorAll('#no-signal-list li')].map((li) => ({ id: li.dataset.id, text: li.textContent })),
    hidden: document.getElementById('no-signal').hidden,
    title: document.getElementById('no-signal-title').textContent,
  }));
  const lastImage = await page.evaluate((p) => window.radz.classifySample(p), xray.path);
  const marked = lastImage.findings.filter((f) => f.no_signal).map((f) => f.id);
  if (NO_SIGNAL_ID) {
    check('no_signal: ' + NO_SIGNAL_ID + ' is marked in the results (the core decides)', marked.includes(NO_SIGNAL_ID),
      marked.join(', '));
  }
  check('no_signal findings listed apart under "No reliable signal in this model", not ranked',
    shownNs.hidden === (marked.length === 0) && /no reliable signal in this model/i.test(shownNs.title) &&
    JSON.stringify(shownNs.apart.map((x) => x.id).sort()) === JSON.stringify(marked.slice().sort()) &&
    !shownNs.ranked.some((id) => marked.includes(id)),
    'apart ' + shownNs.apart.map((x) => x.id).join(', ') + '; ranked ' + shownNs.ranked.join(', '));
  check('no_signal findings never shown with a percentage', shownNs.apart.every((x) => !/\d\.\d%/.test(x.text)),
    shownNs.apart.map((x) => x.text).join(' | '));

  // Two requests at once: both answered, each with its own image's result.
  const [a, b] = sampleFiles.filter((s) => s.modality === 'cxr').slice(0, 2).concat(sampleFiles.slice(-1)).slice(0, 2);
  const both = await page.evaluate(([pa, pb]) => Promise.all([window.radz.classifySample(pa), window.radz.classifySample(pb)]),
    [a.path, b.path]);
  check('two requests at once give the single-request results',
    maxDiff(probs(both[0]), probs(wasmResults[a.path])) === 0 && maxDiff(probs(both[1]), probs(wasmResults[b.path])) === 0);

  // A user finding: the browser's decoder vs the CLI's for the same text.
  const fname = 'Rib fracture', fdesc = 'A break in the cortex of one or more ribs, with a step or a gap.';
  const cxr = sampleFiles.find((s) => s.modality === 'cxr');
  await page.evaluate(({ n, d }) => window.radz.addFinding(n, d), { n: fname, d: fdesc });
  const withF = await page.evaluate((p) => window.radz.classifySample(p), cxr.path);
  const webF = withF.findings.find((f) => f.id === 'Rib_fracture');
  const cliDoc = JSON.parse(cli(['classify', join(model, cxr.path), '--model', model, '--modality', 'cxr', '--ep', 'cpu',
    '--finding', fname, '--description', fdesc, '--json']).stdout);
  const cliF = cliDoc.images[0].findings.find((f) => f.id === 'Rib_fracture');
  check('user finding: probability equals the CLI (1e-4)', webF && cliF && Math.abs(webF.probability - cliF.probability) <= 1e-4 && !webF.calibrated,
    webF && cliF ? 'web ' + webF.probability + ', cli ' + cliF.probability : 'missing');
  const shown = await page.locator('#findings li[data-id="Rib_fracture"] .tags').textContent();
  check('user finding shown as uncalibrated', /uncalibrated/.test(shown), shown);
  await page.evaluate(() => window.radz.removeFinding('cxr', 'Rib_fracture'));
  const after = await page.evaluate((p) => window.radz.classifySample(p), cxr.path);
  check('user finding removed', !after.findings.some((f) => f.id === 'Rib_fracture') && maxDiff(probs(after), probs(wasmResults[cxr.path])) === 0);

  // A file that is not PNG or JPEG.
  await page.setInputFiles('#file', { name: 'notes.gif', mimeType: 'image/gif', buffer: Buffer.from('GIF89a not really') });
  await page.waitForFunction(() => /not a PNG, JPEG or DICOM file/.test(document.getElementById('status').textContent));
  check('a GIF is refused with a clear message', true, await page.textContent('#status'));

  // A PNG cut in half: the core's one-line decode error, no bars.
  const half = readFileSync(join(model, sampleFiles[0].path));
  await page.setInputFiles('#file', { name: 'half.png', mimeType: 'image/png', buffer: half.subarray(0, half.length >> 1) });
  await page.waitForFunction(() => /^half\.png: /.test(document.getElementById('status').textContent));
  check('a truncated PNG gives the core\'s error and no bars',
    await page.evaluate(() => document.querySelectorAll('#findings li').length === 0), await page.textContent('#status'));

  // Modality detection and the gate (docs/model-package.md section 11): a dropped file is
  // Auto-detect by default; a blank frame is rejected (the contrast rule, whatever the head
  // learned), shown with its reason and no bars, and scored on "Score anyway".
  check('the modality menu defaults to Auto-detect', (await page.inputValue('#modality')) === 'auto');
  const mriSample = sampleFiles.find((s) => s.modality === 'mri') || sampleFiles[0];
  await page.evaluate(() => { document.getElementById('status').textContent = ''; });
  await page.setInputFiles('#file', { name: 'dropped.' + (mriSample.path.endsWith('.png') ? 'png' : 'jpg'),
    mimeType: mriSample.path.endsWith('.png') ? 'image/png' : 'image/jpeg', buffer: readFileSync(join(model, mriSample.path)) });
  await page.waitForFunction(() => /^dropped\./.test(document.getElementById('status').textContent));
  const autoText = await page.textContent('#verdict-text');
  check('a dropped ' + mriSample.modality + ' image is scored as ' + mriSample.modality + ', detected',
    /\(detected, P /.test(autoText) && (await page.evaluate(() => document.querySelectorAll('#findings li').length)) > 0,
    autoText);
  await page.setInputFiles('#file', { name: 'blank.png', mimeType: 'image/png',
    buffer: readFileSync(join(root, 'tests/data/ood/flat_grey.png')) });
  await page.waitForFunction(() => /^blank\.png: /.test(document.getElementById('status').textContent));
  const gateText = await page.textContent('#verdict-text');
  check('a blank frame: "not a ...", its reason, no bars, a Score anyway button',
    /^Not a .*blank frame/.test(gateText) && (await page.evaluate(() => document.querySelectorAll('#findings li').length)) === 0 &&
    await page.isVisible('#score-anyway'), gateText);
  const gateStatus = await page.textContent('#status');
  check('the status line points to the verdict instead of repeating it', /not scored/.test(gateStatus) &&
    !/blank frame/.test(gateStatus), gateStatus);
  await page.screenshot({ path: join(out, 'web-page-rejected.png'), fullPage: true });
  await page.click('#score-anyway');
  await page.waitForFunction(() => document.querySelectorAll('#findings li').length > 0);
  check('Score anyway: bars, still marked as rejected', /Scored anyway, at your request/.test(await page.textContent('#verdict-text')),
    await page.textContent('#verdict-text'));

  check('no request with a body, ever', requests.every((r) => !r.body && (r.method === 'GET' || r.method === 'HEAD')),
    requests.filter((r) => r.body || r.method !== 'GET').map((r) => r.method + ' ' + r.url).join(' '));

  // Offline: the server goes away, the page reloads from the Service Worker's cache.
  await stopServer();
  await page.reload();
  await page.waitForFunction(() => window.radz && ['ready', 'error'].includes(document.body.dataset.state));
  const offState = await page.evaluate(() => document.body.dataset.state);
  let offOk = false, detail = offState;
  if (offState === 'ready') {
    const again = await page.evaluate((p) => window.radz.classifySample(p), cxr.path);
    offOk = maxDiff(probs(again), probs(wasmResults[cxr.path])) === 0;
    detail = 'max |d| ' + maxDiff(probs(again), probs(wasmResults[cxr.path]));
  } else {
    detail = await page.textContent('#progress-text');
  }
  check('offline: server stopped, reload, classify, same result', offOk, detail);
  if (offState === 'ready') {
    await page.evaluate(() => { document.getElementById('about').open = true; });
    await page.waitForFunction(() => document.getElementById('notices-text').textContent.length > 0);
    check('offline: "About RadZ" still shows the notices', await page.evaluate(
      (n) => document.getElementById('notices-text').textContent === n, noticesFile));
  }
  server = await startServer(server.port, false);
  await context.close();
}

// ===== WebGPU on SwiftShader =====
if (want('webgpu')) {
  const context = await browser.newContext();
  try {
    const { page } = await openPage(context, '?backend=webgpu');
    const info = await page.evaluate(() => window.radz.info());
    check('webgpu: provider is webgpu', info.backend.execution_provider === 'webgpu', JSON.stringify(info.backend));
    check('webgpu: adapter is SwiftShader', /swiftshader/i.test(info.backend.adapter), info.backend.adapter);
    await classifyAll(page);
    const exported = await page.evaluate(() => window.radz.exportResults());
    const doc = JSON.parse(exported);
    check('webgpu: results say webgpu', doc.backend.execution_provider === 'webgpu');
    const c = compare(native, exported, 'web-webgpu', ['--tol-prob', '1e-3', '--tol-cos', '1e-3', '--tol-logit', '1e-2', '--min-feature-cos', '0.999']);
    check('webgpu: every sample equals the native CLI (radz compare, 1e-3)', c.ok, c.text);
  } catch (e) {
    check('webgpu: page loads on WebGPU', false, e.message);
  }
  await context.close();
}

// ===== auto: a software adapter is never chosen =====
if (want('webgpu')) {
  const context = await browser.newContext();
  const { page } = await openPage(context, '');
  const info = await page.evaluate(() => window.radz.info());
  const line = await page.textContent('#backend');
  check('auto: wasm, not the software WebGPU adapter, and says why', info.backend.execution_provider === 'wasm' && /software/.test(line), line);
  await context.close();
}

// ===== accessibility, keyboard, 375 px =====
if (want('a11y')) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const { page } = await openPage(context, '?backend=wasm');
  await page.evaluate((p) => window.radz.classifySample(p), sampleFiles[0].path);
  const axe = await new AxeBuilder({ page }).analyze();
  const serious = axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  check('axe-core: no serious or critical findings', serious.length === 0,
    serious.map((v) => v.id + ' (' + v.nodes.length + ')').join(', ') || axe.violations.length + ' minor');

  // Keyboard only: Tab to the first sample, Enter; Tab to the form, type, submit.
  const page2 = (await openPage(context, '?backend=wasm')).page;
  async function tabTo(selector, max = 80) {
    for (let i = 0; i < max; i++) {
      await page2.keyboard.press('Tab');
      if (await page2.evaluate((s) => document.activeElement && document.activeElement.matches(s), selector)) return true;
    }
    return false;
  }
  let kb = await tabTo('#gallery button');
  const nShown = () => page2.evaluate(() => window.radz.log.filter((e) => e.event === 'result-shown').length);
  const n0 = await nShown();
  if (kb) {
    await page2.keyboard.press('Enter');
    await page2.waitForFunction((n) => window.radz.log.filter((e) => e.event === 'result-shown').length > n, n0);
    kb = kb && await tabTo('#add-name');
    await page2.keyboard.type('Keyboard finding');
    kb = kb && await tabTo('#add-desc');
    await page2.keyboard.type('A bright round opacity in the lung field.');
    kb = kb && await tabTo('#add-button');
    await page2.keyboard.press('Enter');
    await page2.waitForFunction(() => !!document.querySelector('#findings li[data-id="Keyboard_finding"]'));
  }
  check('keyboard only: pick a sample, add a finding', kb);

  // "About RadZ" by keyboard: Tab to its summary, Enter: the licence and the notices as shipped.
  let about = await tabTo('#about > summary', 200);
  if (about) {
    await page2.keyboard.press('Enter');
    await page2.waitForFunction(() => ['licence-text', 'notices-text'].every((id) => document.getElementById(id).dataset.loaded));
  }
  const [aboutOpen, licenceShown, noticesShown] = await page2.evaluate(() => {
    const el = (id) => document.getElementById(id);
    return [!!(el('about') && el('about').open), el('licence-text') ? el('licence-text').textContent : '',
      el('notices-text') ? el('notices-text').textContent : ''];
  });
  check('keyboard only: "About RadZ" opens and shows LICENSE and THIRD_PARTY_NOTICES.md',
    about && aboutOpen && licenceShown === licenceFile && noticesShown === noticesFile &&
    /onnxruntime-web/.test(noticesShown) && /ChestX-ray8/.test(noticesShown),
    'open ' + aboutOpen + ', licence ' + licenceShown.length + '/' + licenceFile.length + ' chars, notices ' +
    noticesShown.length + '/' + noticesFile.length + ' chars');

  await page.setViewportSize({ width: 375, height: 800 });
  await page.evaluate((p) => window.radz.classifySample(p), sampleFiles[0].path);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth);
  await page.screenshot({ path: join(out, 'web-page-375.png'), fullPage: true });
  check('375 px wide: no horizontal scrolling', overflow <= 375, 'scrollWidth ' + overflow);
  await context.close();
}

await browser.close();
await stopServer();
console.log(passed + ' passed, ' + failed + ' failed');
process.exit(failed ? 1 : 0);
