#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets (tests/fuzz/corpus/<target>/seed_*) from the
repository's own small files and the quick test package. Run from the repository root:

    python3 tests/fuzz/make_seeds.py [PACKAGE_DIR]     # default build/quick-package

Seeds are small (each under 64 KiB); what scripts/fuzz.sh finds is kept in build-fuzz/, and
only the inputs that matter (a crash's reproducer, a minimised corpus) are committed. The
package must be of format 2 or 3 (a modality head: scripts/build_package.sh --quick), so that the
manifest and package seeds carry `modality_head` and a file of role `modality`.
"""
import json
import os
import struct
import sys

root = os.getcwd()
pkg = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "build/quick-package")
out = os.path.join(root, "tests/fuzz/corpus")


# Every seed is written again: the old ones go first (a package whose files moved leaves none behind).
for t in sorted(os.listdir(out)) if os.path.isdir(out) else []:
    if not os.path.isdir(os.path.join(out, t)):
        continue
    for n in os.listdir(os.path.join(out, t)):
        if n.startswith("seed_"):
            os.remove(os.path.join(out, t, n))


def put(target, name, data):
    d = os.path.join(out, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    assert len(data) <= 65536, (target, name, len(data))
    with open(os.path.join(d, "seed_" + name), "wb") as f:
        f.write(data)


def read(path):
    with open(path, "rb") as f:
        return f.read()


# image: every small test image (valid, truncated, forged headers) and two shipped samples
imgs = os.path.join(root, "tests/data/images")
for n in sorted(os.listdir(imgs)):
    if n.endswith((".png", ".jpg", ".bmp")) and os.path.getsize(os.path.join(imgs, n)) <= 65536:
        put("image", n, read(os.path.join(imgs, n)))
for n in ("00000001_000.png", "Tr-glTr_0003.jpg"):
    put("image", n, read(os.path.join(root, "assets/models/radz-tiny/golden", n)))

# tokenizer_json: the quick package's tokenizer, and a minimal one of each pre-tokenizer kind
put("tokenizer_json", "quick.json", read(os.path.join(pkg, "tokenizer.json")))
tiny_bpe = {
    "version": "1.0", "truncation": None, "padding": None,
    "added_tokens": [{"id": 0, "content": "<s>", "single_word": False, "lstrip": False, "rstrip": False,
                      "normalized": False, "special": True}],
    "normalizer": None,
    "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True},
    "post_processor": {"type": "TemplateProcessing", "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}},
                                                                {"Sequence": {"id": "A", "type_id": 0}}],
                       "pair": [], "special_tokens": {"<s>": {"id": "<s>", "ids": [0], "tokens": ["<s>"]}}},
    "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
    "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
              "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
              "vocab": {"<s>": 0, "a": 1, "b": 2, "ab": 3, "\u0120": 4, "\u0120a": 5},
              "merges": ["a b", ["\u0120", "a"]]},
}
put("tokenizer_json", "bytelevel.json", json.dumps(tiny_bpe, indent=1))
meta = json.loads(json.dumps(tiny_bpe))
meta["pre_tokenizer"] = {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "first", "split": False}
meta["decoder"] = {"type": "Sequence", "decoders": [
    {"type": "Replace", "pattern": {"String": "\u2581"}, "content": " "}, {"type": "ByteFallback"},
    {"type": "Fuse"}, {"type": "Strip", "content": " ", "start": 1, "stop": 0}]}
meta["model"]["byte_fallback"] = True
meta["model"]["unk_token"] = "<unk>"
meta["model"]["vocab"] = {"<s>": 0, "<unk>": 1, "<0x41>": 2, "\u2581": 3, "a": 4, "\u2581a": 5}
meta["model"]["merges"] = ["\u2581 a"]
put("tokenizer_json", "metaspace.json", json.dumps(meta, indent=1))

# tokenizer_encode: sentences of the tokenizer corpus
corpus = json.load(open(os.path.join(root, "tests/data/tokenizer_corpus.json"), encoding="utf-8"))
texts = corpus if isinstance(corpus, list) else corpus.get("texts", corpus.get("cases", []))
n = 0
for t in texts:
    s = t if isinstance(t, str) else (t.get("text") if isinstance(t, dict) else None)
    if isinstance(s, str) and s and n < 24:
        put("tokenizer_encode", "%02d.txt" % n, s)
        n += 1
put("tokenizer_encode", "finding.txt", "A chest X-ray showing Pleural effusion: blunting of the costophrenic angle <s>")

# manifest: format 2 or 3 (a modality head, a file of role "modality"; 3: a modality's input_size), as the
# package readers meet them
for name, path in (("quick.json", os.path.join(pkg, "manifest.json")),
                   ("radz-tiny.json", os.path.join(root, "assets/models/radz-tiny/manifest.json"))):
    m = json.loads(read(path))
    assert m.get("format_version") in (2, 3) and "modality_head" in m, (path, "not a format-2 or 3 manifest")
    assert any(f.get("role") == "modality" for f in m["files"]), (path, "no file of role modality")
    put("manifest", name, read(path))

# anchors: the quick package's int8 table, whole and cut to its first two findings
a = read(os.path.join(pkg, "anchors.int8.json"))
put("anchors", "quick.int8.json", a)
t = json.loads(a)
t["findings"] = t["findings"][:2]
put("anchors", "two.json", json.dumps(t, indent=1))

# results: two images of the shipped model's results (the targets' fixed reference), one with an error
r = json.load(open(os.path.join(root, "assets/models/radz-tiny-results/fp32.nih-fold1.json")))
r["images"] = r["images"][:2]
for im in r["images"]:
    im["findings"] = im["findings"][:4]
    im.pop("feature", None)
err = dict(r["images"][1])
err.pop("findings", None)
err.update({"file": "broken.png", "sha256": None, "error": {"code": "decode", "message": "broken.png: not a PNG, JPEG or BMP file"}})
for k in ("width", "height", "timings_ms"):
    err.pop(k, None)
r["images"].append(err)
put("results", "two_images.json", json.dumps(r, indent=1))
r1 = json.loads(json.dumps(r))
r1["images"][0]["findings"][0]["probability"] = min(1.0, r1["images"][0]["findings"][0]["probability"] + 0.01)
put("results", "pair.json", json.dumps(r) + "\0" + json.dumps(r1))
# a pair whose two good images carry 8-value features (compare's feature cosine; the shipped
# results keep none)
rf = json.loads(json.dumps(r))
for i, im in enumerate(rf["images"][:2]):
    im["feature"] = [round(0.125 * (k + 1) * (i + 1), 3) for k in range(8)]
rf1 = json.loads(json.dumps(rf))
rf1["images"][0]["feature"][0] += 0.01
put("results", "pair_features.json", json.dumps(rf) + "\0" + json.dumps(rf1))

# results of schema version 2 (docs/results-schema.md): per image who chose the modality
# (modality_source), the detector's view (detection: a pass, a rejection by the gate, null), a
# warning, timings_ms.detect, and a DICOM input's two tags; a pair whose second document's gate
# disagrees, for compare's version-2 fields.
r2 = json.loads(json.dumps(r))
r2["schema_version"] = 2
r2["program"] = {"name": "radz", "version": "0.1.0", "build": "native"}
for im in r2["images"]:
    for f in im.get("findings", []):
        f["no_signal"] = False
    if "timings_ms" in im:
        im["timings_ms"]["detect"] = 0.3
good0, good1, broken = r2["images"][0], r2["images"][1], r2["images"][2]
good0.update({"modality_source": "detector", "warning": None,
              "detection": {"modality": "cxr", "probabilities": {"cxr": 0.999999, "mri": 4e-07}, "other": 6e-07,
                            "distance": 156.76, "contrast": 0.2204, "verdict": "pass", "reason": None,
                            "message": None}})
good0["findings"][1]["no_signal"] = True
good1.update({"modality_source": "user", "modality": "cxr",
              "warning": "cxr was chosen, the detector says mri (P 0.97)",
              "detection": {"modality": "mri", "probabilities": {"cxr": 0.02, "mri": 0.97}, "other": 0.01,
                            "distance": 201.5, "contrast": 0.18, "verdict": "pass", "reason": None, "message": None}})
broken.update({"modality_source": "default", "warning": None, "detection": None})
rejected = {"file": "holiday.jpg", "sha256": good0["sha256"], "modality": "cxr", "modality_source": "detector",
            "detection": {"modality": "cxr", "probabilities": {"cxr": 0.0001, "mri": 0.0}, "other": 0.9999,
                          "distance": 2310.5, "contrast": 0.27, "verdict": "rejected", "reason": "other",
                          "message": "not a chest X-ray or brain MRI (looks like something else: P(other) 1.00)"},
            "warning": None, "width": 640, "height": 480, "findings": [],
            "timings_ms": {"decode": 3.0, "preprocess": 1.2, "vision": 0, "decoder": 0, "score": 0, "total": 4.6,
                           "detect": 0.3}}
dicom = json.loads(json.dumps(good0))
dicom.update({"file": "cr.dcm", "modality_source": "metadata", "dicom": {"modality": "CR", "body_part_examined": "CHEST"}})
blank = json.loads(json.dumps(rejected))
blank["detection"].update({"verdict": "rejected", "reason": "blank", "contrast": 0.0,
                           "message": "not a chest X-ray or brain MRI (the image is blank: contrast 0.000)"})
blank["file"] = "flat_grey.png"
r2["images"] += [rejected, dicom, blank]
put("results", "schema2.json", json.dumps(r2, indent=1))
r2b = json.loads(json.dumps(r2))
r2b["images"][0]["detection"].update({"verdict": "rejected", "reason": "unlike", "distance": 300.0,
                                      "message": "not a chest X-ray or brain MRI (unlike the training images)"})
r2b["images"][0]["findings"] = []
r2b["images"][1]["modality_source"] = "detector"
r2b["images"][4]["detection"] = None
put("results", "schema2_pair.json", json.dumps(r2) + "\0" + json.dumps(r2b))

# labels_csv: the label formats of tests/data/labels
lab = os.path.join(root, "tests/data/labels")
for n in sorted(os.listdir(lab)):
    if not n.startswith("."):
        put("labels_csv", n, read(os.path.join(lab, n)))

# evidence
put("evidence", "quick.json", read(os.path.join(pkg, "evidence.json")))
put("evidence", "radz-tiny.json", read(os.path.join(root, "assets/models/radz-tiny/evidence.json")))

# package, package_fixup: selector byte (index into ["manifest.json"] + the manifest's files) + bytes
man = json.loads(read(os.path.join(pkg, "manifest.json")))
paths = ["manifest.json"] + [f["path"] for f in man["files"]]
for i, p in enumerate(paths):
    b = read(os.path.join(pkg, p))
    if p in ("manifest.json", "tokenizer.json", "evidence.json", "anchors.int8.json", "embeddings.int8.bin",
             "reference.int8.bin"):
        for target in ("package", "package_fixup"):
            put(target, "%02d_%s" % (i, p.replace("/", "_")), bytes([i]) + b)
# dicom: the small DICOM test files (tests/data/dicom: every transfer syntax, the rules' cases,
# the bad ones), and frames as a reader hands them over (fuzz_dicom.cpp's layout: 16 bytes of
# numbers, 7 NUL-terminated texts, LUT entries, samples)
dcm = os.path.join(root, "tests/data/dicom")
for n in sorted(os.listdir(dcm)):
    path = os.path.join(dcm, n)
    if os.path.isfile(path) and not n.endswith(".json") and os.path.getsize(path) <= 16384:
        put("dicom", n, read(path))


def frame(rows, cols, spp, bits, stored, signed, planar, photometric, syntax, texts, lut=None, samples=b""):
    # photometric: index into MONOCHROME1, MONOCHROME2, RGB, YBR_FULL, ...; syntax: implicit,
    # explicit, JPEG baseline, JPEG 2000, big endian
    head = bytes([rows - 1, cols - 1, spp, 1 if bits == 16 else 2, stored, signed, planar, photometric, syntax,
                  1 if lut else 0])
    if lut:
        n, first, lbits, entries = lut
        head += struct.pack("<Hb", n, first) + bytes([lbits, len(entries)])
    else:
        head += bytes(5)
    head += bytes(16 - len(head))
    body = b"".join(t.encode() + b"\0" for t in texts)
    body += b"".join(struct.pack("<H", v) for v in (lut[3] if lut else []))
    return head + body + samples


ramp8 = bytes(range(0, 256, 4))  # 8x8, 8-bit
ramp16 = b"".join(struct.pack("<h", v) for v in range(-2048, 2048, 64))  # 8x8, 12 bits stored, signed
put("dicom", "frame_mono2_8bit", frame(8, 8, 1, 8, 8, 0, 0, 1, 1, ["", "", "", "", "", "DX", "CHEST"], samples=ramp8))
put("dicom", "frame_mono1_window_16bit", frame(8, 8, 1, 16, 12, 1, 0, 0, 0, ["1", "2", "-1024", "40\\400", "400", "CT", ""],
                                               samples=ramp16))
put("dicom", "frame_voi_lut", frame(8, 8, 1, 16, 12, 1, 0, 1, 1, ["", "", "", "", "", "MR", "HEAD"],
                                    lut=(16, -8, 12, [k * 256 for k in range(16)]), samples=ramp16))
put("dicom", "frame_rgb_planar", frame(4, 4, 3, 8, 8, 0, 1, 2, 1, ["1", "", "", "", "", "CR", "HAND"],
                                       samples=bytes(range(48))))
put("dicom", "frame_jpeg", frame(64, 64, 1, 8, 8, 0, 0, 1, 2, ["", "", "", "", "", "MR", "BRAIN"],
                                 samples=read(os.path.join(root, "tests/data/images/grey_64x64.jpg"))))
print("seeds written under", out)
