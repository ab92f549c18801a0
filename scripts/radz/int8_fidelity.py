"""How far a quantized variant's cosines move from fp32's, and which part moves them: label-free.

    cd scripts && /usr/bin/python3 -m radz.int8_fidelity PACKAGE [--fold 1] [--out report.json]

PACKAGE is a built package (its fp32 graphs, embedding table, tokenizer and manifest are read). For
the NIH fold's images (default: the package's own held-out fold) and every finding of the package,
the cosine between the image's feature and the finding's anchor (the anchor recomputed from the
finding's descriptions by the same variant's decoder, as radz.export does) is computed for fp32 and for
each configuration below; the report is max and mean |cosine - fp32 cosine| over all images x findings
(chest findings), and the same over the held-out findings alone. No label is read: this measure may
choose how a package is quantized (never the held-out AUCs).

Configurations (each quantizes one part and leaves the rest fp32, then the combinations):
  embeddings   the int8 row-wise embedding table only
  vision       the vision graph, int8 weight-only (radz.quantize), all weights
  vision-noconv  the vision graph with its Conv weights kept float32 (keep_float Conv)
  decoder      the decoder graph, int8 weight-only
  all          vision + decoder + embeddings: the int8 variant as radz.export writes it today
  all-noconv   the same with the vision graph's Conv weights kept float32
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time

import numpy as np

from . import ort, quantize, text
from .export import ORT_CONFIG, Runner, dkam_text, package_findings
from .predict import PackageVariant, image_list
from .preprocess import load_images
from .train import DEFAULT_DATA, REPO_ROOT

CONFIGS = {
    # name: (vision: None | keep_float ops, decoder int8?, embeddings int8?)
    "embeddings": (None, False, True),
    "vision": ((), False, False),
    "vision-noconv": (("Conv",), False, False),
    "decoder": (None, True, False),
    "all": ((), True, True),
    "all-noconv": (("Conv",), True, True),
}


def cosines(run: Runner, pixels: np.ndarray, desc_tokens: list, findings: list[dict]) -> np.ndarray:
    """[images, findings] cosines of one configuration (chest findings, anchors as radz.export makes them)."""
    feats = run.image_features(pixels, "cxr").astype(np.float64)
    af, _ = run.anchor_features([t for _, t in desc_tokens])
    cols = []
    for f in findings:
        sel = [i for i, (fid, _) in enumerate(desc_tokens) if fid == f["id"]]
        m = af[sel].astype(np.float64).mean(axis=0)
        cols.append(feats @ (m / np.linalg.norm(m)))
    return np.stack(cols, axis=1)


def measure(package: str, fold: int | None, data_dir: str, configs: list[str], threads: int = 2) -> dict:
    pv = PackageVariant(package, "fp32")
    cfg = pv.m["recipe"]["config"]
    if fold is None:
        rest = [k for k in range(5) if k not in cfg["train_folds"]]
        fold = rest[0] if rest else 1
    held = set(cfg["held_out"])
    findings = [f for f in package_findings(cfg["held_out"]) if f["modality"] == "cxr"]
    from . import bpe
    tok = bpe.BpeTokenizer.from_file(os.path.join(package, pv.m["tokenizer"]["file"]))
    desc_tokens = [(f["id"], tok.encode(dkam_text(f, d))) for f in findings for d in text.DESCRIPTIONS[f["id"]]]
    ims = image_list(data_dir, [fold], None)
    pixels = load_images(data_dir, [im["file"] for im in ims], os.path.join(REPO_ROOT, "build", "cache"),
                         pv.input_sizes["cxr"])
    d = pv.m["dims"]
    emb8 = quantize.dequantize_embeddings_int8(quantize.quantize_embeddings_int8(pv.table), d["vocab_size"],
                                               d["hidden_size"])
    vision32 = os.path.join(package, pv.v["vision"])
    decoder32 = os.path.join(package, pv.v["decoder"])
    held_cols = [i for i, f in enumerate(findings) if f["id"] in held]
    report = {"package": os.path.relpath(package, REPO_ROOT), "fold": fold, "images": len(ims),
              "findings": [f["id"] for f in findings], "held_out": sorted(held), "configs": {}}
    with ort.OrtSession(threads=threads, config=ORT_CONFIG) as s, tempfile.TemporaryDirectory() as tmp:
        ref = cosines(Runner(s, vision32, decoder32, pv.table, pv.sp, pv.max_text_tokens), pixels, desc_tokens, findings)
        dec8 = os.path.join(tmp, "decoder.int8.onnx")
        quantize.quantize_int8(decoder32, dec8)
        for name in configs:
            t0 = time.time()
            keep, dq, eq = CONFIGS[name]
            vis = vision32
            if keep is not None:
                vis = os.path.join(tmp, f"vision.{name}.onnx")
                quantize.quantize_int8(vision32, vis, keep_float=keep)
            run = Runner(s, vis, dec8 if dq else decoder32, emb8 if eq else pv.table, pv.sp, pv.max_text_tokens)
            diff = np.abs(cosines(run, pixels, desc_tokens, findings) - ref)
            report["configs"][name] = {
                "max_abs_cosine_diff": float(diff.max()), "mean_abs_cosine_diff": float(diff.mean()),
                "held_out_max_abs_cosine_diff": float(diff[:, held_cols].max()) if held_cols else None,
                "held_out_mean_abs_cosine_diff": float(diff[:, held_cols].mean()) if held_cols else None,
                "vision_bytes": os.path.getsize(vis), "seconds": round(time.time() - t0, 1)}
            print(f"{name:14s} max |d cos| {diff.max():.4f}  mean {diff.mean():.5f}"
                  + (f"  held-out max {diff[:, held_cols].max():.4f} mean {diff[:, held_cols].mean():.5f}"
                     if held_cols else "") + f"  vision {os.path.getsize(vis)} bytes", flush=True)
    return report


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("package")
    ap.add_argument("--fold", type=int, default=None, help="NIH fold whose images are used (default: the package's "
                                                           "held-out fold)")
    ap.add_argument("--data", default=DEFAULT_DATA)
    ap.add_argument("--configs", default=",".join(CONFIGS), help=f"comma-separated, of {', '.join(CONFIGS)}")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", default=None, help="write the report (JSON) here")
    args = ap.parse_args(argv)
    configs = [c for c in args.configs.split(",") if c]
    bad = [c for c in configs if c not in CONFIGS]
    if bad:
        raise SystemExit(f"--configs: unknown {', '.join(bad)} (expected among {', '.join(CONFIGS)})")
    if not os.path.exists(os.path.join(args.package, "manifest.json")):
        raise SystemExit(f"{args.package}: no manifest.json (expected a built package folder)")
    rep = measure(os.path.abspath(args.package), args.fold, os.path.abspath(args.data), configs, args.threads)
    if args.out:
        with open(args.out, "w") as f:
            json.dump(rep, f, indent=1)
            f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
