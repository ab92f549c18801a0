// The modality gate's figures in the browser (issue 13, docs/results/accuracy.md): every file of
// a list (radz.modality list) dropped on the page, as a user would, with the shipped package;
// writes the page's results document (its export), which radz.modality report reads beside the
// native one.
//
//   scripts/serve --port 8766 --no-build &      (the page and assets/models/radz-tiny)
//   node web/test/modality_figures.mjs http://127.0.0.1:8766/ build/modality/native_list.txt build/modality/browser.json
import { createRequire } from 'node:module';
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const { chromium } = require(join(root, 'node_modules/playwright-core'));
const [url, listFile, outFile] = process.argv.slice(2);
if (!url || !listFile || !outFile) {
  console.error('usage: node web/test/modality_figures.mjs PAGE_URL LIST_FILE OUT.json');
  process.exit(2);
}
const files = readFileSync(listFile, 'utf8').split('\n').filter((l) => l && !l.startsWith('#'));
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium',
  args: ['--headless=new', '--no-sandbox', '--disable-background-networking'] });
const page = await browser.newPage();
await page.goto(url + '?backend=wasm');
await page.waitForFunction(() => window.radz && window.radz.ready(), null, { timeout: 300000 });
const t0 = Date.now();
let n = 0;
for (const f of files) {
  const name = 'f' + (n++) + '_' + basename(f);
  const mime = /\.jpe?g$/i.test(f) ? 'image/jpeg' : 'image/png';
  await page.setInputFiles('#file', { name, mimeType: mime, buffer: readFileSync(resolve(root, f)) });
  await page.waitForFunction((nm) => document.getElementById('status').textContent.startsWith(nm + ':'), name,
    { timeout: 60000 });
  if (n % 500 === 0) console.log(n + ' / ' + files.length + ' files, ' + ((Date.now() - t0) / 1000).toFixed(0) + ' s');
}
const doc = await page.evaluate(() => window.radz.exportResults());
writeFileSync(outFile, doc);
console.log('wrote ' + outFile + ': ' + files.length + ' files in ' + ((Date.now() - t0) / 1000).toFixed(0) + ' s');
await browser.close();
