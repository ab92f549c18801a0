"""The supervised ceiling row of the ablations (issue #11): the shipped model's vision encoder, trained
from the same initialisation with a per-finding logistic head on all 14 NIH labels, on the same five
patient folds as the out-of-fold evaluation. An upper bound for what the images carry, not a
zero-shot result: every other row of docs/results/ablations.md reads against it.

    cd scripts && /usr/bin/python3 -m radz.ceiling            (minutes per fold on one thread)

For each fold F a model is trained on the other four folds (fixed schedule, chosen before any
held-out figure was seen: no early stopping, nothing tuned on the fold) and its logits for fold F's
images are written to docs/results/ablations/ceiling.foldF.json (ceiling-cnn.foldF.json with
--encoder cnn: a plain small CNN instead of the shipped encoder, a comparison row); a fold whose file exists is skipped
(rerun = resume). The figures are computed from those files by radz.ablations (docs/results/ablations.md),
with the other rows' code.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from .model import ModelConfig, VisionEncoder, cnn_body, init_weights
from .preprocess import load_images
from .splits import nih_rows
from .train import DEFAULT_DATA, NIH_FINDINGS, REPO_ROOT, augment

OUT_DIR = os.path.join(REPO_ROOT, "docs", "results", "ablations")


class Ceiling(nn.Module):
    """VisionEncoder (the shipped architecture) -> mean over image tokens -> LayerNorm -> 14 logits."""

    def __init__(self, cfg: ModelConfig, n_out: int):
        super().__init__()
        self.vision = VisionEncoder(cfg)
        self.ln = nn.LayerNorm(cfg.hidden_size)
        self.head = nn.Linear(cfg.hidden_size, n_out)

    def forward(self, pixels: torch.Tensor) -> torch.Tensor:
        return self.head(self.ln(self.vision(pixels).mean(dim=1)))


class SmallCnn(nn.Module):
    """A plain supervised CNN for comparison (about 400k parameters): a stride-2 stem to 32x32, four
    stages of two conv-BN-ReLU with max-pooling between them, global average pooling, 14 logits. Not the shipped encoder: it tells whether the
    shipped encoder's architecture caps what the images give."""

    def __init__(self, n_out: int, width=(24, 48, 96, 128)):
        super().__init__()
        self.body = cnn_body(width, len(width) - 1)
        self.head = nn.Linear(width[-1], n_out)

    def forward(self, pixels: torch.Tensor) -> torch.Tensor:
        return self.head(self.body((pixels - 0.5) / 0.25).mean(dim=(2, 3)))


def log(msg: str) -> None:
    print(f"[{datetime.datetime.now().strftime('%H:%M:%S')}] ceiling: {msg}", flush=True)


def train_fold(x: np.ndarray, y: np.ndarray, args, seed: int) -> Ceiling:
    gen = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    if args.encoder == "cnn":
        model = SmallCnn(y.shape[1])
        init_weights(model, gen)
    else:
        model = Ceiling(ModelConfig(), y.shape[1])
        init_weights(model, gen)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=args.weight_decay)
    xt = torch.from_numpy(x)[:, None]
    yt = torch.from_numpy(y.astype(np.float32))
    # Balanced BCE: positives weighted by neg/pos per finding (capped), so rare findings are not ignored.
    pos = yt.sum(0)
    pos_weight = torch.clamp((len(yt) - pos) / torch.clamp(pos, min=1.0), max=args.max_pos_weight)
    n = len(xt)
    steps = args.epochs * ((n + args.batch - 1) // args.batch)
    step = 0
    rng = random.Random(seed)
    for epoch in range(args.epochs):
        order = list(range(n))
        rng.shuffle(order)
        model.train()
        total = 0.0
        for s in range(0, n, args.batch):
            idx = order[s:s + args.batch]
            lr = args.lr * 0.5 * (1 + np.cos(np.pi * step / steps))
            for g in opt.param_groups:
                g["lr"] = lr
            logits = model(augment(xt[idx], gen))
            loss = F.binary_cross_entropy_with_logits(logits, yt[idx], pos_weight=pos_weight)
            opt.zero_grad()
            loss.backward()
            opt.step()
            step += 1
            total += float(loss) * len(idx)
        if epoch % 10 == 9 or epoch == args.epochs - 1:
            log(f"  epoch {epoch + 1}/{args.epochs} loss {total / n:.4f}")
    model.eval()
    return model


def predict(model: Ceiling, x: np.ndarray) -> np.ndarray:
    with torch.no_grad():
        return model(torch.from_numpy(x)[:, None]).numpy()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=DEFAULT_DATA)
    ap.add_argument("--folds", default="0,1,2,3,4")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--epochs", type=int, default=40)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=5e-4)
    ap.add_argument("--weight-decay", type=float, default=0.05)
    ap.add_argument("--max-pos-weight", type=float, default=20.0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--encoder", choices=["vision", "cnn"], default="vision",
                    help="vision: the shipped vision encoder (the ceiling row); cnn: a plain small CNN (comparison row)")
    ap.add_argument("--out", default=OUT_DIR)
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    rows = nih_rows(args.data)
    nih = os.path.join(args.data, "nih1000")
    x = load_images(nih, [r["path"] for r in rows], os.path.join(REPO_ROOT, "build", "cache"))
    y = np.array([[r[f] for f in NIH_FINDINGS] for r in rows], dtype=np.int64)
    fold = np.array([r["fold"] for r in rows])
    os.makedirs(args.out, exist_ok=True)
    config = {k: getattr(args, k) for k in ("encoder", "seed", "epochs", "batch", "lr", "weight_decay", "max_pos_weight")}
    prefix = "ceiling" if args.encoder == "vision" else "ceiling-cnn"
    for k in [int(v) for v in args.folds.split(",")]:
        path = os.path.join(args.out, f"{prefix}.fold{k}.json")
        if os.path.exists(path):
            log(f"fold {k}: done ({os.path.relpath(path, REPO_ROOT)})")
            continue
        tr, te = np.flatnonzero(fold != k), np.flatnonzero(fold == k)
        t0 = time.time()
        log(f"fold {k}: training on {len(tr)} images (folds != {k}), predicting {len(te)}")
        model = train_fold(x[tr], y[tr], args, args.seed)
        z = predict(model, x[te])
        doc = {"kind": "supervised-ceiling", "fold": k, "config": config, "threads": args.threads,
               "torch_version": torch.__version__, "seconds": round(time.time() - t0, 1),
               "command": "cd scripts && /usr/bin/python3 -m radz.ceiling " + " ".join(argv if argv is not None else sys.argv[1:]),
               "images": [{"path": rows[i]["path"], "patient_id": rows[i]["patient_id"], "fold": k,
                           "labels": {f: int(y[i, j]) for j, f in enumerate(NIH_FINDINGS)},
                           "logits": {f: round(float(z[n, j]), 6) for j, f in enumerate(NIH_FINDINGS)}}
                          for n, i in enumerate(te)]}
        tmp = path + ".tmp"
        with open(tmp, "w") as fh:
            json.dump(doc, fh, indent=1)
        os.replace(tmp, path)
        log(f"fold {k}: written in {doc['seconds']} s")
    log("figures (pooled and per fold, patient-bootstrap CIs): cd scripts && /usr/bin/python3 -m radz.ablations")
    return 0


if __name__ == "__main__":
    sys.exit(main())
