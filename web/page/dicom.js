// DICOM in the page's worker (imported by worker.js only when a file starts with the DICOM
// preamble): the file is parsed and its first frame decoded in a worker of its own
// (dicom_worker.js: dicom-parser and the Cornerstone wasm codecs), with the core's header check
// (check: radz_web's dicomCheckHeader, the limits of the open package) between parsing and
// decoding, so that a 60000 x 60000 frame is refused before anything is decoded. The result is
// what the module's DICOM reader takes (web/dicom_web.cpp, Module.radzDicom):
// {attrs (JSON text), samples | jpeg} or {error, code}.

let worker = null;
let nextId = 1;
const pending = new Map();

function ask(msg, transfer) {
  if (!worker) {
    worker = new Worker(new URL('dicom_worker.js', import.meta.url));
    worker.onmessage = (e) => {
      const p = pending.get(e.data.id);
      pending.delete(e.data.id);
      if (p) p(e.data);
    };
    worker.onerror = (e) => {
      e.preventDefault();
      const why = 'the DICOM reader failed to start (' + (e.message || 'error') + ')';
      for (const p of pending.values()) p({ ok: false, error: why });
      pending.clear();
      worker = null;
    };
  }
  const id = nextId++;
  return new Promise((resolve) => {
    pending.set(id, resolve);
    worker.postMessage({ id, ...msg }, transfer || []);
  });
}

// The DICOM Part 10 preamble: "DICM" at bytes 128..131, whatever the file's name.
export function isDicom(bytes) {
  return bytes.length >= 132 && bytes[128] === 0x44 && bytes[129] === 0x49 && bytes[130] === 0x43 &&
    bytes[131] === 0x4d;
}

export async function dicomFrame(bytes, check) {
  const copy = bytes.slice();
  const parsed = await ask({ type: 'parse', bytes: copy.buffer }, [copy.buffer]);
  if (!parsed.ok) return { error: parsed.error, code: 'decode' };
  const refused = check(JSON.stringify(parsed.attrs));
  if (refused) {
    const tab = refused.indexOf('\t');
    return { error: refused.slice(tab + 1), code: refused.slice(0, tab) };
  }
  const d = await ask({ type: 'decode' });
  if (!d.ok) return { error: d.error, code: 'decode' };
  return { attrs: JSON.stringify(d.attrs), samples: d.samples || null, jpeg: d.jpeg || null };
}
