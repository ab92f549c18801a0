"""Per-image results of every variant of a package on its held-out images, and the AUCs computed from them.

    cd scripts && /usr/bin/python3 -m radz.package_results --package ../assets/models/radz-tiny

Writes into OUT (default: PACKAGE-results beside the package), for each variant V:
  V.nih-fold1.json   results schema, the NIH fold(s) the package did not train on (name: the folds)
  V.mri-test.json    results schema, the brain MRI test split
  V.eval.json        the recipe's figures from those files: per finding AUC and positives, MRI top-1

`tests/test_recipe_results.sh` runs `radz eval --save-results` on the same images and checks,
with `radz compare`, the per-image probabilities (1e-4) and the AUCs against V.eval.json.
"""
from __future__ import annotations

import argparse
import json
import os
import sys

import numpy as np

from . import metrics, ort, splits
from .export import ORT_CONFIG
from .predict import PackageVariant, image_list, predict, write_results
from .train import DEFAULT_DATA, NIH_FINDINGS, REPO_ROOT


def nih_labels(data_dir: str) -> dict:
    """path relative to the data folder -> row of nih1000/labels.csv."""
    return {"nih1000/" + r["path"]: r for r in splits.nih_rows(data_dir)}


def mri_labels(split: str) -> dict:
    return {"brain_mri/" + r["path"]: r["label"] for r in splits.mri_rows(os.path.join(REPO_ROOT, split))}


def finding_label(row: dict, fid: str) -> float:
    if fid == "No_Finding":
        return 0.0 if any(row[k] for k in NIH_FINDINGS) else 1.0
    return float(row[fid])


def cxr_figures(doc: dict, labels: dict) -> dict:
    """Per finding AUC (of the logit; the cosine gives the same ranking) and positives."""
    out = {}
    ims = [im for im in doc["images"] if "findings" in im]
    if not ims:
        return out
    for k, fd in enumerate(ims[0]["findings"]):
        fid = fd["id"]
        if fid != "No_Finding" and fid not in NIH_FINDINGS:
            continue
        y = np.array([finding_label(labels[im["file"]], fid) for im in ims])
        s = np.array([im["findings"][k]["logit"] for im in ims])
        out[fid] = {"auc": metrics.auc(s, y), "positives": int(y.sum()), "calibrated": fd["calibrated"]}
    return out


def mri_figures(doc: dict, labels: dict) -> dict:
    ims = [im for im in doc["images"] if "findings" in im]
    ids = [fd["id"] for fd in ims[0]["findings"]]
    logits = np.array([[fd["logit"] for fd in im["findings"]] for im in ims])
    truth = np.array([ids.index(labels[im["file"]]) for im in ims])
    top1 = np.argmax(logits, axis=1)
    per = {fid: {"auc": metrics.auc(logits[:, k], truth == k), "positives": int(np.sum(truth == k))}
           for k, fid in enumerate(ids)}
    confusion = [[int(np.sum((truth == a) & (top1 == b))) for b in range(len(ids))] for a in range(len(ids))]
    return {"top1_accuracy": float(np.mean(top1 == truth)), "findings": per, "classes": ids, "confusion": confusion,
            "mean_auc": float(np.mean([v["auc"] for v in per.values()]))}


def write_package_results(package: str, out_dir: str, data_dir: str, nih_folds: list[int], mri_split: str,
                          threads: int = 2, log=print) -> dict:
    with open(os.path.join(package, "manifest.json")) as f:
        variants = list(json.load(f)["variants"])
    os.makedirs(out_dir, exist_ok=True)
    tag = "nih-fold" + "-".join(map(str, nih_folds))
    nl, ml = nih_labels(data_dir), mri_labels(mri_split)
    summary = {}
    with ort.OrtSession(threads=threads, config=ORT_CONFIG) as s:
        for v in variants:
            pv = PackageVariant(package, v)
            nih = predict(pv, data_dir, image_list(data_dir, nih_folds, None), threads, session=s)
            mri = predict(pv, data_dir, image_list(data_dir, None, mri_split), threads, session=s)
            write_results(os.path.join(out_dir, f"{v}.{tag}.json"), nih)
            write_results(os.path.join(out_dir, f"{v}.mri-test.json"), mri)
            ev = {"package": pv.m["name"], "manifest_sha256": pv.manifest_sha256, "variant": v,
                  "cxr": {"folds": nih_folds, "images": len(nih["images"]), "findings": cxr_figures(nih, nl)},
                  "mri": dict({"split": mri_split, "images": len(mri["images"])}, **mri_figures(mri, ml))}
            with open(os.path.join(out_dir, f"{v}.eval.json"), "w") as f:
                json.dump(ev, f, indent=1)
                f.write("\n")
            summary[v] = ev
            log(f"results {v}: {len(nih['images'])} NIH + {len(mri['images'])} MRI images, "
                f"MRI top-1 {ev['mri']['top1_accuracy']:.3f} -> {out_dir}")
    return summary


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--package", required=True)
    ap.add_argument("--out", default=None, help="default: PACKAGE-results beside the package")
    ap.add_argument("--data", default=DEFAULT_DATA)
    ap.add_argument("--nih-folds", default=None, help="default: the folds the package's recipe did not train on")
    ap.add_argument("--mri-test-split", default="assets/splits/brain_mri_test.csv")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args(argv)
    package = os.path.abspath(args.package)
    if args.nih_folds:
        folds = [int(x) for x in args.nih_folds.split(",")]
    else:
        with open(os.path.join(package, "manifest.json")) as f:
            trained = json.load(f)["recipe"]["config"]["train_folds"]
        folds = [k for k in range(5) if k not in trained] or [1]
    write_package_results(package, args.out or package.rstrip("/") + "-results", args.data, folds,
                          args.mri_test_split, args.threads)
    return 0


if __name__ == "__main__":
    sys.exit(main())
