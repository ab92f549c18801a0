// RadZ's DICOM worker: parses a DICOM Part 10 file and decodes its first frame with maintained
// libraries served from the page's origin (web-dist/dicom/, copied from node_modules by the
// build): dicom-parser for the file, Cornerstone's wasm codecs for JPEG-LS (CharLS) and JPEG
// 2000 (OpenJPEG), jpeg-lossless-decoder-js for lossless JPEG, the RLE decoder of Cornerstone's
// DICOM image loader (its one self-contained module decodeRLE.js, no imports) for RLE lossless;
// deflate by the browser's own DecompressionStream. Baseline JPEG is not decoded here: its
// bitstream goes to the core's own decoder, as natively. A classic worker, because the codecs are UMD scripts (importScripts);
// started by web/page/dicom.js only when a DICOM file is opened, each codec loaded on first use.
//
// Messages in:  {id, type: "parse", bytes (ArrayBuffer)}  ->  {id, ok, attrs}
//               {id, type: "decode"} (the file last parsed)  ->  {id, ok, attrs, samples, jpeg}
// Failures: {id, ok: false, error} (one line). Only the attributes named in attrs leave this
// worker: no patient, study or other header text.
/* global dicomParser, CharLSWASM, OpenJPEGWASM */
importScripts('dicom/dicomParser.min.js');

const NATIVE = ['1.2.840.10008.1.2', '1.2.840.10008.1.2.1', '1.2.840.10008.1.2.1.99'];
const NAMES = {
  '1.2.840.10008.1.2.5': 'RLE lossless',
  '1.2.840.10008.1.2.4.57': 'JPEG lossless (process 14)',
  '1.2.840.10008.1.2.4.70': 'JPEG lossless (process 14, SV1)',
  '1.2.840.10008.1.2.4.80': 'JPEG-LS lossless',
  '1.2.840.10008.1.2.4.81': 'JPEG-LS near-lossless',
  '1.2.840.10008.1.2.4.90': 'JPEG 2000 lossless',
  '1.2.840.10008.1.2.4.91': 'JPEG 2000',
};
let file = null;  // {bytes, ds, attrs} of the file last parsed
const codecs = {};

self.onmessage = async (e) => {
  const { id, type } = e.data;
  try {
    const res = type === 'parse' ? await parse(e.data.bytes) : await decode();
    const transfer = [res.samples, res.jpeg].filter((a) => a && a.byteLength).map((a) => a.buffer);
    self.postMessage({ id, ok: true, ...res }, transfer);
  } catch (err) {
    self.postMessage({ id, ok: false, error: String(err && err.message ? err.message : err).split('\n')[0] });
  }
};

async function inflateRaw(bytes) {
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('deflate-raw'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

async function parse(buffer) {
  file = null;
  const bytes = new Uint8Array(buffer);
  let ds;
  try {
    const meta = dicomParser.readPart10Header(bytes);
    const options = {};
    if (meta.string('x00020010') === '1.2.840.10008.1.2.1.99') {
      // Deflated: dicom-parser takes the inflated file from a callback; inflate it first.
      const at = meta.position;
      const rest = await inflateRaw(bytes.subarray(at));
      const full = new Uint8Array(at + rest.length);
      full.set(bytes.subarray(0, at));
      full.set(rest, at);
      options.inflater = () => full;
    }
    ds = dicomParser.parseDicom(bytes, options);
  } catch (err) {
    throw new Error('cannot parse the DICOM file (truncated or corrupt)');
  }
  const s = (tag) => ds.string(tag) || '';
  const u = (tag, dflt) => (ds.elements[tag] && ds.elements[tag].length >= 2 ? ds.uint16(tag) : dflt);
  const attrs = {
    transfer_syntax: s('x00020010'),
    modality: s('x00080060'),
    body_part: s('x00180015'),
    rows: u('x00280010', 0),
    columns: u('x00280011', 0),
    samples_per_pixel: u('x00280002', 1),
    bits_allocated: u('x00280100', 0),
    pixel_representation: u('x00280103', 0),
    planar_configuration: u('x00280006', 0),
    photometric: s('x00280004'),
    number_of_frames: s('x00280008'),
    rescale_slope: s('x00281053'),
    rescale_intercept: s('x00281052'),
    window_center: s('x00281050'),
    window_width: s('x00281051'),
  };
  attrs.bits_stored = u('x00280101', attrs.bits_allocated);
  const lut = ds.elements.x00283010;
  if (lut && lut.items && lut.items.length && lut.items[0].dataSet) {
    const item = lut.items[0].dataSet;
    const desc = item.elements.x00283002;
    if (desc) {
      attrs.voi_lut_descriptor = [];
      for (let i = 0; i < Math.min(3, desc.length / 2); i++) {
        let v = item.uint16('x00283002', i);
        if (i === 1 && attrs.pixel_representation === 1 && v >= 32768) v -= 65536;
        attrs.voi_lut_descriptor.push(v);
      }
    }
    const data = item.elements.x00283006;
    if (data) {
      const view = new DataView(item.byteArray.buffer, item.byteArray.byteOffset + data.dataOffset, data.length);
      attrs.voi_lut_data = [];
      for (let i = 0; i + 1 < data.length; i += 2) attrs.voi_lut_data.push(view.getUint16(i, true));
    }
  }
  if (!ds.elements.x7fe00010) throw new Error('no pixel data (7FE0,0010) in the DICOM file');
  // JPEG 2000 and JPEG-LS colour is stored as YBR_ICT / YBR_RCT and decoded to RGB.
  if (attrs.photometric === 'YBR_ICT' || attrs.photometric === 'YBR_RCT') attrs.photometric = 'RGB';
  file = { ds, attrs };
  return { attrs };
}

// The first frame's encapsulated bytes.
function firstFrame(ds, el) {
  const frames = parseInt(ds.string('x00280008') || '1', 10) || 1;
  if (el.basicOffsetTable && el.basicOffsetTable.length) return dicomParser.readEncapsulatedImageFrame(ds, el, 0);
  if (frames === 1) return dicomParser.readEncapsulatedPixelDataFromFragments(ds, el, 0, el.fragments.length);
  const ts = file.attrs.transfer_syntax;
  if (ts === '1.2.840.10008.1.2.4.50') {
    return dicomParser.readEncapsulatedImageFrame(ds, el, 0, dicomParser.createJPEGBasicOffsetTable(ds, el));
  }
  return dicomParser.readEncapsulatedPixelDataFromFragments(ds, el, 0, 1);  // one fragment per frame
}

async function wasmCodec(name, script, factory) {
  if (!codecs[name]) {
    importScripts('dicom/' + script);
    codecs[name] = await self[factory]({ locateFile: (f) => new URL('dicom/' + f, self.location.href).href });
  }
  return codecs[name];
}

// Samples as little-endian bytes, bits_allocated wide.
function asBytes(out) {
  return new Uint8Array(out.buffer.slice(out.byteOffset, out.byteOffset + out.byteLength));
}

class RleError extends Error {}

// RLE lossless (PS3.5 annex G): a 64-byte header (the number of segments, then up to 15 segment
// offsets), then one PackBits segment per byte plane (most significant first), each decoding to
// Rows x Columns bytes. decodeRLE decodes without checks (a short or damaged segment leaves
// zeros, a missing one a blank plane), so what it would decode wrongly is refused here first, as
// GDCM refuses it natively: the segment count, the offsets, and each segment's run lengths adding
// up to the plane within the segment's bytes (counted, not decoded: the pixels are decodeRLE's).
// The core's header check has already limited the frame to 8-bit grey or colour or 16-bit grey,
// the three layouts decodeRLE decodes (not 16-bit colour: it would mix the planes).
function rleCheck(frame, attrs) {
  const bytes = attrs.bits_allocated >> 3;
  if (frame.length < 64) throw new RleError('the RLE header is cut short (' + frame.length + ' of 64 bytes)');
  const v = new DataView(frame.buffer, frame.byteOffset, frame.length);
  const n = v.getUint32(0, true);
  const want = bytes * attrs.samples_per_pixel;
  if (n !== want) throw new RleError('the RLE header lists ' + n + ' segments, the frame needs ' + want);
  const need = attrs.rows * attrs.columns;
  for (let s = 0; s < n; s++) {
    const start = v.getUint32(4 + 4 * s, true);
    const end = s + 1 < n ? v.getUint32(8 + 4 * s, true) : frame.length;
    if (start < 64 || end > frame.length || start >= end) {
      throw new RleError('RLE segment ' + (s + 1) + ' at bytes ' + start + '..' + end + ' of a ' + frame.length + '-byte frame');
    }
    let i = start, got = 0;
    while (i < end && got < need) {
      const c = v.getInt8(i++);
      if (c >= 0) { got += c + 1; i += c + 1; }   // c + 1 literal bytes
      else if (c !== -128) { got += 1 - c; i++; }  // one byte repeated 1 - c times
    }
    if (got < need) throw new RleError('RLE segment ' + (s + 1) + ' holds ' + got + ' of the ' + need + ' bytes of its plane');
    if (i > end) throw new RleError('RLE segment ' + (s + 1) + ' runs ' + (i - end) + ' bytes past its end');
  }
}

async function decode() {
  if (!file) throw new Error('no DICOM file parsed');
  const { ds, attrs } = file;
  const el = ds.elements.x7fe00010;
  const ts = attrs.transfer_syntax;
  const frameSize = attrs.rows * attrs.columns * attrs.samples_per_pixel * (attrs.bits_allocated >> 3);
  if (NATIVE.includes(ts)) {
    const end = Math.min(el.dataOffset + Math.min(el.length, frameSize), ds.byteArray.length);
    return { attrs, samples: ds.byteArray.slice(el.dataOffset, end) };
  }
  if (!el.encapsulatedPixelData) throw new Error('transfer syntax ' + ts + ' without encapsulated pixel data');
  const frame = firstFrame(ds, el);
  if (ts === '1.2.840.10008.1.2.4.50') return { attrs, jpeg: frame.slice() };
  const name = NAMES[ts] || ts;
  // Every JPEG family codestream (lossless, JPEG-LS, JPEG 2000) ends with FF D9 (EOI / EOC;
  // fragments are padded to an even length). The wasm OpenJPEG decodes what it can of a damaged
  // codestream without an error, so a missing end is refused here, as GDCM refuses it natively.
  let end = frame.length;
  while (end > 0 && frame[end - 1] === 0) end--;
  if (ts !== '1.2.840.10008.1.2.5' && !(end >= 2 && frame[end - 2] === 0xff && frame[end - 1] === 0xd9)) {
    throw new Error(name + ': the codec refused the pixel data (no end-of-codestream marker: truncated or corrupt)');
  }
  let out;
  try {
    if (ts === '1.2.840.10008.1.2.4.80' || ts === '1.2.840.10008.1.2.4.81') {
      const charls = await wasmCodec('charls', 'charlswasm_decode.js', 'CharLSWASM');
      const d = new charls.JpegLSDecoder();
      d.getEncodedBuffer(frame.length).set(frame);
      d.decode();
      out = d.getDecodedBuffer().slice();
      // Components decoded plane by plane when not interleaved.
      if (attrs.samples_per_pixel === 3) attrs.planar_configuration = d.getInterleaveMode() === 0 ? 1 : 0;
      d.delete();
    } else if (ts === '1.2.840.10008.1.2.4.90' || ts === '1.2.840.10008.1.2.4.91') {
      const openjpeg = await wasmCodec('openjpeg', 'openjpegwasm_decode.js', 'OpenJPEGWASM');
      const d = new openjpeg.J2KDecoder();
      d.getEncodedBuffer(frame.length).set(frame);
      d.decode();
      out = d.getDecodedBuffer().slice();
      if (attrs.samples_per_pixel === 3) attrs.planar_configuration = 0;
      d.delete();
    } else if (ts === '1.2.840.10008.1.2.4.57' || ts === '1.2.840.10008.1.2.4.70') {
      if (!codecs.lossless) codecs.lossless = await import('./dicom/lossless.js');
      const d = new codecs.lossless.Decoder();
      // Samples as wide as Bits Allocated (Uint8Array or Uint16Array, the platform's little endian).
      out = asBytes(d.decode(frame.buffer, frame.byteOffset, frame.length, attrs.bits_allocated >> 3));
      if (attrs.samples_per_pixel === 3) attrs.planar_configuration = 0;
    } else if (ts === '1.2.840.10008.1.2.5') {
      rleCheck(frame, attrs);
      if (!codecs.rle) codecs.rle = await import('./dicom/decodeRLE.js');
      const r = await codecs.rle.default({
        rows: attrs.rows, columns: attrs.columns, samplesPerPixel: attrs.samples_per_pixel,
        bitsAllocated: attrs.bits_allocated, pixelRepresentation: attrs.pixel_representation,
        planarConfiguration: attrs.planar_configuration,
      }, frame);
      // Samples as wide as Bits Allocated, laid out as Planar Configuration says.
      out = asBytes(r.pixelData);
    } else {
      throw new Error('transfer syntax ' + ts + ' (' + name + ') is not read in the browser');
    }
  } catch (err) {
    const why = String(err && err.message ? err.message : err);
    if (/is not read in the browser/.test(why)) throw err;
    throw new Error(name + ': the codec refused the pixel data (' + (err instanceof RleError ? why : 'corrupt or truncated') + ')');
  }
  return { attrs, samples: out };
}
