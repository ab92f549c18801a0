// Linked with --pre-js into every module that uses web/backend_ortweb.cpp: the JavaScript half
// of that backend. It only moves tensors: C++ describes the inputs (names, dtypes, shapes,
// heap offsets), this copies them out of the heap into ONNX Runtime Web tensors, runs the
// session, and keeps the outputs until C++ copies them back into its own vectors.
//
// ONNX Runtime Web comes from Module.ort (the worker imports it and passes it in), or under
// node from $RADZ_ORT_WEB_DIR/ort.wasm.min.mjs. The providers are web/page/providers.mjs's, passed
// in as Module.radzProviders by the worker; under node (no WebGPU) only wasm runs. The session
// options come from C++ (native/ort_options.h, through init).
Module.radzOrtweb = (function () {
  var ort = null;
  var ep = '';
  var adapterInfo = '';
  var sessionConfig = {};
  var sessions = new Map();
  var nextId = 1;
  var lastError = '';
  var outputs = [];

  function oneLine(e) {
    var s = (e && e.message) ? e.message : String(e);
    return s.replace(/\s+/g, ' ').trim();
  }

  async function loadOrt() {
    if (ort) return ort;
    if (Module.ort) {
      ort = Module.ort;
    } else if (typeof process === 'object' && process.versions && process.versions.node) {
      var dir = process.env.RADZ_ORT_WEB_DIR;
      if (!dir) throw new Error('RADZ_ORT_WEB_DIR is not set (the folder holding onnxruntime-web\'s dist files)');
      var url = require('url').pathToFileURL(require('path').join(dir, 'ort.wasm.min.mjs')).href;
      ort = await import(url);
    } else {
      throw new Error('ONNX Runtime Web was not passed in (Module.ort)');
    }
    return ort;
  }

  return {
    // ep: "wasm", "cpu" or "webgpu"; threads: 0 keeps ONNX Runtime Web's default; config: the
    // session config entries every session gets ({disable_quant_qdq: "1"}).
    init: async function (wantEp, threads, config) {
      try {
        await loadOrt();
        if (ep && ep !== wantEp) throw new Error('this module already runs on ' + ep);
        if (threads > 0) ort.env.wasm.numThreads = threads;
        if (Module.radzProviders) {
          adapterInfo = await Module.radzProviders.prepareProvider(ort, wantEp);
        } else if (wantEp !== 'wasm' && wantEp !== 'cpu') {
          throw new Error(wantEp + ': not usable: only wasm runs without the page\'s providers (web/page/providers.mjs)');
        }
        sessionConfig = config;
        ep = wantEp;
        return 1;
      } catch (e) {
        lastError = oneLine(e);
        return 0;
      }
    },
    info: function () {
      return JSON.stringify({
        ep: ep, adapter: adapterInfo,
        threads: ort ? (ort.env.wasm.numThreads | 0) : 0,
        version: ort && ort.env.versions ? (ort.env.versions.web || '') : '',
      });
    },
    // Returns a session id (> 0), or 0 with lastError set.
    create: async function (ptr, size, label) {
      try {
        var bytes = HEAPU8.slice(ptr, ptr + size);
        var s = await ort.InferenceSession.create(bytes, {
          executionProviders: [ep],
          graphOptimizationLevel: 'all',
          extra: { session: sessionConfig },
        });
        var id = nextId++;
        sessions.set(id, s);
        return id;
      } catch (e) {
        lastError = label + ': ' + oneLine(e);
        return 0;
      }
    },
    names: function (id) {
      var s = sessions.get(id);
      return JSON.stringify({ inputs: s.inputNames, outputs: s.outputNames });
    },
    // desc: {inputs: [{name, dtype: "f32"|"i64", shape, ptr, n}], outputs: [names]}.
    // Returns 1, or 0 with lastError set; the outputs wait in `outputs`.
    run: async function (id, descText, label) {
      outputs = [];
      try {
        var s = sessions.get(id);
        var desc = JSON.parse(descText);
        var feeds = {};
        desc.inputs.forEach(function (i) {
          var data = i.dtype === 'i64'
            ? new BigInt64Array(HEAPU8.buffer.slice(i.ptr, i.ptr + 8 * i.n))
            : new Float32Array(HEAPU8.buffer.slice(i.ptr, i.ptr + 4 * i.n));
          feeds[i.name] = new ort.Tensor(i.dtype === 'i64' ? 'int64' : 'float32', data, i.shape);
        });
        var res = await s.run(feeds, desc.outputs);
        desc.outputs.forEach(function (name) {
          var t = res[name];
          if (!t) throw new Error('no output \'' + name + '\'');
          if (t.type !== 'float32') throw new Error('output \'' + name + '\' is ' + t.type + ', expected float32');
          outputs.push({ dims: Array.from(t.dims), data: t.data });
        });
        Object.keys(res).forEach(function (k) { if (res[k].dispose) res[k].dispose(); });
        return 1;
      } catch (e) {
        outputs = [];
        lastError = label + ': ' + oneLine(e);
        return 0;
      }
    },
    outputDims: function (i) { return outputs[i].dims; },
    outputCopy: function (i, dst) { HEAPF32.set(outputs[i].data, dst >> 2); },
    outputsClear: function () { outputs = []; },
    release: function (id) {
      var s = sessions.get(id);
      sessions.delete(id);
      if (s) s.release().catch(function () {});
    },
    lastError: function () { return lastError; },
  };
})();
