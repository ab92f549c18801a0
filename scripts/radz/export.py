"""Export a trained RadZ model into a package folder (docs/model-package.md).

    cd scripts && /usr/bin/python3 -m radz.export --train ../build/quick-train --out ../build/quick-package

Writes: tokenizer.json, vision/decoder graphs (fp32, int8, int4), embeddings tables, and per
variant the anchor table and reference features, computed through that variant's own graphs in
ONNX Runtime (radz.ort), with the calibration of section 6, and evidence.json (section 10: the
calibration fit's slope per finding calibrated with labels). The manifest is written by
radz.build after the goldens (it lists every file).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import random
import shutil
import sys
import time

import numpy as np
import torch

from . import bpe, ort, quantize, text
from .model import ModelConfig, RadZ, special_ids, SpecialIds
from .preprocess import OUT_SIZE, load_images
from .train import REPO_ROOT, DEFAULT_DATA, NIH_FINDINGS, TrainConfig, set_stage2_trainable, epoch_seed, input_size

OPSET = 17
PACKAGE_NAME = "radz-tiny"
VARIANTS = ("fp32", "int8", "int4")
REFERENCE_PER_MODALITY = 256
# Every reader runs every variant with this session config (docs/model-package.md section 8).
ORT_CONFIG = {"session.disable_quant_qdq": "1"}


KEEP_FLOAT = ("Conv",)     # ops whose weights the int8/int4 variants keep in float32 (section 8)


def log(msg: str) -> None:
    print(msg, flush=True)


def sha256_file(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def round9(x):
    """Floats to 9 significant digits (float32 round-trips), recursively."""
    if isinstance(x, float):
        if not math.isfinite(x):
            raise ValueError(f"non-finite number {x}")
        return float(f"{x:.9g}")
    if isinstance(x, dict):
        return {k: round9(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [round9(v) for v in x]
    if isinstance(x, (np.floating,)):
        return round9(float(x))
    if isinstance(x, (np.integer,)):
        return int(x)
    return x


def write_json(path: str, obj, indent=1) -> None:
    with open(path, "w", encoding="utf-8") as f:
        json.dump(round9(obj), f, ensure_ascii=False, indent=indent)
        f.write("\n")


# ---------------------------------------------------------------- model loading

def load_trained(train_dir: str):
    """(model with LoRA merged, eval mode; TrainConfig dict; tokenizer; SpecialIds)."""
    with open(os.path.join(train_dir, "config.json")) as f:
        cfg = json.load(f)
    mc = ModelConfig.from_dict(cfg["model"])
    model = RadZ(mc)
    mods = [m["id"] for m in text.MODALITIES]
    sp = special_ids(mc.n_cls, mods)
    set_stage2_trainable(model, sp, torch.Generator().manual_seed(0))   # builds the LoRA parameters
    state = torch.load(os.path.join(train_dir, "model.pt"))["model"]
    model.load_state_dict(state)
    for lin in model.decoder.lora_linears():
        lin.merge()
    for p in model.parameters():
        p.requires_grad_(False)
    model.eval()
    tok = bpe.BpeTokenizer.from_file(os.path.join(train_dir, "tokenizer.json"))
    return model, cfg, tok, sp


class VisionGraph(torch.nn.Module):
    def __init__(self, model: RadZ):
        super().__init__()
        self.vision = model.vision

    def forward(self, pixels):
        return self.vision(pixels)


class DecoderGraph(torch.nn.Module):
    def __init__(self, model: RadZ):
        super().__init__()
        self.decoder = model.decoder

    def forward(self, inputs_embeds, attention_mask, pool_mask):
        return self.decoder.features(inputs_embeds, attention_mask, pool_mask)


DECODER_OUTPUTS = ["image_feature", "text_feature", "anchor_feature", "local_features"]


def export_graphs(model: RadZ, out_dir: str) -> None:
    mc = model.cfg
    # H and W are dynamic: one graph takes every modality's input size (docs/model-package.md section 4);
    # traced at 128 so that no shape of the 64 px case is folded into a constant.
    px = torch.rand(2, 1, 2 * OUT_SIZE, 2 * OUT_SIZE, generator=torch.Generator().manual_seed(1))
    torch.onnx.export(VisionGraph(model).eval(), (px,), os.path.join(out_dir, "vision.fp32.onnx"), opset_version=OPSET,
                      input_names=["pixels"], output_names=["image_tokens"],
                      dynamic_axes={"pixels": {0: "N", 2: "H", 3: "W"}, "image_tokens": {0: "N"}},
                      do_constant_folding=True)
    t = 9
    emb = torch.randn(2, t, mc.hidden_size, generator=torch.Generator().manual_seed(2))
    att = torch.ones(2, t, dtype=torch.long)
    att[1, 6:] = 0
    pool = torch.zeros(2, t)
    pool[0, 5:] = 1
    pool[1, 3:6] = 1
    torch.onnx.export(DecoderGraph(model).eval(), (emb, att, pool), os.path.join(out_dir, "decoder.fp32.onnx"),
                      opset_version=OPSET, input_names=["inputs_embeds", "attention_mask", "pool_mask"],
                      output_names=DECODER_OUTPUTS,
                      dynamic_axes={"inputs_embeds": {0: "N", 1: "T"}, "attention_mask": {0: "N", 1: "T"},
                                    "pool_mask": {0: "N", 1: "T"}, "image_feature": {0: "N"}, "text_feature": {0: "N"},
                                    "anchor_feature": {0: "N"}, "local_features": {0: "N", 1: "T"}},
                      do_constant_folding=True)


# ---------------------------------------------------------------- sequences as numpy (what the core does)

def text_inputs(table: np.ndarray, token_lists: list[list[int]], sp: SpecialIds, max_text_tokens: int):
    """(inputs dict for the decoder, truncated flags) for right-padded text sequences."""
    k = len(sp.txt_cls)
    seqs, trunc = [], []
    for ids in token_lists:
        trunc.append(len(ids) > max_text_tokens)
        seqs.append([sp.bos] + list(ids[:max_text_tokens]) + list(sp.txt_cls))
    t = max(len(s) for s in seqs)
    n, d = len(seqs), table.shape[1]
    x = np.tile(table[sp.pad], (n, t, 1)).astype(np.float32)
    att = np.zeros((n, t), np.int64)
    pool = np.zeros((n, t), np.float32)
    for i, s in enumerate(seqs):
        x[i, :len(s)] = table[np.array(s)]
        att[i, :len(s)] = 1
        pool[i, len(s) - k:len(s)] = 1.0
    return {"inputs_embeds": x, "attention_mask": att, "pool_mask": pool}, trunc


def image_inputs(table: np.ndarray, image_tokens: np.ndarray, modality_id: int, sp: SpecialIds):
    n, p, d = image_tokens.shape
    k = len(sp.img_cls)
    x = np.empty((n, 2 + p + k, d), np.float32)
    x[:, 0] = table[sp.bos]
    x[:, 1] = table[modality_id]
    x[:, 2:2 + p] = image_tokens
    x[:, 2 + p:] = table[np.array(sp.img_cls)]
    att = np.ones((n, 2 + p + k), np.int64)
    pool = np.zeros((n, 2 + p + k), np.float32)
    pool[:, 2 + p:] = 1.0
    return {"inputs_embeds": x, "attention_mask": att, "pool_mask": pool}


class Runner:
    """Runs a variant's graphs in ONNX Runtime (or the PyTorch model for `torch`), in batches."""

    def __init__(self, session, vision: str, decoder: str, table: np.ndarray, sp: SpecialIds, max_text_tokens: int,
                 batch: int = 64):
        self.s, self.vision, self.decoder, self.table, self.sp = session, vision, decoder, table, sp
        self.max_text_tokens = max_text_tokens
        self.batch = batch

    def image_features(self, pixels: np.ndarray, modality: str) -> np.ndarray:
        out = []
        for i in range(0, len(pixels), self.batch):
            px = np.ascontiguousarray(pixels[i:i + self.batch, None].astype(np.float32))
            tok = self.s.run(self.vision, {"pixels": px}, ["image_tokens"])["image_tokens"]
            feats = self.s.run(self.decoder, image_inputs(self.table, tok, self.sp.modality[modality], self.sp),
                               ["image_feature"])["image_feature"]
            out.append(feats)
        return np.concatenate(out) if out else np.zeros((0, 0), np.float32)

    def anchor_features(self, token_lists: list[list[int]]) -> tuple[np.ndarray, list[bool]]:
        out, trunc = [], []
        for i in range(0, len(token_lists), self.batch):
            inputs, tr = text_inputs(self.table, token_lists[i:i + self.batch], self.sp, self.max_text_tokens)
            out.append(self.s.run(self.decoder, inputs, ["anchor_feature"])["anchor_feature"])
            trunc += tr
        return np.concatenate(out), trunc


# ---------------------------------------------------------------- calibration (section 6)

def youden(c: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """(threshold, J) of docs/model-package.md section 6, as core/metrics.cpp's
    metrics_youden_threshold: for the rule c >= cut over the distinct values of c, J = tp/P - fp/N
    in float64; the first maximum from the highest cut down; the threshold is the midpoint between
    that cut and the next lower value (the cut - 1e-6 when it is the lowest). NaN, NaN when a class
    is absent or a score is not finite. tests/data/youden_cases.json checks both sides."""
    c = np.asarray(c, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    pos, neg = int(y.sum()), int((1 - y).sum())
    if pos == 0 or neg == 0 or not np.all(np.isfinite(c)):
        return math.nan, math.nan
    order = np.argsort(-c, kind="stable")
    cs, ys = c[order], y[order]
    tp = np.cumsum(ys)
    fp = np.cumsum(1 - ys)
    j = tp / pos - fp / neg
    # only cut between distinct values
    distinct = np.r_[cs[1:] != cs[:-1], True]
    j = np.where(distinct, j, -np.inf)
    i = int(np.argmax(j))
    if i + 1 < len(cs):
        return float((cs[i] + cs[i + 1]) / 2), float(j[i])
    return float(cs[i] - 1e-6), float(j[i])


def youden_threshold(c: np.ndarray, y: np.ndarray) -> float:
    """The operating point of a finding calibrated with labels (see youden)."""
    return youden(c, y)[0]


def logistic_slope(x: np.ndarray, y: np.ndarray, iters: int = 50, l2: float = 1e-4) -> float:
    """Slope s of the logistic fit y ~ sigmoid(a + s * x) (Newton, tiny ridge for separable data)."""
    x = x.astype(np.float64)
    y = y.astype(np.float64)
    xs = np.std(x) or 1.0
    xn = x / xs
    w = np.zeros(2)
    X = np.stack([np.ones_like(xn), xn], axis=1)
    for _ in range(iters):
        z = X @ w
        p = 1 / (1 + np.exp(-z))
        g = X.T @ (p - y) + l2 * len(y) * np.r_[0.0, w[1]]
        h = (X * (p * (1 - p))[:, None]).T @ X + l2 * len(y) * np.diag([0.0, 1.0]) + 1e-9 * np.eye(2)
        step = np.linalg.solve(h, g)
        w -= step
        if np.max(np.abs(step)) < 1e-10:
            break
    return float(w[1] / xs)


def calibrate(findings: list[dict], anchors: dict, train_feats: dict, train_labels: dict, ref: dict,
              fits: dict | None = None) -> tuple[dict, dict]:
    """Per finding calibration and per modality label_free constants. `fits`, when given, gets per
    finding calibrated with labels the fit itself: slope before the 1e-3 floor, positives, images
    (the calibration-fit evidence, radz.evidence)."""
    cal, stats = {}, {}
    for f in findings:
        a = anchors[f["id"]].astype(np.float64)
        r = ref[f["modality"]].astype(np.float64) @ a
        mu, sd = float(r.mean()), float(r.std())
        sd = sd if sd > 0 else 1e-6
        stats[f["id"]] = (mu, sd)
        if f["held_out"]:
            continue
        c = train_feats[f["modality"]].astype(np.float64) @ a
        y = train_labels[f["id"]]
        if y.sum() == 0 or y.sum() == len(y):
            continue
        thr = youden_threshold(c, y)
        s = logistic_slope(c - thr, y)
        cal[f["id"]] = {"kind": "labels", "threshold": thr, "scale": max(s, 1e-3)}
        if fits is not None:
            fits[f["id"]] = {"slope": s, "positives": int(y.sum()), "images": int(len(y))}
    label_free = {}
    for m in {f["modality"] for f in findings}:
        zs = [(cal[f["id"]]["threshold"] - stats[f["id"]][0]) / stats[f["id"]][1] for f in findings
              if f["modality"] == m and f["id"] in cal]
        ks = [cal[f["id"]]["scale"] * stats[f["id"]][1] for f in findings if f["modality"] == m and f["id"] in cal]
        label_free[m] = {"z": float(np.median(zs)) if zs else 0.0, "k": float(np.median(ks)) if ks else 1.0}
    for f in findings:
        if f["id"] not in cal:
            mu, sd = stats[f["id"]]
            lf = label_free[f["modality"]]
            cal[f["id"]] = {"kind": "label_free", "threshold": mu + lf["z"] * sd, "scale": lf["k"] / sd}
    return cal, label_free


# ---------------------------------------------------------------- the export

def package_findings(held_out: list[str]) -> list[dict]:
    return [dict(f, held_out=f["id"] in held_out) for f in text.FINDINGS]


def dkam_text(f: dict, description: str) -> str:
    display = {m["id"]: m["display"] for m in text.MODALITIES}
    return text.DKAM_TEMPLATE.format(modality=display[f["modality"]], name=f["display"], description=description)


def training_labels(items: dict) -> dict:
    """Per finding id, labels over the training items of its modality (No_Finding: no other finding)."""
    labels = {}
    for fid in NIH_FINDINGS + ["No_Finding"]:
        labels[fid] = np.array([1.0 if fid in it["positives"] else 0.0 for it in items["cxr"]])
    for fid in ("glioma", "meningioma", "pituitary", "notumor"):
        labels[fid] = np.array([1.0 if fid in it["positives"] else 0.0 for it in items["mri"]])
    return labels


def export(train_dir: str, out_dir: str, data_dir: str, threads: int = 2) -> dict:
    t0 = time.time()
    os.makedirs(out_dir, exist_ok=True)
    model, cfg, tok, sp = load_trained(train_dir)
    if cfg.get("objective", "dfat") != "dfat":
        raise SystemExit(f"{train_dir}/config.json: objective: a package needs 'dfat' (features at the special "
                         f"tokens), found {cfg['objective']!r} (an ablation baseline, scored by radz.ablate)")
    mc = model.cfg
    max_text = mc.max_length - 1 - mc.n_cls
    shutil.copyfile(os.path.join(train_dir, "tokenizer.json"), os.path.join(out_dir, "tokenizer.json"))
    export_graphs(model, out_dir)
    table = model.decoder.tok.weight.detach().numpy().astype(np.float32)
    with open(os.path.join(out_dir, "embeddings.fp32.bin"), "wb") as f:
        f.write(table.astype("<f4").tobytes())
    with open(os.path.join(out_dir, "embeddings.int8.bin"), "wb") as f:
        f.write(quantize.quantize_embeddings_int8(table))
    qstats = {"fp32": None}
    # Conv weights stay float32 (docs/model-package.md section 8: int8 convolutions of the CNN encoder moved a
    # cosine ten times more than the rest of the int8 variant, measured label-free by radz.int8_fidelity).
    for v, fn in (("int8", quantize.quantize_int8), ("int4", quantize.quantize_int4)):
        sv = fn(os.path.join(out_dir, "vision.fp32.onnx"), os.path.join(out_dir, f"vision.{v}.onnx"),
                keep_float=KEEP_FLOAT)
        sd = fn(os.path.join(out_dir, "decoder.fp32.onnx"), os.path.join(out_dir, f"decoder.{v}.onnx"),
                keep_float=KEEP_FLOAT)
        qstats[v] = quantize.quantized_share([sv, sd])
    log(f"graphs exported and quantized ({time.time() - t0:.1f} s)")

    with open(os.path.join(train_dir, "data.json")) as f:
        items = json.load(f)["items"]
    cache = os.path.join(REPO_ROOT, "build", "cache")
    pixels = {m: load_images(data_dir, [it["path"] for it in items[m]], cache, input_size(cfg, m)) for m in items}
    labels = training_labels(items)
    ref_idx = {}
    for m in items:
        n = len(items[m])
        ref_idx[m] = sorted(random.Random(epoch_seed(cfg["seed"], 7, 0)).sample(range(n), min(n, REFERENCE_PER_MODALITY)))

    findings = package_findings(cfg["held_out"])
    desc_tokens = [(f["id"], tok.encode(dkam_text(f, d))) for f in findings for d in text.DESCRIPTIONS[f["id"]]]
    emb_files = {"fp32": "embeddings.fp32.bin", "int8": "embeddings.int8.bin", "int4": "embeddings.int8.bin"}
    variants, evidence_fits = {}, {}
    with ort.OrtSession(threads=threads, config=ORT_CONFIG) as s:
        for v in VARIANTS:
            tv = time.time()
            tab = table if v == "fp32" else quantize.dequantize_embeddings_int8(
                open(os.path.join(out_dir, emb_files[v]), "rb").read(), table.shape[0], table.shape[1])
            run = Runner(s, os.path.join(out_dir, f"vision.{v}.onnx"), os.path.join(out_dir, f"decoder.{v}.onnx"),
                         tab, sp, max_text)
            feats = {m: run.image_features(pixels[m], m) for m in ("cxr", "mri")}
            ref = {m: feats[m][ref_idx[m]] for m in ("cxr", "mri")}
            ref_path = os.path.join(out_dir, f"reference.{v}.bin")
            with open(ref_path, "wb") as f:
                f.write(np.concatenate([ref["cxr"], ref["mri"]]).astype("<f4").tobytes())
            rows = {"cxr": [0, len(ref["cxr"])], "mri": [len(ref["cxr"]), len(ref["cxr"]) + len(ref["mri"])]}
            af, trunc = run.anchor_features([t for _, t in desc_tokens])
            anchors, truncated = {}, {}
            for f in findings:
                sel = [i for i, (fid, _) in enumerate(desc_tokens) if fid == f["id"]]
                m = af[sel].astype(np.float64).mean(axis=0)
                anchors[f["id"]] = (m / np.linalg.norm(m)).astype(np.float32)
                truncated[f["id"]] = any(trunc[i] for i in sel)
            fits = {}
            cal, label_free = calibrate(findings, anchors, feats, labels, ref, fits)
            files = {"vision": f"vision.{v}.onnx", "decoder": f"decoder.{v}.onnx", "embeddings": emb_files[v],
                     "anchors": f"anchors.{v}.json", "reference": f"reference.{v}.bin"}
            table_obj = {
                "format": "radz-anchor-table", "format_version": 0, "package": PACKAGE_NAME, "variant": v,
                "binding": {k: sha256_file(os.path.join(out_dir, files[k] if k != "tokenizer" else "tokenizer.json"))
                            for k in ("vision", "decoder", "embeddings", "tokenizer", "reference")},
                "dkam_template": text.DKAM_TEMPLATE, "feature_dim": mc.feature_dim,
                "modalities": [{"id": m["id"], "label_free": label_free[m["id"]]} for m in text.MODALITIES],
                "findings": [{"id": f["id"], "display": f["display"], "modality": f["modality"], "kind": f["kind"],
                              "source": "package", "held_out": f["held_out"], "truncated": truncated[f["id"]],
                              "descriptions": list(text.DESCRIPTIONS[f["id"]]),
                              "anchor": [float(x) for x in anchors[f["id"]]],
                              "calibration": cal[f["id"]]} for f in findings],
            }
            write_json(os.path.join(out_dir, files["anchors"]), table_obj)
            evidence_fits[v] = [{"modality": f["modality"], "id": f["id"], **fits[f["id"]]}
                                for f in findings if f["id"] in fits]
            variants[v] = {
                **files,
                "embeddings_dtype": "float32" if v == "fp32" else "int8_rowwise",
                "reference": {"file": files["reference"], "rows": rows},
                "quantization": {"fp32": "none", "int8": "int8-weight-only", "int4": "int4-matmulnbits"}[v],
                "quantized_share": 0.0 if v == "fp32" else qstats[v],
                "bytes": sum(os.path.getsize(os.path.join(out_dir, files[k])) for k in files),
            }
            n_lab = sum(1 for c in cal.values() if c["kind"] == "labels")
            log(f"variant {v}: {len(feats['cxr'])}+{len(feats['mri'])} image features, {len(findings)} anchors "
                f"({n_lab} calibrated with labels), {time.time() - tv:.1f} s")
    # The evidence for the scores, from the calibration fit (radz.evidence --oof adds an evaluation's).
    from . import evidence
    evidence.write_calibration_evidence(out_dir, PACKAGE_NAME, evidence_fits)
    info = {"variants": variants, "model": mc.to_dict(), "max_text_tokens": max_text,
            "input_sizes": {m["id"]: input_size(cfg, m["id"]) for m in text.MODALITIES},
            "special_tokens": {"pad": sp.pad, "bos": sp.bos, "img_cls": sp.img_cls, "txt_cls": sp.txt_cls,
                               "modality": sp.modality}}
    log(f"export done ({time.time() - t0:.1f} s)")
    return info


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--train", required=True, help="training output folder (radz.train --out)")
    ap.add_argument("--out", required=True, help="package folder to write")
    ap.add_argument("--data", default=DEFAULT_DATA)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args(argv)
    export(args.train, args.out, args.data, args.threads)
    return 0


if __name__ == "__main__":
    sys.exit(main())
