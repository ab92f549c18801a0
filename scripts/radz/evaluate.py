"""Zero-shot evaluation of a package on held-out images, through its graphs in ONNX Runtime.

    cd scripts && /usr/bin/python3 -m radz.evaluate --package ../build/quick-package [--variant int8] [--out eval.json]

Chest X-ray: NIH `nih1000` fold(s) not used in training (default fold 1), per-finding AUC of the
cosine to the finding's anchor (No_Finding: label = no other finding, left out of the mean;
held-out findings reported apart). Brain MRI: the test split, top-1 accuracy (largest logit)
and per-class AUC. Mean AUCs come with a 95% bootstrap interval over images.
"""
from __future__ import annotations

import argparse
import json
import os
import sys

import numpy as np

from . import ort, quantize, splits
from .export import ORT_CONFIG, Runner
from .model import SpecialIds
from .preprocess import load_images
from .train import DEFAULT_DATA, NIH_FINDINGS, REPO_ROOT


def auc(score: np.ndarray, y: np.ndarray) -> float | None:
    """Mann-Whitney AUC with ties counted half; None when one class is absent."""
    pos, neg = int(y.sum()), int(len(y) - y.sum())
    if pos == 0 or neg == 0:
        return None
    order = np.argsort(score, kind="stable")
    s = score[order]
    ranks = np.empty(len(s))
    i = 0
    while i < len(s):
        j = i
        while j + 1 < len(s) and s[j + 1] == s[i]:
            j += 1
        ranks[i:j + 1] = (i + j) / 2 + 1
        i = j + 1
    r = np.empty(len(s))
    r[order] = ranks
    return float((r[y == 1].sum() - pos * (pos + 1) / 2) / (pos * neg))


def mean_auc_ci(scores: np.ndarray, labels: np.ndarray, n_boot: int = 200, seed: int = 0):
    """Mean over columns of AUC, and a 95% bootstrap interval over rows."""
    def mean(idx):
        vals = [auc(scores[idx, k], labels[idx, k]) for k in range(scores.shape[1])]
        vals = [v for v in vals if v is not None]
        return float(np.mean(vals)) if vals else float("nan")
    rng = np.random.default_rng(seed)
    full = mean(np.arange(len(scores)))
    boots = [mean(rng.integers(0, len(scores), len(scores))) for _ in range(n_boot)]
    return full, [float(np.nanpercentile(boots, 2.5)), float(np.nanpercentile(boots, 97.5))]


def evaluate(package: str, variant: str, data_dir: str, folds: list[int], mri_test: str, threads: int = 2) -> dict:
    with open(os.path.join(package, "manifest.json")) as f:
        m = json.load(f)
    v = m["variants"][variant]
    d = m["dims"]
    V, D = d["vocab_size"], d["hidden_size"]
    blob = open(os.path.join(package, v["embeddings"]), "rb").read()
    table = (np.frombuffer(blob, dtype="<f4").reshape(V, D) if v["embeddings_dtype"] == "float32"
             else quantize.dequantize_embeddings_int8(blob, V, D))
    st = m["special_tokens"]
    sp = SpecialIds(pad=st["pad"], bos=st["bos"], eos=-1, img_cls=st["img_cls"], txt_cls=st["txt_cls"],
                    modality=st["modality"])
    with open(os.path.join(package, v["anchors"])) as f:
        at = json.load(f)
    cache = os.path.join(REPO_ROOT, "build", "cache")
    nih = [r for r in splits.nih_rows(data_dir) if r["fold"] in folds]
    mri = splits.mri_rows(os.path.join(REPO_ROOT, mri_test))
    px_nih = load_images(data_dir, ["nih1000/" + r["path"] for r in nih], cache)
    px_mri = load_images(data_dir, ["brain_mri/" + r["path"] for r in mri], cache)
    with ort.OrtSession(threads=threads, config=ORT_CONFIG) as s:
        run = Runner(s, os.path.join(package, v["vision"]), os.path.join(package, v["decoder"]), table, sp,
                     m["sequence"]["max_text_tokens"])
        f_nih = run.image_features(px_nih, "cxr").astype(np.float64)
        f_mri = run.image_features(px_mri, "mri").astype(np.float64)
    out = {"package": m["name"], "variant": variant, "cxr": {"folds": folds, "images": len(nih), "findings": {}},
           "mri": {"split": mri_test, "images": len(mri), "findings": {}}}
    cx = [f for f in at["findings"] if f["modality"] == "cxr"]
    scores, labels, held_s, held_l = [], [], [], []
    for f in cx:
        c = f_nih @ np.array(f["anchor"], dtype=np.float64)
        if f["id"] == "No_Finding":
            y = np.array([1.0 if not any(r[k] for k in NIH_FINDINGS) else 0.0 for r in nih])
        elif f["id"] in NIH_FINDINGS:
            y = np.array([float(r[f["id"]]) for r in nih])
        else:
            continue
        a = auc(c, y)
        out["cxr"]["findings"][f["id"]] = {"auc": a, "positives": int(y.sum()), "held_out": f["held_out"]}
        if f["id"] != "No_Finding" and a is not None:
            (held_s if f["held_out"] else scores).append(c)
            (held_l if f["held_out"] else labels).append(y)
    if scores:
        out["cxr"]["mean_auc_seen"], out["cxr"]["mean_auc_seen_ci95"] = mean_auc_ci(np.stack(scores, 1), np.stack(labels, 1))
    if held_s:
        out["cxr"]["mean_auc_held_out"], out["cxr"]["mean_auc_held_out_ci95"] = mean_auc_ci(np.stack(held_s, 1),
                                                                                         np.stack(held_l, 1))
    mf = [f for f in at["findings"] if f["modality"] == "mri"]
    logits = np.stack([f["calibration"]["scale"] * (f_mri @ np.array(f["anchor"], dtype=np.float64)
                                                    - f["calibration"]["threshold"]) for f in mf], 1)
    truth = np.array([[1.0 if r["label"] == f["id"] else 0.0 for f in mf] for r in mri])
    out["mri"]["top1_accuracy"] = float(np.mean(np.argmax(logits, 1) == np.argmax(truth, 1)))
    for k, f in enumerate(mf):
        cos = f_mri @ np.array(f["anchor"], dtype=np.float64)
        out["mri"]["findings"][f["id"]] = {"auc": auc(cos, truth[:, k]), "positives": int(truth[:, k].sum())}
    out["mri"]["mean_auc"], out["mri"]["mean_auc_ci95"] = mean_auc_ci(
        np.stack([f_mri @ np.array(f["anchor"], dtype=np.float64) for f in mf], 1), truth)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--package", required=True)
    ap.add_argument("--variant", default="fp32")
    ap.add_argument("--data", default=DEFAULT_DATA)
    ap.add_argument("--folds", default="1", help="NIH folds to evaluate on (comma-separated)")
    ap.add_argument("--mri-test-split", default="assets/splits/brain_mri_test.csv")
    ap.add_argument("--out", default=None, help="write the figures as JSON here")
    args = ap.parse_args(argv)
    r = evaluate(args.package, args.variant, args.data, [int(x) for x in args.folds.split(",")], args.mri_test_split)
    if args.out:
        with open(args.out, "w") as f:
            json.dump(r, f, indent=1)
    c = r["cxr"]
    for fid, x in c["findings"].items():
        a = "  n/a" if x["auc"] is None else f"{x['auc']:.3f}"
        print(f"cxr {fid:20s} AUC {a} ({x['positives']} positives){' held out' if x['held_out'] else ''}")
    if "mean_auc_seen" in c:
        print(f"cxr mean AUC, seen findings: {c['mean_auc_seen']:.3f} (95% CI {c['mean_auc_seen_ci95'][0]:.3f}-"
              f"{c['mean_auc_seen_ci95'][1]:.3f}), {c['images']} images of folds {c['folds']}")
    if "mean_auc_held_out" in c:
        print(f"cxr mean AUC, held-out findings: {c['mean_auc_held_out']:.3f} (95% CI {c['mean_auc_held_out_ci95'][0]:.3f}-"
              f"{c['mean_auc_held_out_ci95'][1]:.3f})")
    mr = r["mri"]
    for fid, x in mr["findings"].items():
        print(f"mri {fid:20s} AUC {x['auc']:.3f} ({x['positives']} images)")
    print(f"mri top-1 accuracy {mr['top1_accuracy']:.3f}, mean AUC {mr['mean_auc']:.3f} "
          f"(95% CI {mr['mean_auc_ci95'][0]:.3f}-{mr['mean_auc_ci95'][1]:.3f}), {mr['images']} test images")
    return 0


if __name__ == "__main__":
    sys.exit(main())
