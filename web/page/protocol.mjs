// The page <-> worker protocol, in one table that both sides import: app.js builds every request
// with requestMessage, worker.js checks each one with checkRequest and must have a handler for
// every type. docs/architecture.md ("The web request protocol") prints the same table.
//
//   page -> worker  {id, type, ...fields}
//   worker -> page  {id, ok: true, ...answer} | {id, ok: false, error}
//                   {type: "progress", done, total, file}  (while "open" fetches; monotonic,
//                   one total, ending at it)
//
// Requests are answered one at a time, in order (an asyncified export must never be re-entered).
// A field written "a|b" means one of them.

export const REQUESTS = {
  open: {
    fields: ['model', 'backend', 'threads'],  // package folder URL; auto|wasm|webgpu; wasm threads (0: default)
    answer: ['info', 'why', 'crossOriginIsolated', 'samples', 'docs', 'timings', 'bytes'],
  },
  classify: {
    fields: ['name', 'bytes|sample', 'modality', 'scoreAnyway'],
    // bytes: an ArrayBuffer (transferred); sample: a golden image's path; modality "auto" (or ""):
    // the DICOM's tags, else the detector (docs/model-package.md section 11); scoreAnyway: score
    // an image the modality gate rejects (it stays marked rejected)
    answer: ['image', 'error', 'ms', 'preview', 'dicomMs'],  // image: a results-schema image; preview: a DICOM's grey image
  },
  add_finding: {
    fields: ['modality', 'name', 'descriptions'],
    answer: ['findingId', 'truncated', 'info'],
  },
  remove_finding: {
    fields: ['modality', 'findingId'],
    answer: ['info'],
  },
  export: {
    fields: [],
    answer: ['json'],  // the results document (docs/results-schema.md) as text
  },
};

export const PROGRESS = 'progress';

// Why a request is not one of the table's ('' when it is).
function refusal(type, msg) {
  const spec = REQUESTS[type];
  if (!spec) return 'unknown request \'' + type + '\' (expected ' + Object.keys(REQUESTS).join(', ') + ')';
  for (const f of spec.fields) {
    if (!f.split('|').some((alt) => msg[alt] !== undefined)) return type + ': missing field \'' + f + '\'';
  }
  return '';
}

// The message for request `type` with `fields`, and what to transfer; throws on a field missing.
export function requestMessage(id, type, fields) {
  const why = refusal(type, fields);
  if (why) throw new Error(why);
  return { message: { id, type, ...fields }, transfer: fields.bytes ? [fields.bytes] : [] };
}

// Throws when a received request is not one of the table's or lacks a field.
export function checkRequest(req) {
  const why = refusal(req.type, req);
  if (why) throw new Error(why);
}

// The worker's answers.
export function answerMessage(id, answer) {
  return { id, ok: true, ...answer };
}

export function errorMessage(id, err) {
  return { id, ok: false, error: String(err && err.message ? err.message : err) };
}

export function progressMessage(done, total, file) {
  return { type: PROGRESS, done, total, file };
}
