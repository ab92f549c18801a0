"""Per-image predictions of a package variant in the results schema (docs/results-schema.md).

    cd scripts && /usr/bin/python3 -m radz.predict --package ../assets/models/radz-tiny --variant int8 \\
        --nih-fold 1 --out ../build/int8.nih-fold1.json
    cd scripts && /usr/bin/python3 -m radz.predict --package ../assets/models/radz-tiny \\
        --mri-split assets/splits/brain_mri_test.csv --out ../build/fp32.mri-test.json

The graphs run in ONNX Runtime (onnxruntime-node, CPU) exactly as the core runs them: image ->
vision graph -> decoder -> feature; per finding cosine with the variant's anchor (float64 sum),
logit = scale * (cosine - threshold), probability = sigmoid(logit). `radz classify` and
`radz eval --save-results` on the same images must agree within the contract's tolerances, which
the core's tests check. Image `file` is the path relative to the data folder.

`plain_name_anchors` scores findings against anchors computed from the finding's name alone (the
DKAM template with the name as the description): the sanity row of docs/results/accuracy.md.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import sys

import numpy as np

from . import ort, quantize, splits, text
from .export import ORT_CONFIG, Runner
from .model import SpecialIds
from .preprocess import decode_grey, load_images
from .train import DEFAULT_DATA, REPO_ROOT

MRI_DEFAULT = "assets/splits/brain_mri_test.csv"


def sha256_file(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        h.update(f.read())
    return h.hexdigest()


class PackageVariant:
    """A variant of a package opened for prediction: manifest, embedding table, special ids, anchor table."""

    def __init__(self, package: str, variant: str):
        self.package = package
        self.variant = variant
        with open(os.path.join(package, "manifest.json"), "rb") as f:
            raw = f.read()
        self.manifest_sha256 = hashlib.sha256(raw).hexdigest()
        self.m = m = json.loads(raw)
        if variant not in m["variants"]:
            raise SystemExit(f"{package}/manifest.json: variants: no {variant!r} (found {sorted(m['variants'])})")
        v = m["variants"][variant]
        self.v = v
        d = m["dims"]
        blob = open(os.path.join(package, v["embeddings"]), "rb").read()
        self.table = (np.frombuffer(blob, dtype="<f4").reshape(d["vocab_size"], d["hidden_size"])
                      if v["embeddings_dtype"] == "float32"
                      else quantize.dequantize_embeddings_int8(blob, d["vocab_size"], d["hidden_size"]))
        st = m["special_tokens"]
        self.sp = SpecialIds(pad=st["pad"], bos=st["bos"], eos=-1, img_cls=st["img_cls"], txt_cls=st["txt_cls"],
                             modality=st["modality"])
        self.anchors_path = os.path.join(package, v["anchors"])
        with open(self.anchors_path) as f:
            self.anchor_table = json.load(f)
        self.max_text_tokens = m["sequence"]["max_text_tokens"]
        # Each modality's vision input side (docs/model-package.md section 2): input_size (format 3), else the
        # image section's.
        self.input_sizes = {x["id"]: int(x.get("input_size", m["image"]["width"])) for x in m["modalities"]}

    def runner(self, session) -> Runner:
        return Runner(session, os.path.join(self.package, self.v["vision"]), os.path.join(self.package, self.v["decoder"]),
                      self.table, self.sp, self.max_text_tokens)


def score(feature: np.ndarray, findings: list[dict]) -> list[dict]:
    """Section 6 of docs/model-package.md, for one image and the anchor-table findings of its modality."""
    f64 = feature.astype(np.float32).astype(np.float64)
    out = []
    for fd in findings:
        a = np.array(fd["anchor"], dtype=np.float32).astype(np.float64)
        c = float(np.sum(f64 * a))
        cal = fd["calibration"]
        z = cal["scale"] * (c - cal["threshold"])
        p = 1.0 / (1.0 + math.exp(-z)) if z >= -700 else 0.0
        out.append({"id": fd["id"], "display": fd["display"], "cosine": c, "logit": z, "probability": p,
                    "calibrated": cal["kind"] == "labels", "source": fd.get("source", "package")})
    return out


def results_document(pv: PackageVariant, images: list[dict], threads: int, anchors_source: str = "package",
                     anchors_sha: str | None = None, n_findings: int | None = None) -> dict:
    return {
        "schema": "radz-results", "schema_version": 0,
        "program": {"name": "recipe", "version": "0.1.0", "build": "onnxruntime-node"},
        "package": {"name": pv.m["name"], "manifest_sha256": pv.manifest_sha256, "variant": pv.variant},
        "backend": {"execution_provider": "cpu", "adapter": None, "threads": threads},
        "anchors": {"source": anchors_source, "sha256": anchors_sha or sha256_file(pv.anchors_path),
                    "findings": n_findings if n_findings is not None else len(pv.anchor_table["findings"])},
        "images": images,
    }


def image_list(data_dir: str, nih_folds: list[int] | None, mri_split: str | None) -> list[dict]:
    """[{file (relative to data_dir), modality}] for NIH rows of the folds, or the MRI split's rows."""
    out = []
    if nih_folds is not None:
        out += [{"file": "nih1000/" + r["path"], "modality": "cxr"} for r in splits.nih_rows(data_dir)
                if r["fold"] in nih_folds]
    if mri_split is not None:
        out += [{"file": "brain_mri/" + r["path"], "modality": "mri"}
                for r in splits.mri_rows(os.path.join(REPO_ROOT, mri_split))]
    return out


def predict(pv: PackageVariant, data_dir: str, images: list[dict], threads: int = 2, extra_findings=None,
            only_extra: bool = False, session=None) -> dict:
    """Results document for `images` (one modality per call is fastest; mixed lists work)."""
    cache = os.path.join(REPO_ROOT, "build", "cache")
    by_mod: dict = {}
    for i, im in enumerate(images):
        by_mod.setdefault(im["modality"], []).append(i)
    feats = [None] * len(images)

    def run_all(s):
        r = pv.runner(s)
        for mod, idx in by_mod.items():
            px = load_images(data_dir, [images[i]["file"] for i in idx], cache, pv.input_sizes[mod])
            f = r.image_features(px, mod)
            for k, i in enumerate(idx):
                feats[i] = f[k]

    if session is None:
        with ort.OrtSession(threads=threads, config=ORT_CONFIG) as s:
            run_all(s)
    else:
        run_all(session)
    table = [] if only_extra else list(pv.anchor_table["findings"])
    table += list(extra_findings or [])
    out = []
    for im, f in zip(images, feats):
        path = os.path.join(data_dir, im["file"])
        h, w = decode_grey(path).shape
        fds = [fd for fd in table if fd["modality"] == im["modality"]]
        out.append({"file": im["file"], "sha256": sha256_file(path), "modality": im["modality"], "width": int(w),
                    "height": int(h), "findings": score(f, fds)})
    return results_document(pv, out, threads, n_findings=len(table))


def plain_name_findings(pv: PackageVariant, ids: list[str], threads: int = 2, session=None) -> list[dict]:
    """Anchor-table entries for `ids`, their anchors from the DKAM template with the name as the only description.

    Calibration is the package's for the finding (for held-out findings: label-free, from the package's
    anchors' reference statistics), so probabilities are indicative; AUCs depend on the cosine only."""
    from . import bpe
    tok = bpe.BpeTokenizer.from_json(json.load(open(os.path.join(pv.package, pv.m["tokenizer"]["file"]))))
    display = {m["id"]: m["display"] for m in pv.m["modalities"]}
    by_id = {fd["id"]: fd for fd in pv.anchor_table["findings"]}
    texts, entries = [], []
    for fid in ids:
        fd = by_id[fid]
        texts.append(pv.m["dkam"]["template"].format(modality=display[fd["modality"]], name=fd["display"],
                                                     description=fd["display"] + "."))
        entries.append(fd)
    toks = [tok.encode(t) for t in texts]

    def run(s):
        a, _ = pv.runner(s).anchor_features(toks)
        return a

    if session is None:
        with ort.OrtSession(threads=threads, config=ORT_CONFIG) as s:
            anc = run(s)
    else:
        anc = run(session)
    out = []
    for fd, a, t in zip(entries, anc, texts):
        a = a.astype(np.float64)
        a = a / max(np.linalg.norm(a), 1e-12)
        out.append(dict(fd, anchor=[float(x) for x in a.astype(np.float32)], source="user", text=t))
    return out


def _round9(x):
    """Floats to 9 significant digits (round-trips float32; the schema's precision), recursively."""
    if isinstance(x, float):
        return float(f"{x:.9g}")
    if isinstance(x, dict):
        return {k: _round9(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_round9(v) for v in x]
    return x


def write_results(path: str, doc: dict) -> None:
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(_round9(doc), f, separators=(",", ":"))
        f.write("\n")
    os.replace(tmp, path)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--package", required=True)
    ap.add_argument("--variant", default="fp32")
    ap.add_argument("--data", default=DEFAULT_DATA)
    ap.add_argument("--nih-fold", default=None, help="NIH folds (comma-separated)")
    ap.add_argument("--mri-split", default=None, help="labels CSV relative to the repo root, e.g. " + MRI_DEFAULT)
    ap.add_argument("--plain-names", default=None, help="comma-separated finding ids scored with plain-name anchors only")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", required=True)
    args = ap.parse_args(argv)
    folds = None if args.nih_fold is None else [int(x) for x in args.nih_fold.split(",")]
    if folds is None and args.mri_split is None:
        ap.error("give --nih-fold and/or --mri-split")
    pv = PackageVariant(args.package, args.variant)
    ims = image_list(args.data, folds, args.mri_split)
    extra = plain_name_findings(pv, args.plain_names.split(","), args.threads) if args.plain_names else None
    doc = predict(pv, args.data, ims, args.threads, extra_findings=extra, only_extra=extra is not None)
    write_results(args.out, doc)
    print(f"{args.out}: {len(ims)} images, variant {args.variant}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
