// The page's main thread: interface only. Every WebAssembly and ONNX Runtime Web call happens in
// worker.js; this file moves bytes and results between the interface and the worker.
//
// URL parameters: backend=auto|wasm|webgpu (default auto: WebGPU on a hardware adapter, else
// wasm; "webgpu" never falls back), threads=N (wasm threads), model=URL (default "model/").
// window.radz is a small scripting interface used by the browser tests (same paths as the UI).
// The requests to the worker are protocol.mjs's.

import { PROGRESS, requestMessage } from './protocol.mjs';
import { BACKEND_CHOICES } from './providers.mjs';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const log = [];          // {t, event, ...}: what the tests read
const t0 = performance.now();
function note(event, extra) { log.push({ t: performance.now() - t0, event, ...extra }); }

let worker = null;
let nextId = 1;
const pending = new Map();
let info = null;
let samples = [];
let lastScored = null;   // the latest image scored (its modality names an added finding's under Auto-detect)
let current = null;      // {name, bytes | sample, modality, draw}
let lastPreview = null;  // the grey image of the last DICOM shown (tests compare it)

// Sends request `type` (protocol.mjs) and resolves with its answer.
function request(type, fields) {
  const id = nextId++;
  const { message, transfer } = requestMessage(id, type, fields);
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    worker.postMessage(message, transfer);
  });
}

function status(text, isError) {
  $('status').textContent = text;
  $('status').classList.toggle('error', !!isError);
}

function fmtBytes(n) { return (n / 1048576).toFixed(1) + ' MB'; }

function backendMode() {
  if ($('force-wasm').checked) return 'wasm';
  const b = params.get('backend');
  return BACKEND_CHOICES.includes(b) ? b : 'auto';
}

async function waitForServiceWorker() {
  if (!('serviceWorker' in navigator)) return;
  try {
    await navigator.serviceWorker.register('sw.js');
    if (navigator.serviceWorker.controller) return;
    await new Promise((resolve) => {
      navigator.serviceWorker.addEventListener('controllerchange', resolve, { once: true });
      setTimeout(resolve, 5000);
    });
  } catch (e) {
    note('sw-error', { error: String(e) });
  }
}

function startWorker() {
  if (worker) worker.terminate();
  for (const p of pending.values()) p.reject(new Error('the model was reloaded'));
  pending.clear();
  worker = new Worker('worker.js', { type: 'module' });
  worker.onmessage = (e) => {
    const m = e.data;
    if (m.type === PROGRESS) {
      note('progress', { done: m.done, total: m.total });
      $('progress').max = Math.max(1, m.total);
      $('progress').value = m.done;
      $('progress-text').textContent = fmtBytes(m.done) + ' of ' + fmtBytes(m.total) + (m.file ? ' (' + m.file + ')' : '');
      return;
    }
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    if (m.ok) p.resolve(m); else p.reject(new Error(m.error));
  };
  worker.onerror = (e) => { status('The worker failed: ' + e.message, true); note('worker-error', { error: e.message }); };
}

function setEnabled(on) {
  for (const id of ['modality', 'file', 'add-name', 'add-desc', 'add-button', 'export']) $(id).disabled = !on;
  for (const b of document.querySelectorAll('#gallery button')) b.disabled = !on;
}

async function load() {
  document.body.dataset.state = 'loading';
  setEnabled(false);
  note('load-start', { backend: backendMode() });
  startWorker();
  const threads = parseInt(params.get('threads') || '0', 10) || 0;
  let r;
  try {
    r = await request('open', { model: params.get('model') || 'model/', backend: backendMode(), threads });
  } catch (e) {
    document.body.dataset.state = 'error';
    $('progress-text').textContent = 'Could not load the model: ' + e.message;
    $('progress-text').classList.add('error');
    status('Could not load the model: ' + e.message, true);
    note('load-error', { error: e.message });
    return;
  }
  info = r.info;
  samples = r.samples;
  const b = info.backend;
  $('backend').textContent = 'Backend: ' + (b.execution_provider === 'webgpu'
    ? 'WebGPU on ' + (b.adapter || 'an unnamed adapter')
    : 'wasm, ' + b.threads + (b.threads === 1 ? ' thread' : ' threads') + (r.why ? ' (' + r.why + ')' : ''))
    + '; ' + b.runtime + '; model ' + info.package.name + ' ' + info.package.variant
    + (r.crossOriginIsolated ? '' : '; not cross-origin isolated (one thread)');
  showTimings({ 'fetch runtime + model': r.timings.fetch, 'start module': r.timings.module,
    'open graphs': r.timings.open, 'load total': r.timings.total });
  fillModalities();
  fillDocs(r.docs);
  await fillGallery();
  setEnabled(true);
  document.body.dataset.state = 'ready';
  note('model-loaded', { info, bytes: r.bytes, timings: r.timings });
  if (current) classifyCurrent();
}

function fillModalities() {
  const sel = $('modality');
  const keep = sel.value;
  sel.textContent = '';
  // Auto-detect (the default): a DICOM's tags, else the package's modality detector.
  for (const m of [{ id: 'auto', display: 'Auto-detect' }, ...info.modalities]) {
    const o = document.createElement('option');
    o.value = m.id;
    o.textContent = m.display;
    sel.appendChild(o);
  }
  sel.value = [...sel.options].some((o) => o.value === keep) ? keep : 'auto';
}

function fillDocs(docs) {
  const box = $('docs');
  box.textContent = '';
  for (const [path, text] of Object.entries(docs)) {
    const h = document.createElement('h3');
    h.textContent = path;
    const pre = document.createElement('pre');
    pre.textContent = text;
    box.append(h, pre);
  }
}

// Draws image bytes into a canvas without any network request (no <img src>).
async function drawBytes(canvas, bytes) {
  const bmp = await createImageBitmap(new Blob([bytes]));
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#111';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  const s = Math.min(canvas.width / bmp.width, canvas.height / bmp.height);
  const w = bmp.width * s, h = bmp.height * s;
  ctx.drawImage(bmp, (canvas.width - w) / 2, (canvas.height - h) / 2, w, h);
  const size = { width: bmp.width, height: bmp.height };
  bmp.close();
  return size;
}

async function fillGallery() {
  const ul = $('gallery');
  ul.textContent = '';
  for (const s of samples) {
    const li = document.createElement('li');
    const b = document.createElement('button');
    b.type = 'button';
    b.dataset.sample = s.path;
    const mod = info.modalities.find((m) => m.id === s.modality);
    const c = document.createElement('canvas');
    c.width = 96;
    c.height = 96;
    c.setAttribute('aria-hidden', 'true');
    const cap = document.createElement('span');
    cap.textContent = (mod ? mod.display + ': ' : '') + (s.label || s.file);
    // The accessible name starts with the visible caption (WCAG 2.5.3).
    b.setAttribute('aria-label', cap.textContent + ', sample ' + s.file);
    b.append(c, cap);
    b.addEventListener('click', () => pickSample(s));
    li.appendChild(b);
    ul.appendChild(li);
    if (s.bytes) await drawBytes(c, s.bytes).catch(() => {});
  }
}

function isPngOrJpeg(bytes) {
  const png = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (bytes.length >= 8 && png.every((v, i) => bytes[i] === v)) return true;
  return bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
}

// A DICOM Part 10 file: "DICM" at bytes 128..131, whatever its name.
function isDicom(bytes) {
  return bytes.length >= 132 && String.fromCharCode(...bytes.subarray(128, 132)) === 'DICM';
}

async function pickFile(file) {
  const bytes = new Uint8Array(await file.arrayBuffer());
  const dicom = isDicom(bytes);
  if (!dicom && !isPngOrJpeg(bytes)) {
    status(file.name + ' is not a PNG, JPEG or DICOM file; RadZ reads PNG, JPEG and DICOM files.', true);
    return;
  }
  // The menu's choice, Auto-detect by default (a DICOM's tags, else the detector: the core decides).
  current = { name: file.name, bytes, modality: null, dicom, scoreAnyway: false };
  return classifyCurrent();
}

// Shows the grey image the core made of a DICOM frame (the browser cannot draw DICOM) and, of
// its header, only the Modality and Body Part Examined: never a patient's name or ID.
function showDicom(c, r) {
  const canvas = $('image');
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#111';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  const d = r.image.dicom || {};
  const tags = [d.modality, d.body_part_examined].filter((t) => t).join(', ');
  lastPreview = null;
  if (!r.preview) {
    $('image-note').textContent = c.name + ': DICOM' + (tags ? ' (' + tags + ')' : '') + '.';
    canvas.setAttribute('aria-label', 'No image: ' + c.name + ' could not be read');
    return;
  }
  lastPreview = r.preview;
  const { width, height, grey } = r.preview;
  const rgba = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    rgba[4 * i] = rgba[4 * i + 1] = rgba[4 * i + 2] = grey[i];
    rgba[4 * i + 3] = 255;
  }
  const tmp = new OffscreenCanvas(width, height);
  tmp.getContext('2d').putImageData(new ImageData(rgba, width, height), 0, 0);
  const s = Math.min(canvas.width / width, canvas.height / height);
  ctx.drawImage(tmp, (canvas.width - width * s) / 2, (canvas.height - height * s) / 2, width * s, height * s);
  canvas.setAttribute('aria-label', 'The image ' + c.name + ', ' + width + ' by ' + height + ' pixels');
  $('image-note').textContent = c.name + ', DICOM' + (tags ? ' (' + tags + ')' : '') + ', ' + width + '×' + height +
    ', as the model sees it (grey levels by the DICOM rules)';
}

function pickSample(s) {
  // A sample is scored as its own modality (as the native goldens it is compared with).
  const known = s.modality && info.modalities.some((m) => m.id === s.modality);
  current = { name: s.file, sample: s.path, bytes: s.bytes, modality: known ? s.modality : null, scoreAnyway: false };
  return classifyCurrent();
}

async function classifyCurrent() {
  const c = current;
  const modality = c.modality || $('modality').value;
  const scoreAnyway = !!c.scoreAnyway;
  status('Classifying ' + c.name + '…');
  const shown = c.dicom ? Promise.resolve() : drawBytes($('image'), c.bytes).then((size) => {
    $('image').setAttribute('aria-label', 'The image ' + c.name + ', ' + size.width + ' by ' + size.height + ' pixels');
    const ratio = size.width / size.height;
    $('image-note').textContent = c.name + ', ' + size.width + '×' + size.height + (ratio > 1.1 || ratio < 1 / 1.1
      ? '. Not square: the model sees it stretched to a square (64×64, or its modality’s input size).' : '');
  }, () => { $('image-note').textContent = c.name + ': the browser cannot show this image.'; });
  note('classify-start', { name: c.name, modality });
  let r;
  try {
    r = await request('classify', c.sample ? { name: c.name, sample: c.sample, modality, scoreAnyway }
      : { name: c.name, bytes: c.bytes.slice().buffer, modality, scoreAnyway });
  } catch (e) {
    status(e.message, true);
    note('classify-error', { name: c.name, error: e.message });
    return { error: e.message };
  }
  await shown;
  if (c.dicom) {
    showDicom(c, r);
  }
  const scored = showVerdict(r.image);
  if (r.error) {
    status(r.error, true);
    $('findings').textContent = '';
    $('no-signal').hidden = true;
    note('result-shown', { name: c.name, error: r.error });
    return r.image;
  }
  if (!scored) {  // the gate rejected it: its reason, no bars
    $('findings').textContent = '';
    $('no-signal').hidden = true;
    status(c.name + ': not scored (the modality check above says why).');  // the reason once, in the verdict box
    note('result-shown', { name: c.name, modality, image: r.image, rejected: true });
    return r.image;
  }
  showFindings(r.image);
  lastScored = r.image;
  const t = r.image.timings_ms || {};
  showTimings({ decode: t.decode, preprocess: t.preprocess, vision: t.vision, decoder: t.decoder, score: t.score,
    'image total': t.total, 'request (worker round trip)': r.ms });
  const shownAs = (info.modalities.find((m) => m.id === r.image.modality) || { display: r.image.modality }).display;
  status(c.name + ': ' + r.image.findings.length + ' findings for ' + shownAs + ' in ' + r.ms.toFixed(0) + ' ms.');
  note('result-shown', { name: c.name, modality, image: r.image, dicomMs: r.dicomMs });
  return r.image;
}

// Which modality was scored and why, and the modality gate's verdict (docs/model-package.md
// section 11). False when the gate rejected the image and it was not scored: no bars then, the
// reason and a "Score anyway" button instead.
function showVerdict(image) {
  const box = $('verdict');
  const text = $('verdict-text');
  const btn = $('score-anyway');
  const det = image.detection;
  const rejected = !!det && det.verdict === 'rejected';
  box.hidden = false;
  box.classList.toggle('rejected', rejected);
  btn.hidden = true;
  if (image.error) { box.hidden = true; return true; }
  const display = (id) => (info.modalities.find((m) => m.id === id) || { display: id }).display;
  if (rejected && image.findings.length === 0) {
    text.textContent = det.message[0].toUpperCase() + det.message.slice(1) + '. No findings are shown for an image ' +
      'the model was not made for.';
    btn.hidden = false;
    return false;
  }
  const why = image.modality_source === 'user' ? 'your choice'
    : image.modality_source === 'metadata' ? 'the DICOM tags'
    : image.modality_source === 'detector' && det ? 'detected, P ' + det.probabilities[image.modality].toFixed(2)
    : 'this package has no modality detector';
  text.textContent = 'Scored as ' + display(image.modality) + ' (' + why + ').' +
    (rejected ? ' Scored anyway, at your request: ' + det.message + '; the numbers mean little.' : '') +
    (image.warning ? ' Warning: ' + image.warning + '.' : '');
  return true;
}

function showFindings(image) {
  const ol = $('findings');
  ol.textContent = '';
  const byId = new Map(info.findings.filter((f) => f.modality === image.modality).map((f) => [f.id, f]));
  // Findings whose evidence shows no skill (no_signal, decided by the core) go apart, never
  // with a probability.
  const noSignal = image.findings.filter((f) => f.no_signal);
  const nsList = $('no-signal-list');
  nsList.textContent = '';
  for (const f of noSignal) {
    const li = document.createElement('li');
    li.dataset.id = f.id;
    const meta = byId.get(f.id) || {};
    const name = document.createElement('span');
    name.className = 'name';
    name.textContent = f.display;
    const why = document.createElement('span');
    why.className = 'tags';
    why.textContent = (f.calibrated ? '' : 'uncalibrated · ') + (meta.evidence || 'no skill measured');
    li.append(name, ' ', why);
    nsList.appendChild(li);
  }
  $('no-signal').hidden = noSignal.length === 0;
  const sorted = image.findings.filter((f) => !f.no_signal).sort((a, b) => b.probability - a.probability);
  for (const f of sorted) {
    const meta = byId.get(f.id) || {};
    const li = document.createElement('li');
    li.className = f.calibrated ? 'cal' : 'uncal';
    li.dataset.id = f.id;
    li.dataset.probability = String(f.probability);
    const pct = (100 * f.probability).toFixed(1) + '%';
    const name = document.createElement('span');
    name.className = 'name';
    name.textContent = f.display;
    const bar = document.createElement('span');
    bar.className = 'bar';
    bar.setAttribute('role', 'img');
    bar.setAttribute('aria-label', f.display + ' ' + pct);
    const fill = document.createElement('span');
    fill.style.width = (100 * f.probability).toFixed(2) + '%';
    bar.appendChild(fill);
    const p = document.createElement('span');
    p.className = 'pct';
    p.textContent = pct;
    const tags = document.createElement('span');
    tags.className = 'tags';
    tags.textContent = (f.calibrated ? 'calibrated' : 'uncalibrated') + (meta.kind === 'normal' ? ' · normal' : '')
      + (f.source === 'user' ? ' · your finding' : '') + (meta.truncated ? ' · description truncated' : '');
    li.append(name, bar, p, tags);
    if (f.source === 'user') {
      const rm = document.createElement('button');
      rm.type = 'button';
      rm.className = 'link';
      rm.textContent = 'Remove';
      rm.setAttribute('aria-label', 'Remove the finding ' + f.display);
      rm.addEventListener('click', () => removeFinding(image.modality, f.id));
      tags.appendChild(rm);
    }
    ol.appendChild(li);
  }
}

function showTimings(t) {
  const body = $('timings').tBodies[0];
  body.textContent = '';
  for (const [k, v] of Object.entries(t)) {
    if (typeof v !== 'number') continue;
    const tr = document.createElement('tr');
    const a = document.createElement('th');
    a.scope = 'row';
    a.textContent = k;
    const b = document.createElement('td');
    b.textContent = v.toFixed(1);
    tr.append(a, b);
    body.appendChild(tr);
  }
}

async function addFinding(name, description) {
  // With Auto-detect, a finding of the modality the current image was scored as (else the first).
  const chosen = $('modality').value;
  const modality = chosen !== 'auto' ? chosen : (lastScored && lastScored.modality) || info.modalities[0].id;
  status('Computing the anchor of ' + name + '…');
  try {
    const r = await request('add_finding', { modality, name, descriptions: [description] });
    info = r.info;
    note('finding-added', { id: r.findingId, modality });
    status('Added ' + name + (r.truncated ? ' (description truncated to the model\'s length)' : '') + '.');
    if (current) await classifyCurrent();
    return r.findingId;
  } catch (e) {
    status(e.message, true);
    throw e;
  }
}

async function removeFinding(modality, id) {
  const r = await request('remove_finding', { modality, findingId: id });
  info = r.info;
  note('finding-removed', { id, modality });
  status('Removed ' + id + '.');
  if (current) await classifyCurrent();
  $('findings').focus?.();
}

async function exportResults() {
  const r = await request('export', {});
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([r.json], { type: 'application/json' }));
  a.download = 'radz-results.json';
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10000);
  return r.json;
}

// "About RadZ": the licence and the third-party notices, shipped beside the page (and kept by
// the Service Worker with the page's own files, so they show offline too); read when opened.
async function showAbout() {
  for (const [id, url] of [['licence-text', 'LICENSE.txt'], ['notices-text', 'THIRD_PARTY_NOTICES.md']]) {
    if ($(id).dataset.loaded) continue;
    try {
      const r = await fetch(url);
      if (!r.ok) throw new Error('HTTP ' + r.status);
      $(id).textContent = await r.text();
      $(id).dataset.loaded = '1';
    } catch (e) {
      $(id).textContent = url + ': could not be read (' + e.message + ')';
    }
  }
  note('about-shown');
}

function wire() {
  $('about').addEventListener('toggle', () => { if ($('about').open) showAbout(); });
  $('file').addEventListener('change', () => { if ($('file').files[0]) pickFile($('file').files[0]); $('file').value = ''; });
  const drop = $('drop');
  drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    const f = e.dataTransfer.files[0];
    if (f && document.body.dataset.state === 'ready') pickFile(f);
  });
  $('modality').addEventListener('change', () => {
    if (!current) return;
    current.modality = null;  // the menu's choice from now on
    current.scoreAnyway = false;
    classifyCurrent();
  });
  $('score-anyway').addEventListener('click', () => {
    if (!current) return;
    current.scoreAnyway = true;
    classifyCurrent();
  });
  $('add-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const name = $('add-name').value.trim();
    const desc = $('add-desc').value.trim();
    if (!name || !desc) { status('A finding needs a name and a description.', true); return; }
    addFinding(name, desc).then(() => { $('add-name').value = ''; $('add-desc').value = ''; }, () => {});
  });
  $('export').addEventListener('click', () => exportResults());
  $('force-wasm').addEventListener('change', () => load());
}

// The browser tests' handle on the page (the same code paths as the buttons).
window.radz = {
  log,
  ready: () => document.body.dataset.state === 'ready',
  info: () => info,
  samples: () => samples.map((s) => ({ path: s.path, file: s.file, modality: s.modality, label: s.label })),
  classifySample: (path) => pickSample(samples.find((s) => s.path === path)),
  addFinding,
  removeFinding,
  exportResults: async () => (await request('export', {})).json,
  dicomPreview: () => (lastPreview ? { width: lastPreview.width, height: lastPreview.height,
    grey: Array.from(lastPreview.grey) } : null),
};

wire();
waitForServiceWorker().then(load);
