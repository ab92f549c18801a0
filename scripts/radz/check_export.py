"""Check an exported package against PyTorch: ONNX Runtime (radz.ort) must match within max |d| 1e-4.

    cd scripts && /usr/bin/python3 -m radz.check_export --train ../build/quick-work/train \
        --package ../build/quick-package --report ../build/quick-work/check_export.json

fp32 graphs vs the PyTorch model on fresh inputs: random and real-looking images of both
modalities, texts of every length from 1 token to over the limit (package and user-style
findings), batches with padding; every output compared. Also: a padded batch gives the same
features as one text at a time, and the quantized variants agree with fp32 at task level
(image feature cosine >= 0.99, top-1 agreement), reported. Exit 0 when the fp32 checks pass.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time

import numpy as np
import torch

from . import ort, quantize, text
from .export import ORT_CONFIG, DecoderGraph, VisionGraph, DECODER_OUTPUTS, Runner, dkam_text, image_inputs, load_trained, \
    text_inputs
from .preprocess import OUT_SIZE
from .train import input_size

TOLERANCE = 1e-4
USER_FINDINGS = [
    ("cxr", "Rib fracture", "a break in the cortex of a rib, often with a step or a gap"),
    ("cxr", "Pneumoperitoneum", "free air under the diaphragm, a crescent of lucency below the hemidiaphragm"),
    ("cxr", "Tuberculosis", "upper lobe cavitation and fibronodular opacities"),
    ("mri", "Hydrocephalus", "enlarged lateral ventricles out of proportion to the sulci"),
    ("mri", "Brain abscess", "a ring-enhancing lesion with central restricted diffusion and surrounding oedema"),
]


def max_abs(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.max(np.abs(a.astype(np.float64) - b.astype(np.float64)))) if a.size else 0.0


def check(train_dir: str, package: str, threads: int = 2) -> dict:
    t0 = time.time()
    torch.set_num_threads(threads)
    model, cfg, tok, sp = load_trained(train_dir)
    mc = model.cfg
    max_text = mc.max_length - 1 - mc.n_cls
    V, D = mc.vocab_size, mc.hidden_size
    table = np.fromfile(os.path.join(package, "embeddings.fp32.bin"), dtype="<f4").reshape(V, D)
    rng = np.random.default_rng(12345)
    prng = random.Random(12345)
    vision_t, decoder_t = VisionGraph(model), DecoderGraph(model)
    vis = os.path.join(package, "vision.fp32.onnx")
    dec = os.path.join(package, "decoder.fp32.onnx")
    cases = []
    worst = 0.0
    n_inputs = 0

    def torch_decoder(inputs):
        with torch.no_grad():
            outs = decoder_t(torch.from_numpy(inputs["inputs_embeds"]), torch.from_numpy(inputs["attention_mask"]),
                             torch.from_numpy(inputs["pool_mask"]))
        return {k: v.numpy() for k, v in zip(DECODER_OUTPUTS, outs)}

    with ort.OrtSession(threads=threads, config=ORT_CONFIG) as s:
        def compare(name, inputs_o, graph, torch_out, count):
            nonlocal worst, n_inputs
            got = s.run(graph, inputs_o)
            d = {k: max_abs(got[k], torch_out[k]) for k in torch_out}
            for k in torch_out:
                if got[k].shape != torch_out[k].shape or got[k].dtype != np.float32:
                    d[k] = float("inf")
            m = max(d.values())
            worst = max(worst, m)
            n_inputs += count
            cases.append({"case": name, "n": count, "max_abs_diff": d, "pass": m <= TOLERANCE})
            return got

        # Images: uniform noise, smooth blobs, constant extremes; both modalities; several batch sizes.
        def images(n, size=OUT_SIZE):
            x = rng.random((n, size, size), dtype=np.float32)
            yy, xx = np.mgrid[0:size, 0:size] / (size - 1.0)
            for i in range(0, n, 3):
                cx, cy, r = rng.random(3)
                x[i] = np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (0.05 + 0.2 * r)).astype(np.float32)
            x[0] = 0.0
            if n > 1:
                x[1] = 1.0
            return x

        # Each modality at its own input size (section 2); the vision graph also at every size any modality
        # uses and at the fixed 64 (one graph, dynamic H and W).
        sizes = {m: input_size(cfg, m) for m in ("cxr", "mri")}
        for n, mod in ((1, "cxr"), (7, "mri"), (12, "cxr"), (12, "mri")):
            px = images(n, sizes[mod])[:, None]
            with torch.no_grad():
                tok_t = vision_t(torch.from_numpy(px)).numpy()
            got = compare(f"vision {mod} {sizes[mod]}x{sizes[mod]} N={n}", {"pixels": px}, vis, {"image_tokens": tok_t}, n)
            inputs = image_inputs(table, got["image_tokens"], sp.modality[mod], sp)
            compare(f"decoder image sequences {mod} N={n}", inputs, dec, torch_decoder(inputs), n)
        for size in sorted({OUT_SIZE, *sizes.values()}):
            px = images(3, size)[:, None]
            with torch.no_grad():
                tok_t = vision_t(torch.from_numpy(px)).numpy()
            compare(f"vision {size}x{size} N=3", {"pixels": px}, vis, {"image_tokens": tok_t}, 3)

        # Texts: every length 1..max_text+5 as random token ids (padded batches of mixed lengths).
        lengths = list(range(1, max_text + 6))
        prng.shuffle(lengths)
        ids_all = [[int(t) for t in rng.integers(0, V, size=L)] for L in lengths]
        batch_feats = {}
        for i in range(0, len(ids_all), 16):
            chunk = ids_all[i:i + 16]
            inputs, trunc = text_inputs(table, chunk, sp, max_text)
            got = compare(f"decoder texts lengths {[len(c) for c in chunk]}", inputs, dec, torch_decoder(inputs), len(chunk))
            for j, c in enumerate(chunk):
                batch_feats[tuple(c)] = got["text_feature"][j]
        # A padded batch gives the same features as one text at a time.
        single_worst = 0.0
        for c in ids_all[:6]:
            inputs, _ = text_inputs(table, [c], sp, max_text)
            got = s.run(dec, inputs, ["text_feature"])["text_feature"][0]
            single_worst = max(single_worst, max_abs(got, batch_feats[tuple(c)]))
        cases.append({"case": "batch vs one at a time (text_feature)", "n": 6, "max_abs_diff": {"text_feature": single_worst},
                      "pass": single_worst <= TOLERANCE})
        worst = max(worst, single_worst)

        # DKAM texts: package findings and user-style ones, one over the limit.
        dk = [dkam_text(f, text.DESCRIPTIONS[f["id"]][0]) for f in text.FINDINGS]
        display = {m["id"]: m["display"] for m in text.MODALITIES}
        dk += [text.DKAM_TEMPLATE.format(modality=display[m], name=n, description=d) for m, n, d in USER_FINDINGS]
        dk.append(text.DKAM_TEMPLATE.format(modality="Chest X-ray", name="Very long finding",
                                            description=" ".join(["with extensive bilateral involvement"] * 40)))
        toks = [tok.encode(t) for t in dk]
        for i in range(0, len(toks), 12):
            inputs, _ = text_inputs(table, toks[i:i + 12], sp, max_text)
            compare(f"decoder DKAM texts {i}..{i + len(toks[i:i + 12]) - 1}", inputs, dec, torch_decoder(inputs),
                    len(toks[i:i + 12]))

        # Quantized variants at task level.
        with open(os.path.join(package, "anchors.fp32.json")) as f:
            anchors_fp32 = json.load(f)
        quant = {}
        px_by_size = {s_: images(24, s_) for s_ in sorted(set(sizes.values()))}
        ref = {}
        for v in ("fp32", "int8", "int4"):
            emb = "embeddings.fp32.bin" if v == "fp32" else "embeddings.int8.bin"
            blob = open(os.path.join(package, emb), "rb").read()
            tab = table if v == "fp32" else quantize.dequantize_embeddings_int8(blob, V, D)
            run = Runner(s, os.path.join(package, f"vision.{v}.onnx"), os.path.join(package, f"decoder.{v}.onnx"),
                         tab, sp, max_text)
            with open(os.path.join(package, f"anchors.{v}.json")) as f:
                at = json.load(f)
            res = {}
            for mod in ("cxr", "mri"):
                feats = run.image_features(px_by_size[sizes[mod]], mod)
                a = np.array([fd["anchor"] for fd in at["findings"] if fd["modality"] == mod])
                res[mod] = (feats, np.argmax(feats.astype(np.float64) @ a.T, axis=1))
            if v == "fp32":
                ref = res
                continue
            cos = min(float(np.min(np.sum(res[m][0] * ref[m][0], axis=1))) for m in res)
            agree = float(np.mean(np.concatenate([res[m][1] == ref[m][1] for m in res])))
            quant[v] = {"min_feature_cosine": cos, "top1_agreement": agree, "pass": cos >= 0.99 and agree == 1.0}
    report = {
        "package": os.path.abspath(package), "tolerance": TOLERANCE, "inputs": n_inputs, "max_abs_diff": worst,
        "pass": all(c["pass"] for c in cases) and n_inputs >= 32, "cases": cases, "quantized": quant,
        "seconds": round(time.time() - t0, 1),
    }
    return report


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--train", required=True)
    ap.add_argument("--package", required=True)
    ap.add_argument("--report", required=True, help="JSON report path (outside the package)")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args(argv)
    rep = check(args.train, args.package, args.threads)
    with open(args.report, "w") as f:
        json.dump(rep, f, indent=1)
    for c in rep["cases"]:
        print(f"{'ok  ' if c['pass'] else 'FAIL'} {c['case']}: max |d| {max(c['max_abs_diff'].values()):.3g}")
    for v, q in rep["quantized"].items():
        print(f"{'ok  ' if q['pass'] else 'warn'} {v}: min feature cosine to fp32 {q['min_feature_cosine']:.4f}, "
              f"top-1 agreement {q['top1_agreement']:.3f}")
    print(f"check_export: {rep['inputs']} inputs, max |d| {rep['max_abs_diff']:.3g} (tolerance {TOLERANCE}): "
          f"{'PASS' if rep['pass'] else 'FAIL'}")
    return 0 if rep["pass"] else 1


if __name__ == "__main__":
    sys.exit(main())
