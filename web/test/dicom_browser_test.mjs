// DICOM in the page (issue 17), in real Chromium as scripts/serve serves it: every file of
// tests/data/dicom/ dropped on the page's file input, as a user would.
//
//   node web/test/dicom_browser_test.mjs --model PACKAGE --radz BUILD/radz --out DIR [--screenshot FILE]
//
// Checks, per file: the grey image the page's worker made (dicom-parser + the wasm codecs, then
// the core's rules in wasm) equals the expected image of tests/data/dicom/expected/ exactly, the
// same image the native build makes (test_dicom_files); the modality chosen from the tags and
// the probabilities equal the native CLI's (1e-4); the bad files give one line naming the
// problem, with the native message where both builds word it the same. Privacy: no patient name
// or ID on the page or in the export; the DICOM readers are fetched from the page's origin only
// when a DICOM file is opened, the RLE decoder only when an RLE file is.
// Writes DIR/dicom_browser.json (per file: transfer syntax, browser decode and total times,
// pixel equality) for docs/results/parity.md and speed.md; --screenshot saves the page with a
// DICOM file. Last line: "N passed, N failed".
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const { chromium } = require(join(root, 'node_modules/playwright-core'));

function arg(name, def) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : def;
}
const model = resolve(arg('--model', join(root, 'build/quick-package')));
const radz = resolve(arg('--radz', join(root, 'build/radz')));
const out = resolve(arg('--out', join(root, 'build-wasm/test-web')));
const shot = arg('--screenshot', '');
const dicomDir = join(root, 'tests/data/dicom');
mkdirSync(out, { recursive: true });
const expected = JSON.parse(readFileSync(join(dicomDir, 'expected.json'), 'utf8'));

let passed = 0, failed = 0;
function check(name, ok, detail) {
  if (ok) passed++; else failed++;
  console.log((ok ? 'ok    ' : 'FAIL  ') + name + (detail ? ': ' + detail : ''));
  return ok;
}

// The expected grey images (PNG), as raw bytes, read by Python's PIL (node has no PNG decoder).
const py = spawnSync('/usr/bin/python3', ['-c', `
import json, os, sys
from PIL import Image
d = sys.argv[1]
print(json.dumps({f[:-4]: list(Image.open(os.path.join(d, f)).convert("L").tobytes())
                  for f in sorted(os.listdir(d)) if f.endswith(".png")}))`, join(dicomDir, 'expected')],
{ encoding: 'utf8', maxBuffer: 256 << 20 });
if (py.status !== 0) throw new Error('reading the expected images: ' + py.stderr);
const expectedGrey = JSON.parse(py.stdout);

// The native reference: the CLI on every file, modality from the tags.
const files = readdirSync(dicomDir).filter((f) => !f.endsWith('.json') && f !== 'expected').sort();
const nat = spawnSync(radz, ['classify', '--model', model, '--ep', 'cpu', '--json', ...files.map((f) => join(dicomDir, f))],
  { encoding: 'utf8', maxBuffer: 64 << 20 });
const native = {};
for (const im of JSON.parse(nat.stdout).images) native[im.file.split('/').pop()] = im;

// scripts/serve as a user runs it (builds the page when needed).
const server = await new Promise((res, rej) => {
  const p = spawn(process.execPath, [join(root, 'scripts/serve'), '--model', model, '--port', '0'],
    { stdio: ['ignore', 'pipe', 'inherit'] });
    // Never outlive the test: a crash must not leave scripts/serve holding the output pipe (the
    // caller's tee would wait for it forever).
    process.on('exit', () => { if (p.exitCode === null) p.kill('SIGTERM'); });
  let buf = '';
  p.stdout.on('data', (d) => {
    buf += d;
    const m = buf.match(/http:\/\/127\.0\.0\.1:(\d+)\//);
    if (m) res({ proc: p, url: m[0] });
  });
  p.on('exit', (c) => rej(new Error('scripts/serve exited with ' + c)));
});
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium', headless: false,
  args: ['--headless=new', '--no-sandbox', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
});
const report = { files: {} };
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const requests = [];
  context.on('request', (r) => requests.push(r.url()));
  const page = await context.newPage();
  page.setDefaultTimeout(180000);
  page.on('pageerror', (e) => console.log('  [pageerror] ' + e.message));
  await page.goto(server.url + '?backend=wasm');
  await page.waitForFunction(() => window.radz && ['ready', 'error'].includes(document.body.dataset.state));
  check('the page loads', await page.evaluate(() => document.body.dataset.state) === 'ready');
  check('no DICOM reader fetched before a DICOM file is opened', !requests.some((p) => p.includes('/dicom')),
    requests.filter((p) => p.includes('/dicom')).join(', '));

  // Drops one file on the page's file input; returns the logged result and the preview.
  async function open(name) {
    const before = await page.evaluate(() => window.radz.log.length);
    await page.setInputFiles('#file', join(dicomDir, name));
    await page.waitForFunction(([n, b]) => window.radz.log.slice(b).some((e) => e.event === 'result-shown' && e.name === n),
      [name, before]);
    return page.evaluate(([n, b]) => ({
      entry: window.radz.log.slice(b).find((e) => e.event === 'result-shown' && e.name === n),
      preview: window.radz.dicomPreview(),
      note: document.getElementById('image-note').textContent,
      text: document.body.innerText,
    }), [name, before]);
  }

  // The RLE decoder: fetched with the first RLE file, from the page's origin, not again for the
  // next ones (each fetch is seen twice: the page's and the Service Worker's).
  const rleFetches = () => requests.filter((u) => u === server.url + 'dicom/decodeRLE.js').length;
  let rleFirst = null;  // the fetches seen after the first RLE file
  for (const [name, e] of Object.entries(expected.files)) {
    const ts = e.transfer_syntax, rle = ts === '1.2.840.10008.1.2.5';
    if (rle && rleFirst === null) check(name + ': the RLE decoder not fetched before an RLE file is opened', rleFetches() === 0);
    const r = await open(name);
    const key = name.replace(/\.dcm$/, '');
    if (rle) {
      rleFirst ??= rleFetches();
      check(name + ': the RLE decoder fetched from the page\'s origin, with the first RLE file only',
        rleFirst > 0 && rleFetches() === rleFirst, rleFetches() + ' fetches');
    }
    const n = native[name];
    if (e.modality_error) {
      check(name + ': refused as natively', r.entry.error && r.entry.error.endsWith(e.modality_error), r.entry.error);
      continue;
    }
    const img = r.entry.image;
    const got = r.preview ? r.preview.grey : [];
    const want = expectedGrey[key] || [];
    let differ = got.length === want.length ? 0 : Infinity;
    for (let i = 0; i < got.length && differ !== Infinity; i++) differ += got[i] !== want[i];
    check(name + ': the grey image is the expected one (as natively)', differ === 0,
      differ === Infinity ? 'size ' + got.length + ' vs ' + want.length : differ + ' pixels differ');
    const pd = img && n && n.findings ? Math.max(...img.findings.map((f, i) => Math.abs(f.probability - n.findings[i].probability))) : Infinity;
    check(name + ': modality from the tags and probabilities as the native CLI\'s', img && n && img.modality === n.modality &&
      pd <= 1e-4, (img ? img.modality : 'no result') + ' vs ' + (n ? n.modality : '?') + ', max |dp| ' + pd);
    check(name + ': the page shows no patient name or ID', !/RADZ.PRIVATE/.test(r.text) && r.note.includes('DICOM'));
    report.files[name] = {
      transfer_syntax: ts, pixels_equal: differ === 0, max_prob_diff: pd,
      // the page: parse + decode in the DICOM worker, then the core's rules (its "decode" stage)
      decode_ms: img && img.timings_ms ? r.entry.dicomMs + img.timings_ms.decode : null,
      worker_ms: r.entry.dicomMs,
      native_decode_ms: n && n.timings_ms ? n.timings_ms.decode : null,
    };
  }
  const bad = {
    'bad_truncated.dcm': 'cannot parse the DICOM file (truncated or corrupt)',
    'bad_unknown_syntax.dcm': 'transfer syntax 1.2.840.10008.1.2.4.100 is not supported (supported: ',
    'bad_corrupt_j2k.dcm': 'JPEG 2000 lossless: the codec refused the pixel data',
    'bad_corrupt_rle.dcm': 'RLE lossless: the codec refused the pixel data (RLE segment 1 holds ',
    'bad_truncated_jpeg.dcm': 'JPEG frame: truncated JPEG (no EOI marker)',
    'bad_huge_frame.dcm': 'frame is 60000x60000, larger than the limit of 8192 per side',
    'bad_no_pixel_data.dcm': 'no pixel data (7FE0,0010) in the DICOM file',
  };
  for (const [name, msg] of Object.entries(bad)) {
    const r = await open(name);
    const err = r.entry.error || '';
    check(name + ': one line naming the file and the problem', err.startsWith(name + ': ') && err.includes(msg) &&
      !err.includes('\n'), err);
    report.files[name] = { error: err, native_error: native[name] && native[name].error ? native[name].error.message : null };
  }
  const exported = await page.evaluate(() => window.radz.exportResults());
  check('the export carries Modality and Body Part, no patient text', exported.includes('"body_part_examined"') &&
    !/RADZ.PRIVATE/.test(exported));
  const dicomFetched = [...new Set(requests.filter((p) => p.includes('/dicom')))];
  check('the DICOM readers come from the page\'s origin', dicomFetched.length >= 3 &&
    dicomFetched.every((u) => u.startsWith(server.url)), dicomFetched.join(', '));
  if (shot) {
    await open('mri_jpeg_baseline.dcm');
    await page.screenshot({ path: shot, fullPage: true });
    console.log('screenshot ' + shot);
  }
} catch (e) {
  check('the DICOM browser test ran to the end', false, e.stack);
} finally {
  await browser.close();
  server.proc.kill('SIGTERM');
}
writeFileSync(join(out, 'dicom_browser.json'), JSON.stringify(report, null, 1));
console.log(passed + ' passed, ' + failed + ' failed');
process.exit(failed ? 1 : 0);
