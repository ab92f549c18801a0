"""Recipe-lever rows of the ablations (issue #11): train a variant of the recipe on the ablation folds and
score each fold's images with the trained PyTorch model, committing every fold's scores as it finishes.

    cd scripts && /usr/bin/python3 -m radz.ablate --row cnn            (tens of minutes per fold, one thread)
    cd scripts && /usr/bin/python3 -m radz.ablate --list

A row is a fixed set of radz.train options (ROWS below), written before any of its figures existed, on top of
recipe v1 (shipped until 2026-12-02; `--recipe v1`: the rows were defined and measured when it was the default). For
each ablation fold F (the first two folds of the out-of-fold order, 1 and 3: chosen by that rule, not by a
figure) a model is trained on the other four folds exactly as radz.train does with those options, under
build/ablate/<row>/foldF/ (resumable from the epoch checkpoints there), then, in PyTorch:
  - the cosine of each fold-F chest image's feature to the DKAM anchor (category + every description of
    the finding, the export's rule), to the plain-name anchor (the name as the only description) and to the
    descriptions-only anchor (the template without the category) of all 15 chest findings, held-out ones
    included (their descriptions never reached training);
  - the cosine of each brain MRI test-split image to the four MRI anchors (top-1 = largest cosine).
The scores go to docs/results/ablations/<row>.foldF.json (a fold is done when its file exists) and are
committed; radz.ablations reads them and puts each row beside recipe v1's predictions on the same folds. No held-out label is read here.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
import time

import numpy as np
import torch

from . import text
from . import train as train_mod
from .model import ModelConfig, RadZ, image_batch_embeds, init_weights, text_batch
from .oof import ORDER, commit
from .preprocess import load_images
from .splits import mri_rows, nih_rows
from .train import DEFAULT_DATA, REPO_ROOT

OUT_DIR = os.path.join(REPO_ROOT, "docs", "results", "ablations")
WORK_DIR = os.path.join(REPO_ROOT, "build", "ablate")
FOLDS = ORDER[:2]
MRI_TEST = "assets/splits/brain_mri_test.csv"
# The DKAM template without the category: the "descriptions only" anchors of the paper's DKAM ablation.
DESC_ONLY_TEMPLATE = "Instruction: recognise this finding on a {modality}. Description: {description}"

# name -> (lever kind, what it changes, radz.train options). Cumulative rows say so in their text.
ROWS = {
    "cnn": ("image encoder",
            "the vision encoder replaced by radz.ceiling's plain CNN (4x4 grid: 16 image tokens); all else v1's",
            ["--recipe", "v1", "--vision-arch", "cnn", "--grid", "4"]),
    "cnn-balanced-sep": ("loss and sampling",
                         "the cnn row plus: brain MRI drawn per epoch as many as the chest images (not 1,500), chest "
                         "images drawn weighted 1/(images of their patient), and an anchor-separation term "
                         "(weight 1, cosine margin 0.2 between two findings' anchors)",
                         ["--recipe", "v1", "--vision-arch", "cnn", "--grid", "4", "--mri-match-cxr", "--cxr-sampling", "patient",
                          "--w-sep", "1.0", "--sep-margin", "0.2"]),
    "cnn-vqa": ("DFAT vs VQA-style",
                "the cnn row's encoder and budget, stage 2 trained and scored VQA-style (radz.vqa: log p(yes) - "
                "log p(no) after 'is there {finding} on this chest x-ray?'; no special-token features, no anchors)",
                ["--recipe", "v1", "--vision-arch", "cnn", "--grid", "4", "--objective", "vqa"]),
    "cnn-clip": ("decoder vs dual encoder",
                 "the cnn row's vision encoder, no decoder: image tokens averaged and projected, a separate 2-layer "
                 "text encoder (radz.clip), the global and category-guided losses, same budget",
                 ["--recipe", "v1", "--vision-arch", "cnn", "--grid", "4", "--objective", "clip"]),
    # (cnn-mri128, the cnn row with brain MRI at 128 px, was removed: train.check_recipe refuses the CNN encoder
    # with two input sizes; the resolution lever is the vit row below)
    "vit-mri128": ("resolution per modality",
                   "recipe v1 (vision transformer encoder, no BatchNorm) with the brain MRI at 128 px (package format "
                   "3, input_size), chest X-rays at 64",
                   ["--recipe", "v1", "--mri-size", "128"]),
    "cnn-ncls1": ("special tokens",
                  "the cnn row with 1 <ImgCls>/<TxtCls> token instead of 4",
                  ["--recipe", "v1", "--vision-arch", "cnn", "--grid", "4", "--n-cls", "1"]),
    "cnn-nolocal": ("loss and sampling",
                    "the cnn row without the local alignment term (weight 0: the global and category-guided terms "
                    "only, as the cnn-clip row has), to tell whether that term or the decoder is what the dual "
                    "encoder's lead over the cnn row comes from",
                    ["--recipe", "v1", "--vision-arch", "cnn", "--grid", "4", "--w-local", "0"]),
    "cnn-fulldec": ("decoder training",
                    "the cnn row with the decoder's blocks and norms learning in stage 2 (token rows as before, learned "
                    "positions frozen) instead of the LoRA adapters only, to tell whether the frozen language model is what "
                    "the dual encoder's fully trained text encoder has over the cnn row",
                    ["--recipe", "v1", "--vision-arch", "cnn", "--grid", "4", "--stage2-decoder", "full"]),
    "v1-wordnet": ("text knowledge",
                   "recipe v1 plus WordNet glosses in the stage 1 corpus (radz.glosses: every noun synset "
                   "under 'physical condition' and of noun.body, 3,742 glosses; those naming a held-out finding left "
                   "out, as for every training text)",
                   ["--recipe", "v1", "--lm-glosses", "wordnet"]),
}

# The row each row is compared with (paired, same images): the one it differs from by its lever.
REFERENCE = {"cnn": "v1", "cnn-balanced-sep": "cnn", "cnn-vqa": "cnn", "cnn-clip": "cnn", "vit-mri128": "v1", "cnn-ncls1": "cnn", "cnn-nolocal": "cnn", "cnn-fulldec": "cnn",
             "v2": "cnn-balanced-sep", "v3": "vit-mri128", "v4": "cnn-fulldec", "v4-first": "cnn-fulldec",
             "v1-wordnet": "v1"}



def log(msg: str) -> None:
    print(f"[{datetime.datetime.now().strftime('%H:%M:%S')}] ablate: {msg}", flush=True)


# TrainConfig keys that only stage 2 reads, and model keys of the vision encoder alone: stage 1 trains the
# decoder on text, and the decoder's initialisation does not depend on the encoder (init_weights draws in
# sorted parameter-name order: every decoder.* before vision.*). Two rows equal in every other key have
# the same stage 1, bit for bit.
STAGE2_KEYS = {"align_epochs", "align_batch", "align_lr", "mri_per_epoch", "mri_match_cxr", "dkam_desc_per_step",
               "anchor_every", "w_local", "stage2_decoder", "w_cg", "w_sep", "sep_margin", "cxr_sampling", "objective",
               "input_sizes"}
VISION_KEYS = {"vision_arch", "grid", "cnn_widths", "vision_width", "vision_layers", "vision_heads", "stem_channels"}


def stage1_key_of(cfg: dict) -> str:
    """What stage 1 depends on, of a config as JSON (a saved config.json or asdict(make_config(...))): every key
    but the stage 2 ones, the vision encoder's, the vocabulary size the tokenizer fills in and the thread count."""
    c = json.loads(json.dumps(cfg))
    c.pop("threads", None)
    c["model"] = {k: v for k, v in c["model"].items() if k not in VISION_KEYS and k != "vocab_size"}
    return json.dumps({k: v for k, v in c.items() if k not in STAGE2_KEYS}, sort_keys=True)


def stage1_key(argv: list[str]) -> str:
    return stage1_key_of(json.loads(json.dumps(train_mod.make_config(_args_of(argv)).__dict__)))


def seed_stage1(wanted: dict, ckpt: str, train_dirs: list[str]) -> str | None:
    """Start a training at ckpt (its checkpoints folder, empty) from another training's finished stage 1 when
    the two stage 1s are the same recipe (stage1_key_of; options newer than the other's config count at their
    v1 value): its decoder weights and optimizer state, the wanted model's freshly initialised vision encoder
    (as radz.train makes it). Returns the training folder used, or None. Stage 1 is about a quarter of a fold."""
    if os.path.isdir(ckpt) and os.listdir(ckpt):
        return None
    name = f"s1-e{wanted['lm_epochs'] - 1:03d}.pt"
    for d in train_dirs:
        src = os.path.join(d, "checkpoints", name)
        cfg_path = os.path.join(d, "config.json")
        if os.path.abspath(os.path.join(d, "checkpoints")) == os.path.abspath(ckpt) or not (
                os.path.exists(src) and os.path.exists(cfg_path)):
            continue
        with open(cfg_path) as f:
            saved = json.load(f)
        if stage1_key_of(saved) != stage1_key_of(train_mod.config_drop_newer(saved, wanted)):
            continue
        done = torch.load(src)
        mc = ModelConfig.from_dict(wanted["model"])
        mc.vocab_size = done["model"]["decoder.tok.weight"].shape[0]
        fresh = RadZ(mc)
        init_weights(fresh, torch.Generator().manual_seed(wanted["seed"]))
        state = fresh.state_dict()
        state.update({k: v for k, v in done["model"].items() if k.startswith("decoder.")})
        os.makedirs(ckpt, exist_ok=True)
        torch.save({"stage": 1, "epoch": wanted["lm_epochs"] - 1, "model": state, "optimizer": done["optimizer"]},
                   os.path.join(ckpt, name))
        return d
    return None


def reuse_stage1(row: str, fold: int, argv: list[str], out: str) -> None:
    """Start from another row's finished stage 1 for this fold when the two stage 1s are the same recipe."""
    wanted = json.loads(json.dumps(train_mod.make_config(_args_of(argv)).__dict__))
    dirs = [os.path.join(WORK_DIR, other, f"fold{fold}", "train") for other in ROWS if other != row]
    src = seed_stage1(wanted, os.path.join(out, "checkpoints"), dirs)
    if src:
        log(f"{row} fold {fold}: stage 1 is {os.path.relpath(src, REPO_ROOT)}'s (its decoder, this row's initial "
            "vision encoder)")


def _args_of(argv: list[str]) -> argparse.Namespace:
    ap = argparse.ArgumentParser()
    train_mod.add_args(ap)
    ap.add_argument("--out")
    ap.add_argument("--resume", action="store_true")
    return ap.parse_args(argv)


def train_fold(row: str, fold: int, seed: int, threads: int, data_dir: str) -> str:
    out = os.path.join(WORK_DIR, row, f"fold{fold}", "train")
    if os.path.exists(os.path.join(out, "model.pt")):
        log(f"{row} fold {fold}: trained already ({os.path.relpath(out, REPO_ROOT)})")
        return out
    argv = ["--seed", str(seed), "--train-folds", ",".join(str(k) for k in range(5) if k != fold),
            "--threads", str(threads), "--data", data_dir, "--out", out, "--resume"] + ROWS[row][2]
    reuse_stage1(row, fold, argv, out)
    log(f"{row} fold {fold}: python3 -m radz.train {' '.join(argv)}")
    train_mod.main(argv)
    return out


@torch.no_grad()
def image_features(model, sp, pixels: np.ndarray, modality: str, batch: int = 64) -> np.ndarray:
    """Unit image features: the decoder's at <ImgCls> (DFAT), or the dual encoder's pooled ones (clip)."""
    out = []
    for s in range(0, len(pixels), batch):
        px = torch.from_numpy(pixels[s:s + batch])[:, None]
        if hasattr(model, "image_features"):
            out.append(model.image_features(px).numpy())
            continue
        tok = model.vision(px)
        x, att, pool = image_batch_embeds(model.decoder.tok.weight, tok, [sp.modality[modality]] * len(px), sp)
        out.append(model.decoder.features(x, att, pool)[0].numpy())
    return np.concatenate(out).astype(np.float64)


@torch.no_grad()
def anchors(model, tok, sp, findings: list[dict], descriptions, template: str = text.DKAM_TEMPLATE) -> dict:
    """finding id -> unit anchor: mean of the anchor feature over the finding's texts (export.py's rule)."""
    display = {m["id"]: m["display"] for m in text.MODALITIES}
    mc = model.cfg
    order, toks = [], []
    for f in findings:
        for d in descriptions(f):
            order.append(f["id"])
            toks.append(tok.encode(template.format(modality=display[f["modality"]], name=f["display"], description=d)))
    if hasattr(model, "text_features"):
        a = model.text_features(toks, sp)[1].numpy().astype(np.float64)
    else:
        ids, att, pool, _ = text_batch(toks, sp, mc.max_length - 1 - mc.n_cls)
        a = model.decoder.features(model.decoder.tok(ids), att, pool)[2].numpy().astype(np.float64)
    out = {}
    for f in findings:
        m = a[[i for i, o in enumerate(order) if o == f["id"]]].mean(axis=0)
        out[f["id"]] = m / max(np.linalg.norm(m), 1e-12)
    return out


def cosines(feats: np.ndarray, anc: dict) -> list[dict]:
    ids = list(anc)
    c = feats @ np.stack([anc[i] for i in ids]).T
    return [{i: round(float(v), 6) for i, v in zip(ids, row)} for row in c]


def score_fold(row: str, fold: int, train_dir: str, data_dir: str, seconds: float) -> str:
    from .export import load_trained
    from .train import input_size
    with open(os.path.join(train_dir, "config.json")) as f:
        saved = json.load(f)
    cache = os.path.join(REPO_ROOT, "build", "cache")
    nih = [r for r in nih_rows(data_dir) if r["fold"] == fold]
    px = load_images(data_dir, ["nih1000/" + r["path"] for r in nih], cache, input_size(saved, "cxr"))
    mri = mri_rows(os.path.join(REPO_ROOT, MRI_TEST))
    mpx = load_images(data_dir, ["brain_mri/" + r["path"] for r in mri], cache, input_size(saved, "mri"))
    cxr = [f for f in text.FINDINGS if f["modality"] == "cxr"]
    mf = [f for f in text.FINDINGS if f["modality"] == "mri"]
    objective = saved.get("objective", "dfat")
    if objective == "clip":
        from . import clip
        model, cfg, tok, sp = clip.load(train_dir)
    else:
        model, cfg, tok, sp = load_trained(train_dir)
    if objective == "vqa":
        from . import vqa
        tokc = train_mod.TokenCache(tok)
        z = vqa.score_images(model, sp, tokc, px, "cxr", cxr)
        mz = vqa.score_images(model, sp, tokc, mpx, "mri", mf)
        per_image = [{"vqa": {f["id"]: round(float(v), 6) for f, v in zip(cxr, row)}} for row in z]
        mri_scores = [{"vqa": {f["id"]: round(float(v), 6) for f, v in zip(mf, row)}} for row in mz]
        return write_doc(row, fold, cfg, train_dir, seconds, nih, per_image, mri, mri_scores)
    feats = image_features(model, sp, px, "cxr")
    dkam = cosines(feats, anchors(model, tok, sp, cxr, lambda f: text.DESCRIPTIONS[f["id"]]))
    plain = cosines(feats, anchors(model, tok, sp, cxr, lambda f: [f["display"] + "."]))
    desc = cosines(feats, anchors(model, tok, sp, cxr, lambda f: text.DESCRIPTIONS[f["id"]], DESC_ONLY_TEMPLATE))
    mfeats = image_features(model, sp, mpx, "mri")
    mcos = cosines(mfeats, anchors(model, tok, sp, mf, lambda f: text.DESCRIPTIONS[f["id"]]))
    per_image = [{"dkam": d, "plain": p, "descriptions_only": o} for d, p, o in zip(dkam, plain, desc)]
    return write_doc(row, fold, cfg, train_dir, seconds, nih, per_image, mri, [{"dkam": c} for c in mcos])


def write_doc(row: str, fold: int, cfg: dict, train_dir: str, seconds: float, nih: list[dict], per_image: list[dict],
              mri: list[dict], mri_scores: list[dict]) -> str:
    doc = {"kind": "ablation-row", "row": row, "lever": ROWS[row][0], "what": ROWS[row][1], "fold": fold,
           "train_options": ROWS[row][2], "config": cfg, "train_seconds": None if seconds is None else round(seconds, 1),
           "weights_sha256": open(os.path.join(train_dir, "weights.sha256")).read().strip(),
           "torch_version": torch.__version__,
           "command": f"cd scripts && /usr/bin/python3 -m radz.ablate --row {row}",
           "images": [dict({"path": r["path"], "patient_id": r["patient_id"], "fold": fold}, **sc)
                      for r, sc in zip(nih, per_image)],
           "mri_test": [dict({"path": r["path"], "label": r["label"]}, **sc) for r, sc in zip(mri, mri_scores)]}
    os.makedirs(OUT_DIR, exist_ok=True)
    path = os.path.join(OUT_DIR, f"{row}.fold{fold}.json")
    with open(path + ".tmp", "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    os.replace(path + ".tmp", path)
    return path


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--row", action="append", help="row name (repeatable); see --list")
    ap.add_argument("--folds", default=",".join(map(str, FOLDS)))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--data", default=DEFAULT_DATA)
    ap.add_argument("--no-commit", action="store_true")
    ap.add_argument("--list", action="store_true")
    args = ap.parse_args(argv)
    if args.list or not args.row:
        for name, (kind, what, opts) in ROWS.items():
            print(f"{name}: [{kind}] {what}\n    radz.train {' '.join(opts)}")
        return 0
    bad = [r for r in args.row if r not in ROWS]
    if bad:
        raise SystemExit(f"--row {bad[0]}: expected one of {', '.join(ROWS)}")
    data = os.path.abspath(args.data)
    for row in args.row:
        for fold in [int(x) for x in args.folds.split(",")]:
            done = os.path.join(OUT_DIR, f"{row}.fold{fold}.json")
            if os.path.exists(done):
                log(f"{row} fold {fold}: done already ({os.path.relpath(done, REPO_ROOT)})")
                continue
            t0 = time.time()
            trained = os.path.exists(os.path.join(WORK_DIR, row, f"fold{fold}", "train", "model.pt"))
            tdir = train_fold(row, fold, args.seed, args.threads, data)
            # wall seconds of this run's training; None when an earlier run trained it (not measured here)
            path = score_fold(row, fold, tdir, data, None if trained else time.time() - t0)
            log(f"{row} fold {fold}: scores written ({os.path.relpath(path, REPO_ROOT)}, {time.time() - t0:.0f} s)")
            if not args.no_commit:
                commit([path], f"ablations: {row} row, fold {fold} scores (radz.ablate; trained on the other folds)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
