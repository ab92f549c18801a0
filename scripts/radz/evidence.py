"""The evidence for a package's scores: evidence.json (docs/model-package.md section 10).

    cd scripts && /usr/bin/python3 -m radz.evidence --package ../assets/models/radz-tiny --oof ../docs/results/oof \\
        --mri-results ../assets/models/radz-tiny-results

Every package the recipe builds has evidence.json from its calibration fit (radz.export calls
write_calibration_evidence): per variant, per finding calibrated with labels, the slope of the
logistic fit before the calibration's 0.001 floor, with the training positives and images.

This command replaces that, per variant, with measured skill on images the model never saw:
  --oof DIR          the pooled 5-fold out-of-fold predictions (radz.oof; DIR/fold*.V.json and
                     fold*.meta.json): per chest X-ray finding (held-out ones included) the AUC of
                     the pooled logits with its 95% patient-bootstrap interval and positives,
                     computed by radz.report's Pool and radz.metrics (the same figures as
                     docs/results/accuracy.md). The evaluation must include this package's model
                     (its weights sha256 is one of the folds').
  --mri-results DIR  the package's own results on the brain MRI test split (radz.package_results:
                     DIR/V.mri-test.json): per class one-vs-rest AUC, images resampled.
Then rewrites evidence.json and its entry in manifest.json (size, sha256; a version-0 manifest
becomes version 1). No score, anchor or calibration changes; the anchor tables keep their bytes.
The core decides from these figures which findings are no_signal (`radz info` lists them).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys

import numpy as np

from . import metrics

FORMAT = "radz-evidence"
N_BOOT = 1000
BOOT_SEED = 0
SOURCES = {
    "calibration_fit": "slope of the logistic fit of the training images' labels on the cosine (radz.export), "
                       "before the calibration's 0.001 floor: the training data, not an evaluation",
}


def _sha256(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _write(path: str, doc: dict) -> None:
    from .export import write_json
    write_json(path, doc)


def write_calibration_evidence(package: str, name: str, fits: dict) -> str:
    """evidence.json from the calibration fit. fits: variant -> [{modality, id, slope, positives, images}]."""
    doc = {"format": FORMAT, "format_version": 0, "package": name, "sources": {
        "calibration_fit": {"description": SOURCES["calibration_fit"], "command": "radz.export (radz.build)"}},
        "variants": {}}
    for v, entries in fits.items():
        doc["variants"][v] = {
            "anchors": f"anchors.{v}.json", "anchors_sha256": _sha256(os.path.join(package, f"anchors.{v}.json")),
            "findings": [{"modality": e["modality"], "id": e["id"], "source": "calibration_fit", "slope": e["slope"],
                          "positives": e["positives"], "images": e["images"]} for e in entries]}
    path = os.path.join(package, "evidence.json")
    _write(path, doc)
    return path


def oof_evidence(oof_dir: str, data_dir: str, weights_sha256: str | None, variants: list[str]) -> tuple[dict, dict]:
    """(variant -> {finding id -> entry}, source) from the pooled out-of-fold predictions."""
    from .package_results import nih_labels
    from .report import Pool
    metas = {}
    for f in range(5):
        p = os.path.join(oof_dir, f"fold{f}.meta.json")
        if os.path.exists(p):
            with open(p) as fh:
                metas[f] = json.load(fh)
    if len(metas) < 5:
        raise SystemExit(f"{oof_dir}: {len(metas)} of 5 folds done (fold*.meta.json): finish scripts/oof.sh first")
    folds = sorted(metas)
    if weights_sha256 and weights_sha256 not in {m["weights_sha256"] for m in metas.values()}:
        raise SystemExit(f"{oof_dir}: the out-of-fold evaluation does not include this package's model "
                         f"(weights {weights_sha256[:12]}...; folds: "
                         + ", ".join(m["weights_sha256"][:12] for m in metas.values()) + ")")
    labels = nih_labels(data_dir)
    out = {}
    for v in variants:
        docs = []
        for f in folds:
            p = os.path.join(oof_dir, f"fold{f}.{v}.json")
            if not os.path.exists(p):
                raise SystemExit(f"{p}: missing (the out-of-fold predictions of variant {v})")
            with open(p) as fh:
                docs.append(json.load(fh))
        pool = Pool(docs, labels)
        out[v] = {}
        for fid in pool.ids:
            a = pool.auc(fid)
            if a is None:
                continue
            lo, hi = metrics.group_bootstrap(pool.patient, lambda i, fid=fid: pool.auc(fid, i), N_BOOT, BOOT_SEED)
            if np.isnan(lo):
                continue
            out[v][fid] = {"modality": "cxr", "id": fid, "source": "oof", "auc": a, "auc_ci": [lo, hi],
                           "positives": int(pool.y[fid].sum()), "images": len(pool.files)}
        n_img, n_pat = len(pool.files), len(set(pool.patient.tolist()))
    rel = os.path.relpath(oof_dir, os.path.join(os.path.dirname(__file__), "..", "..")).replace(os.sep, "/")
    source = {"description": f"pooled {len(folds)}-fold out-of-fold evaluation, NIH nih1000 ({n_img} images, {n_pat} "
                             f"patients; {rel}/): AUC of the pooled logits, 95% CI from {N_BOOT} patient-bootstrap "
                             f"resamples (seed {BOOT_SEED}); measures the recipe, this model is one of the "
                             f"{len(folds)} fold models",
              "command": "radz.evidence --oof " + rel}
    return out, source


def mri_evidence(results_dir: str, variants: list[str]) -> tuple[dict, dict]:
    """(variant -> {class id -> entry}, source) from the package's own results on the brain MRI test split."""
    from .package_results import mri_labels
    split = "assets/splits/brain_mri_test.csv"
    truth_of = mri_labels(split)
    out = {}
    for v in variants:
        p = os.path.join(results_dir, f"{v}.mri-test.json")
        if not os.path.exists(p):
            raise SystemExit(f"{p}: missing (radz.package_results writes it)")
        with open(p) as fh:
            ims = [im for im in json.load(fh)["images"] if "findings" in im]
        ids = [fd["id"] for fd in ims[0]["findings"]]
        logit = np.array([[fd["logit"] for fd in im["findings"]] for im in ims])
        truth = np.array([ids.index(truth_of[im["file"]]) for im in ims])
        rows = np.arange(len(ims))
        out[v] = {}
        for k, fid in enumerate(ids):
            y = truth == k
            a = metrics.auc(logit[:, k], y)
            if a is None:
                continue
            lo, hi = metrics.group_bootstrap(rows, lambda i, k=k, y=y: metrics.auc(logit[i, k], y[i]), N_BOOT, BOOT_SEED)
            out[v][fid] = {"modality": "mri", "id": fid, "source": "mri_test", "auc": a, "auc_ci": [lo, hi],
                           "positives": int(y.sum()), "images": len(ims)}
    source = {"description": f"this model on the brain MRI test split ({split}, {len(ims)} images): one class vs the "
                             f"rest, 95% CI from {N_BOOT} image-bootstrap resamples (seed {BOOT_SEED})",
              "command": "radz.evidence --mri-results"}
    return out, source


def update_manifest(package: str) -> dict:
    """evidence.json's files entry (size, sha256, role evidence) and the version-1 keys."""
    mpath = os.path.join(package, "manifest.json")
    with open(mpath) as fh:
        m = json.load(fh)
    path = os.path.join(package, "evidence.json")
    entry = {"path": "evidence.json", "sha256": _sha256(path), "size": os.path.getsize(path), "role": "evidence"}
    files = [f for f in m["files"] if f["path"] != "evidence.json"] + [entry]
    files.sort(key=lambda f: f["path"])
    out = {}
    for k, val in m.items():           # keep the key order; version 1 adds "evidence"
        out[k] = files if k == "files" else (max(1, val) if k == "format_version" else val)
    out["evidence"] = {"file": "evidence.json"}
    _write(mpath, out)
    return out


def main(argv=None) -> int:
    from .train import DEFAULT_DATA
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--package", required=True)
    ap.add_argument("--oof", help="out-of-fold predictions folder (docs/results/oof)")
    ap.add_argument("--mri-results", help="the package's results folder with V.mri-test.json")
    ap.add_argument("--data", default=DEFAULT_DATA)
    args = ap.parse_args(argv)
    if not args.oof and not args.mri_results:
        ap.error("nothing to add: give --oof and/or --mri-results")
    pkg = args.package
    with open(os.path.join(pkg, "manifest.json")) as fh:
        manifest = json.load(fh)
    variants = list(manifest["variants"])
    path = os.path.join(pkg, "evidence.json")
    if os.path.exists(path):
        with open(path) as fh:
            doc = json.load(fh)
    else:                               # a version-0 package: start from no evidence
        doc = {"format": FORMAT, "format_version": 0, "package": manifest["name"], "sources": {}, "variants": {}}
    measured = []
    if args.oof:
        measured.append(("oof",) + oof_evidence(args.oof, args.data, manifest["recipe"].get("weights_sha256"), variants))
    if args.mri_results:
        measured.append(("mri_test",) + mri_evidence(args.mri_results, variants))
    for key, _, source in measured:
        doc["sources"][key] = source
    for v in variants:
        anchors = manifest["variants"][v]["anchors"]
        with open(os.path.join(pkg, anchors)) as fh:
            order = [(f["modality"], f["id"]) for f in json.load(fh)["findings"]]
        old = {(e["modality"], e["id"]): e for e in doc["variants"].get(v, {}).get("findings", [])}
        for _, per_variant, _ in measured:
            for fid, e in per_variant[v].items():
                old[(e["modality"], fid)] = e
        doc["variants"][v] = {"anchors": anchors, "anchors_sha256": _sha256(os.path.join(pkg, anchors)),
                              "findings": [old[k] for k in order if k in old]}
    used = {e["source"] for vv in doc["variants"].values() for e in vv["findings"]}
    doc["sources"] = {k: s for k, s in doc["sources"].items() if k in used}
    _write(path, doc)
    update_manifest(pkg)
    for v in variants:
        print(f"{v}: " + ", ".join(f"{e['id']} {e['auc']:.3f} ({e['auc_ci'][0]:.3f}-{e['auc_ci'][1]:.3f})"
                                   if "auc" in e else f"{e['id']} slope {e['slope']:.3g}"
                                   for e in doc["variants"][v]["findings"]))
    print(f"wrote {path} and its manifest entry (`radz info` lists the findings the core marks no_signal)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
