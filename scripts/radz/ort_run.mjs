// Runs ONNX graphs in ONNX Runtime (onnxruntime-node, CPU EP) for the Python recipe
// (scripts/radz/ort.py). Tensors travel as raw little-endian .bin files in a folder the
// caller owns; requests and replies are JSON.
//
//   node ort_run.mjs --server          one request per stdin line, one reply per stdout line
//   node ort_run.mjs request.json      one request; the reply is printed as one line
//
// request: {"id": 1, "model": "/abs/graph.onnx", "threads": 1 | null, "dir": "/abs/tmpdir",
//           "config": {"session.disable_quant_qdq": "1", ...} | null (ORT session config entries),
//           "inputs": [{"name", "dtype", "dims", "file"}], "outputs": ["name", ...] | null}
// reply:   {"radz_ort": 1, "id": 1, "ok": true, "load_ms", "run_ms",
//           "outputs": [{"name", "dtype", "dims", "file"}]}
//          {"radz_ort": 1, "id": 1, "ok": false, "error": "one line"}
// At start in server mode: {"radz_ort": 1, "ready": true, "ort_version": "1.30.0"}, or
// {"radz_ort": 1, "fatal": "..."} and exit code 2 when onnxruntime-node cannot be loaded.
// Only reply lines start with {"radz_ort": anything else on stdout is log noise.

import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';

const DTYPES = {
    float32: {array: Float32Array, size: 4},
    int64: {array: BigInt64Array, size: 8},
    int32: {array: Int32Array, size: 4},
    uint8: {array: Uint8Array, size: 1},
    int8: {array: Int8Array, size: 1},
};

function reply(obj) {
    process.stdout.write(JSON.stringify({radz_ort: 1, ...obj}) + '\n');
}

let ort = null;
try {
    ort = await import('onnxruntime-node');
} catch (e) {
    reply({fatal: `cannot load onnxruntime-node from ${path.dirname(new URL(import.meta.url).pathname)}: ` +
                  `${String(e.message || e).split('\n')[0]} (run scripts/setup.sh)`});
    process.exit(2);
}

// Sessions are kept per (path, size, mtime, threads, config): a graph rewritten in place is reloaded.
const sessions = new Map();

async function session_get(model, threads, config) {
    let st;
    try {
        st = fs.statSync(model);
    } catch (e) {
        throw new Error(`graph file not found: ${model}`);
    }
    const key = `${model}|${st.size}|${st.mtimeMs}|${threads}|${JSON.stringify(config)}`;
    let entry = sessions.get(key);
    let load_ms = 0;
    if (!entry) {
        for (const k of sessions.keys()) {
            if (k.startsWith(model + '|')) {
                sessions.delete(k);
            }
        }
        const opts = {executionProviders: ['cpu'], graphOptimizationLevel: 'all', interOpNumThreads: 1};
        if (threads) {
            opts.intraOpNumThreads = threads;
        }
        if (config) {
            // "a.b": "v" -> extra: {a: {b: "v"}} (onnxruntime-common flattens it back to "a.b")
            opts.extra = {};
            for (const [k, v] of Object.entries(config)) {
                const parts = k.split('.');
                let o = opts.extra;
                for (const p of parts.slice(0, -1)) {
                    o = o[p] = o[p] || {};
                }
                o[parts[parts.length - 1]] = String(v);
            }
        }
        const t0 = performance.now();
        const sess = await ort.InferenceSession.create(model, opts);
        load_ms = performance.now() - t0;
        entry = {sess};
        sessions.set(key, entry);
    }
    return {sess: entry.sess, load_ms};
}

function tensor_read(dir, spec) {
    const dt = DTYPES[spec.dtype];
    if (!dt) {
        throw new Error(`input '${spec.name}': dtype ${spec.dtype} not supported (expected one of ${Object.keys(DTYPES).join(', ')})`);
    }
    const n = spec.dims.reduce((a, b) => a * b, 1);
    const buf = fs.readFileSync(path.join(dir, spec.file));
    if (buf.length !== n * dt.size) {
        throw new Error(`input '${spec.name}': ${spec.file} has ${buf.length} bytes, expected ${n * dt.size} for ${spec.dtype} [${spec.dims}]`);
    }
    // copy into a fresh, aligned ArrayBuffer (a Buffer may sit at any offset of a shared pool)
    const ab = new ArrayBuffer(buf.length);
    new Uint8Array(ab).set(buf);
    return new ort.Tensor(spec.dtype, new dt.array(ab), spec.dims);
}

async function request_run(req) {
    if (typeof req.model !== 'string' || typeof req.dir !== 'string' || !Array.isArray(req.inputs)) {
        throw new Error('request needs "model" (string), "dir" (string) and "inputs" (array)');
    }
    const {sess, load_ms} = await session_get(req.model, req.threads || 0, req.config || null);
    const feeds = {};
    for (const spec of req.inputs) {
        if (!sess.inputNames.includes(spec.name)) {
            throw new Error(`${req.model}: unknown input '${spec.name}' (graph inputs: ${sess.inputNames.join(', ')})`);
        }
        feeds[spec.name] = tensor_read(req.dir, spec);
    }
    const missing = sess.inputNames.filter((n) => !(n in feeds));
    if (missing.length) {
        throw new Error(`${req.model}: missing input(s) ${missing.join(', ')} (graph inputs: ${sess.inputNames.join(', ')})`);
    }
    const names = req.outputs || sess.outputNames;
    for (const n of names) {
        if (!sess.outputNames.includes(n)) {
            throw new Error(`${req.model}: unknown output '${n}' (graph outputs: ${sess.outputNames.join(', ')})`);
        }
    }
    const t0 = performance.now();
    const results = await sess.run(feeds, names);
    const run_ms = performance.now() - t0;
    const outputs = [];
    names.forEach((name, i) => {
        const t = results[name];
        if (!DTYPES[t.type]) {
            throw new Error(`${req.model}: output '${name}' has dtype ${t.type}, not supported here`);
        }
        const file = `out_${req.id}_${i}.bin`;
        const d = t.data;
        fs.writeFileSync(path.join(req.dir, file), new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
        outputs.push({name, dtype: t.type, dims: Array.from(t.dims), file});
    });
    return {load_ms, run_ms, outputs};
}

async function request_handle(line) {
    let req;
    try {
        req = JSON.parse(line);
    } catch (e) {
        reply({id: null, ok: false, error: `request is not JSON: ${e.message}`});
        return;
    }
    try {
        const res = await request_run(req);
        reply({id: req.id, ok: true, ...res});
    } catch (e) {
        let msg = String(e.message || e).replace(/\s*\n\s*/g, ' ');
        if (typeof req.model === 'string' && !msg.includes(req.model)) {
            msg = `${req.model}: ${msg}`;
        }
        reply({id: req.id, ok: false, error: msg});
    }
}

if (process.argv[2] === '--server') {
    reply({ready: true, ort_version: ort.env.versions.node || ort.env.versions.common});
    const rl = readline.createInterface({input: process.stdin, terminal: false});
    // one request at a time, in order
    let chain = Promise.resolve();
    rl.on('line', (line) => {
        if (line.trim()) {
            chain = chain.then(() => request_handle(line));
        }
    });
    rl.on('close', () => chain.then(() => process.exit(0)));
} else if (process.argv[2]) {
    await request_handle(fs.readFileSync(process.argv[2], 'utf8'));
} else {
    process.stderr.write('usage: node ort_run.mjs --server | node ort_run.mjs request.json\n');
    process.exit(1);
}
