"""One command from data to a complete model package: train -> export -> quantize -> check -> golden -> manifest.

    cd scripts && /usr/bin/python3 -m radz.build --quick --out ../build/quick-package
    cd scripts && /usr/bin/python3 -m radz.build --out ../build/radz-tiny          (full config, about an hour)

OUT is the package folder (overwritten). Per-image results of every variant on the held-out NIH
fold(s) and the brain MRI test split go to OUT-results/ (radz.package_results; committed for the
shipped model, the core's tests compare against them). Work files (training output with checkpoints, the
export check report) go to --work, by default OUT-work/ beside it (ignored by git under
assets/models/), never into the package. --resume continues
training from the last checkpoint in OUT-work/train.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import shutil
import subprocess
import sys
import time

from . import train as train_mod
from . import text
from .train import REPO_ROOT, DEFAULT_DATA

FORMAT = "radz-model-package"
ROLES = (("tokenizer.json", "tokenizer"), ("vision.", "vision"), ("decoder.", "decoder"), ("embeddings.", "embeddings"),
         ("anchors.", "anchors"), ("reference.", "reference"), ("golden/", "golden"), ("README.md", "doc"),
         ("evidence.json", "evidence"), ("modality.", "modality"))
FORMAT_VERSION = 2   # docs/model-package.md: version 1 adds evidence.json (section 10), 2 the modality head (11)
FORMAT_VERSION_INPUT_SIZE = 3   # version 3 adds modalities[].input_size: written only when a modality's is not 64

MODEL_CARD = """# {name}

{description}

RadZ scores a chest X-ray or a brain MRI slice against findings described in words: each
finding's anchor is computed from its descriptions by the model's own decoder (DKAM), and the
image's global feature is compared with it (cosine, then a calibrated logistic). New findings
need only new descriptions.

## Model

- Vision encoder: {vision}, projector to {p} image tokens of width {d}.
- Decoder: {nl}-layer causal transformer (width {d}, {nh} heads, {ml} positions), byte-level BPE
  of {v} tokens; features pooled at {k} learned `<ImgCls>`/`<TxtCls>` tokens from layer {fl}
  (the exported decoder stops there), global features of width {e}.
- Variants: fp32, int8 (weight-only, per channel), int4 (MatMulNBits, block 32); convolution
  weights stay float32 in both.

## Training

Stage 1: language-model pre-training on generated radiology-style reports and finding
descriptions. Stage 2: alignment with {stage2}: symmetric InfoNCE on global image/report features (multi-positive for equal
label sets), a local-feature loss, and a category-guided loss towards the DKAM anchors{sep}.
{sampling} Reports are generated from the image labels (the NIH reports are not public).

- Chest X-ray: NIH ChestX-ray14 subset `nih1000`, folds {folds} (by patient); fold 1 is held
  out for evaluation.
- Brain MRI: Kaggle "Brain Tumor MRI Dataset", the project's training split
  (`assets/splits/brain_mri_train.csv`, near-duplicates kept on one side).
- Findings held out of training entirely (no text, no positive images): {held_out}. Their
  operating points are label-free (shown as uncalibrated).
{quick_note}
Recipe: `{command}` (seed {seed}); the full configuration is in `manifest.json`.

## Intended use and limits

A research and teaching demonstration of zero-shot recognition with a small multimodal
model. **Not a medical device; not for diagnosis.** Inputs are reduced to grey pixels ({sizes});
the training sets are tiny (1,000 chest X-rays from 264 patients); labels were mined from
reports by NIH and are noisy; figures on `nih1000` differ from each other by noise below about
0.05 AUC. Probabilities are calibrated on training images only where marked "calibrated".

## Attribution

- Chest X-rays: NIH Clinical Center, https://nihcc.app.box.com/v/ChestXray-NIHCC ; Wang X, Peng Y,
  Lu L, Lu Z, Bagheri M, Summers RM. "ChestX-ray8: Hospital-scale Chest X-ray Database and
  Benchmarks on Weakly-Supervised Classification and Localization of Common Thorax Diseases."
  CVPR 2017.
- Brain MRI: Msoud Nickparvar, "Brain Tumor MRI Dataset", Kaggle, 2021 (CC0); Jun Cheng et al.,
  figshare brain tumor dataset (CC BY 4.0); SARTAJ; Br35H.
"""


def vision_text(mc: dict) -> str:
    if mc.get("vision_arch", "vit") == "cnn":
        w = mc["cnn_widths"]
        return (f"a plain CNN (stride-2 stem, four stages of two conv-BatchNorm-ReLU, widths "
                f"{', '.join(map(str, w))}) to a {mc['grid']}x{mc['grid']} grid (block means for inputs above 64 px)")
    return f"conv stem to an {mc['grid']}x{mc['grid']} grid + {mc['vision_layers']}-layer transformer (width {mc['vision_width']})"


def stage2_text(cfg, mc: dict) -> str:
    if cfg.stage2_decoder == "full":
        return (f"the decoder's blocks and norms learning (its learned positions frozen) and LoRA (rank "
                f"{mc['lora_rank']}) on its attention and MLP")
    return f"the decoder frozen and LoRA (rank {mc['lora_rank']}) on its attention and MLP"


def sampling_text(cfg) -> str:
    cxr = ("Chest X-rays are drawn each epoch weighted 1/(images of their patient), as many draws as images"
           if cfg.cxr_sampling == "patient" else "Every chest X-ray is seen once per epoch")
    mri = ("as many brain MRI slices as chest X-rays" if cfg.mri_match_cxr
           else f"{cfg.mri_per_epoch} brain MRI slices" if cfg.mri_per_epoch else "every brain MRI slice")
    return f"{cxr}; {mri} per epoch."


def role_of(path: str) -> str:
    for prefix, role in ROLES:
        if path == prefix or path.startswith(prefix):
            return role
    raise SystemExit(f"{path}: no role for this package file")


def git_commit() -> str | None:
    try:
        out = subprocess.run(["git", "-C", REPO_ROOT, "rev-parse", "HEAD"], capture_output=True, text=True, check=True)
        return out.stdout.strip() or None
    except (OSError, subprocess.CalledProcessError):
        return None


def write_manifest(package: str, info: dict, recipe: dict, golden: dict, name: str, description: str,
                   modality_head: dict) -> dict:
    from .export import sha256_file, write_json
    files = []
    for root, _, names in os.walk(package):
        for n in names:
            rel = os.path.relpath(os.path.join(root, n), package).replace(os.sep, "/")
            if rel == "manifest.json":
                continue
            p = os.path.join(package, rel)
            files.append({"path": rel, "sha256": sha256_file(p), "size": os.path.getsize(p), "role": role_of(rel)})
    files.sort(key=lambda f: f["path"])
    mc = info["model"]
    sizes = info.get("input_sizes", {})
    modalities = []
    for m in text.MODALITIES:
        m = dict(m)
        if sizes.get(m["id"], 64) != 64:
            m["input_size"] = sizes[m["id"]]
        modalities.append(m)
    version = FORMAT_VERSION_INPUT_SIZE if any("input_size" in m for m in modalities) else FORMAT_VERSION
    manifest = {
        "format": FORMAT, "format_version": version, "name": name, "description": description,
        "recipe": recipe,
        "files": files,
        "image": {"width": 64, "height": 64, "channels": 1, "grey": "pil-L", "resize": "area-exact", "max_side": 8192,
                  "max_file_bytes": 67108864},
        "tokenizer": {"file": "tokenizer.json"},
        "special_tokens": info["special_tokens"],
        "sequence": {"max_length": mc["max_length"], "max_text_tokens": info["max_text_tokens"]},
        "dims": {"hidden_size": mc["hidden_size"], "feature_dim": mc["feature_dim"], "vocab_size": mc["vocab_size"],
                 "image_tokens": mc["grid"] * mc["grid"], "n_layers": mc["n_layers"],
                 "feature_layer": mc["feature_layer"] if mc["feature_layer"] > 0 else max(1, mc["n_layers"] - 1)},
        "modalities": modalities,
        "dkam": {"template": text.DKAM_TEMPLATE},
        "variants": info["variants"],
        "default_variant": "fp32",
        "golden": golden,
        "evidence": {"file": "evidence.json"},
        "modality_head": modality_head,
    }
    write_json(os.path.join(package, "manifest.json"), manifest)
    return manifest


def recipe_command(argv: list[str], package: str) -> str:
    """The command line as run from scripts/, with the output and data folders relative (no machine paths)."""
    out, skip = [], False
    for a in argv:
        if skip:
            skip = False
            continue
        if a == "--out":
            skip = True
            continue
        if a.startswith("--out="):
            continue
        out.append(a)
    # --data: dropped when it is the default folder, else written relative to scripts/.
    for i, a in enumerate(out):
        if a == "--data" and i + 1 < len(out):
            data = os.path.abspath(out[i + 1])
            out[i:i + 2] = ([] if os.path.realpath(data) == os.path.realpath(DEFAULT_DATA) else
                            ["--data", os.path.relpath(data, os.path.join(REPO_ROOT, "scripts")).replace(os.sep, "/")])
            break
    rel = os.path.relpath(package, REPO_ROOT).replace(os.sep, "/")
    return "cd scripts && python3 -m radz.build " + " ".join(out + ["--out", "../" + rel])


def work_dir(package: str, explicit: str | None) -> str:
    """Where training output and reports go: --work, else OUT-work/ beside the package."""
    return os.path.abspath(explicit) if explicit else package.rstrip("/") + "-work"


def build(args) -> int:
    t0 = time.time()
    package = os.path.abspath(args.out)
    work = work_dir(package, args.work)
    train_dir = os.path.join(work, "train")
    cfg = train_mod.make_config(args)
    command = recipe_command(sys.argv[1:] if args.argv is None else args.argv, package)
    timings = {}

    res = train_mod.train(cfg, train_dir, args.data, args.resume)
    timings["train"] = time.time() - t0

    from . import export as export_mod
    from . import check_export, golden as golden_mod
    if os.path.isdir(package):
        shutil.rmtree(package)
    t1 = time.time()
    info = export_mod.export(train_dir, package, args.data, threads=cfg.threads)
    timings["export"] = time.time() - t1

    t1 = time.time()
    rep = check_export.check(train_dir, package, threads=cfg.threads)
    with open(os.path.join(work, "check_export.json"), "w") as f:
        json.dump(rep, f, indent=1)
    timings["check_export"] = time.time() - t1
    print(f"check_export: {rep['inputs']} inputs, max |d| {rep['max_abs_diff']:.3g}: {'PASS' if rep['pass'] else 'FAIL'}; "
          + ", ".join(f"{v} cosine {q['min_feature_cosine']:.4f} top-1 {q['top1_agreement']:.3f}"
                      for v, q in rep["quantized"].items()), flush=True)
    if not rep["pass"]:
        raise SystemExit(f"{work}/check_export.json: ONNX Runtime differs from PyTorch by more than {rep['tolerance']}")

    t1 = time.time()
    gold = golden_mod.make_golden(train_dir, package, args.data, args.mri_test_split, made_by=command, threads=cfg.threads)
    timings["golden"] = time.time() - t1

    with open(os.path.join(train_dir, "config.json")) as f:
        saved_cfg = json.load(f)
    import torch
    recipe = {"command": command, "seed": cfg.seed, "config": saved_cfg, "git_commit": git_commit(),
              "torch_version": torch.__version__,
              "created": datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat(),
              "weights_sha256": res["weights_sha256"]}
    name = "radz-tiny"
    description = ("RadZ tiny (quick build: a smoke-test model, not for use)" if cfg.quick
                   else "RadZ tiny: zero-shot findings on chest X-ray and brain MRI from descriptions")
    mc = info["model"]
    with open(os.path.join(package, "README.md"), "w") as f:
        f.write(MODEL_CARD.format(
            name=name, description=description, vision=vision_text(mc), p=mc["grid"] ** 2,
            sep=(f"; an anchor-separation term (weight {cfg.w_sep:g}: two findings' anchors pay for a cosine above "
                 f"{cfg.sep_margin:g})" if cfg.w_sep > 0 else ""),
            sampling=sampling_text(cfg), stage2=stage2_text(cfg, mc),
            d=mc["hidden_size"], nl=mc["n_layers"], nh=mc["n_heads"], ml=mc["max_length"], v=mc["vocab_size"],
            k=mc["n_cls"], fl=mc["feature_layer"] if mc["feature_layer"] > 0 else max(1, mc["n_layers"] - 1),
            e=mc["feature_dim"], folds=", ".join(map(str, cfg.train_folds)),
            held_out=", ".join(cfg.held_out) or "none",
            quick_note=("\n**This is a quick build** (tiny dimensions, a few steps, a data subset): it exercises the "
                        "whole pipeline and is not a usable model.\n" if cfg.quick else ""),
            command=command, seed=cfg.seed,
            sizes=", ".join(f"{m['display']} {info['input_sizes'].get(m['id'], 64)}x"
                            f"{info['input_sizes'].get(m['id'], 64)}" for m in text.MODALITIES)))
    # The modality detector and out-of-distribution gate (section 11): its own image sets (the
    # quick build: generated kinds only), trained after the model, into the package.
    from . import modality as modality_mod, ood_sets
    t1 = time.time()
    sets_dir = args.ood_sets or ood_sets.build_sets(os.path.join(work, "ood"), args.data, cfg.seed, quick=cfg.quick)
    head = modality_mod.build_for_package(package, sets_dir, args.data, os.path.join(work, "modality"), cfg.seed,
                                          epochs=2 if cfg.quick else 12, threads=cfg.threads,
                                          limit=120 if cfg.quick else 0)
    timings["modality"] = time.time() - t1
    write_manifest(package, info, recipe, gold, name, description, head)
    # Every variant's per-image results on the held-out NIH fold(s) and the brain MRI test split,
    # and the figures computed from them (the evaluation: one pass through the graphs).
    from . import package_results
    t1 = time.time()
    results_dir = package.rstrip("/") + "-results"
    summary = package_results.write_package_results(package, results_dir, args.data,
                                                    [f for f in range(5) if f not in cfg.train_folds] or [1],
                                                    args.mri_test_split, threads=cfg.threads)
    cx = summary["fp32"]["cxr"]["findings"]

    def mean_auc(held: bool) -> float:
        vals = [x["auc"] for fid, x in cx.items()
                if fid != "No_Finding" and x["auc"] is not None and (fid in cfg.held_out) == held]
        return sum(vals) / len(vals) if vals else float("nan")

    print(f"evaluation (fp32): cxr mean AUC seen {mean_auc(False):.3f}, held out {mean_auc(True):.3f}; mri top-1 "
          f"{summary['fp32']['mri']['top1_accuracy']:.3f}, mean AUC {summary['fp32']['mri']['mean_auc']:.3f} "
          f"({results_dir}/)", flush=True)
    timings["results"] = time.time() - t1
    timings["total"] = time.time() - t0
    with open(os.path.join(work, "build.json"), "w") as f:
        json.dump({"timings_s": timings, "weights_sha256": res["weights_sha256"], "package": package}, f, indent=1)
    print(f"package {package} built in {timings['total']:.1f} s "
          f"(train {timings['train']:.1f}, export {timings['export']:.1f}, check {timings['check_export']:.1f}, "
          f"golden {timings['golden']:.1f}); weights sha256 {res['weights_sha256']}", flush=True)
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    train_mod.add_args(ap)
    ap.add_argument("--out", required=True, help="package folder to write (work files go to OUT-work/)")
    ap.add_argument("--resume", action="store_true")
    ap.add_argument("--work", default=None, help="work folder (default OUT-work beside the package)")
    ap.add_argument("--mri-test-split", default="assets/splits/brain_mri_test.csv", help="relative to the repo root")
    ap.add_argument("--ood-sets", default=None, help="the image sets of the modality head (radz.ood_sets; default: built "
                    "into WORK/ood, generated kinds only with --quick)")
    args = ap.parse_args(argv)
    args.argv = argv
    return build(args)


if __name__ == "__main__":
    sys.exit(main())
