#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets (tests/fuzz/corpus/<target>/seed_*) from the
repository's own small files and the quick test package. Run from the repository root:

    python3 tests/fuzz/make_seeds.py [PACKAGE_DIR]     # default build/quick-package

Seeds are small (each under 64 KiB); what scripts/fuzz.sh finds is kept in build-fuzz/, and
only the inputs that matter (a crash's reproducer, a minimised corpus) are committed.
"""
import json
import os
import shutil
import sys

root = os.getcwd()
pkg = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "build/quick-package")
out = os.path.join(root, "tests/fuzz/corpus")


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

# manifest
put("manifest", "quick.json", read(os.path.join(pkg, "manifest.json")))
put("manifest", "radz-tiny.json", read(os.path.join(root, "assets/models/radz-tiny/manifest.json")))

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
print("seeds written under", out)
