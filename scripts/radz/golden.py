"""Write a package's goldens (docs/model-package.md section 9) from PyTorch alone.

    cd scripts && /usr/bin/python3 -m radz.golden --train ../build/quick-work/train --package ../build/quick-package

Copies a few held-out images (NIH fold-1 images, positives included, and brain MRI test-split
JPEGs) into PACKAGE/golden/, and writes golden/golden.json (images, texts, results) and
golden/README.md. Never calls the C++ core.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import sys

import numpy as np
import torch

from . import splits, text
from .export import DecoderGraph, VisionGraph, PACKAGE_NAME, dkam_text, image_inputs, load_trained, round9, \
    sha256_file, text_inputs, write_json
from .check_export import USER_FINDINGS
from .preprocess import decode_grey, preprocess_file
from .predict import score
from .train import DEFAULT_DATA, NIH_FINDINGS, REPO_ROOT, input_size, read_mri_split

DEFAULT_MRI_TEST = "assets/splits/brain_mri_test.csv"
GOLDEN_TOLERANCE = {"pixels_png": 0, "pixels_jpeg": 0, "features": 1e-4, "probabilities": 1e-4}

README = """# Golden images of {package}

Sample images held out of training, copied unchanged from the project's data sets, and
`golden.json`: what PyTorch computes for them (preprocessed pixels, image features, DKAM text
features, and a results document for the fp32 variant), written by `radz.golden`.

| file | source | label |
|---|---|---|
{rows}

## Sources and licences

- Chest X-rays (`*.png`): NIH ChestX-ray14, fold 1 of the project's `nih1000` subset (the fold
  held out of training). Images from the NIH Clinical Center,
  https://nihcc.app.box.com/v/ChestXray-NIHCC ; use unrestricted, attribution required:
  Wang X, Peng Y, Lu L, Lu Z, Bagheri M, Summers RM. "ChestX-ray8: Hospital-scale Chest X-ray
  Database and Benchmarks on Weakly-Supervised Classification and Localization of Common Thorax
  Diseases." CVPR 2017.
- Brain MRI (`*.jpg`): test split (`assets/splits/brain_mri_test.csv`) of Msoud Nickparvar,
  "Brain Tumor MRI Dataset", Kaggle, 2021 (CC0), built from the figshare brain tumor dataset of
  Jun Cheng et al. (CC BY 4.0), SARTAJ and Br35H.

Not for clinical use.
"""


def pick_images(data_dir: str, mri_test: str, n_nih: int = 4) -> list[dict]:
    """NIH fold-1 images (normal, positives of training findings and of a held-out finding) and one MRI per class."""
    rows = sorted(splits.nih_rows(data_dir), key=lambda r: r["path"])
    fold1 = [r for r in rows if int(r["fold"]) == 1]
    chosen, seen = [], set()

    def take(pred):
        for r in fold1:
            if r["path"] not in seen and pred([f for f in NIH_FINDINGS if int(r[f]) == 1]):
                seen.add(r["path"])
                chosen.append(r)
                return

    take(lambda pos: not pos)
    take(lambda pos: "Effusion" in pos)
    take(lambda pos: "Cardiomegaly" in pos)
    take(lambda pos: "Pneumothorax" in pos or "Mass" in pos)
    out = [{"source": "nih1000/" + r["path"], "modality": "cxr",
            "label": [f for f in NIH_FINDINGS if int(r[f]) == 1] or ["No_Finding"]} for r in chosen[:n_nih]]
    mri = sorted(read_mri_split(mri_test), key=lambda r: r["path"])
    for cls in ("glioma", "meningioma", "pituitary", "notumor"):
        r = next(r for r in mri if r["label"] == cls)
        out.append({"source": "brain_mri/" + r["path"], "modality": "mri", "label": [cls]})
    return out


def golden_texts(tok, max_text: int) -> list[dict]:
    """DKAM texts of the package findings and user-style ones; raw texts of 1 and 2 tokens; one over the limit."""
    display = {m["id"]: m["display"] for m in text.MODALITIES}
    out = []
    for f in text.FINDINGS:
        d = text.DESCRIPTIONS[f["id"]][0]
        out.append({"modality": f["modality"], "name": f["display"], "description": d, "text": dkam_text(f, d)})
    for m, n, d in USER_FINDINGS:
        out.append({"modality": m, "name": n, "description": d,
                    "text": text.DKAM_TEMPLATE.format(modality=display[m], name=n, description=d)})
    out.append({"modality": "cxr", "name": "Effusion", "description": "a",
                "text": text.DKAM_TEMPLATE.format(modality=display["cxr"], name="Effusion", description="a")})
    long_desc = " ".join(["diffuse bilateral reticular opacities with volume loss"] * 30)
    out.append({"modality": "cxr", "name": "Interstitial lung disease", "description": long_desc,
                "text": text.DKAM_TEMPLATE.format(modality=display["cxr"], name="Interstitial lung disease",
                                                  description=long_desc)})
    # Raw texts (no template): `text` is what is tokenized; the shortest possible sequences.
    for raw in ("a", "Effusion", "ü"):
        out.append({"modality": "cxr", "name": None, "description": raw, "text": raw, "raw": True})
    for t in out:
        ids = tok.encode(t["text"])
        t["truncated"] = len(ids) > max_text
        t["token_ids"] = ids[:max_text]
    return out


def make_golden(train_dir: str, package: str, data_dir: str, mri_test: str, made_by: str, threads: int = 1) -> dict:
    torch.set_num_threads(threads)
    model, cfg, tok, sp = load_trained(train_dir)
    mc = model.cfg
    max_text = mc.max_length - 1 - mc.n_cls
    table = np.fromfile(os.path.join(package, "embeddings.fp32.bin"), dtype="<f4").reshape(mc.vocab_size, mc.hidden_size)
    gdir = os.path.join(package, "golden")
    if os.path.isdir(gdir):
        shutil.rmtree(gdir)
    os.makedirs(gdir)
    vision_t, decoder_t = VisionGraph(model), DecoderGraph(model)

    def decoder(inputs):
        with torch.no_grad():
            outs = decoder_t(torch.from_numpy(inputs["inputs_embeds"]), torch.from_numpy(inputs["attention_mask"]),
                             torch.from_numpy(inputs["pool_mask"]))
        return [o.numpy() for o in outs]

    anchors_path = os.path.join(package, "anchors.fp32.json")
    with open(anchors_path) as f:
        anchor_table = json.load(f)

    images, results_images = [], []
    for im in pick_images(data_dir, os.path.join(REPO_ROOT, mri_test)):
        src = os.path.join(data_dir, im["source"])
        name = os.path.basename(src)
        dst = os.path.join(gdir, name)
        shutil.copyfile(src, dst)
        px = preprocess_file(dst, input_size(cfg, im["modality"]))   # the modality's input size (section 2)
        with torch.no_grad():
            toks = vision_t(torch.from_numpy(px[None, None])).numpy()
        feat = decoder(image_inputs(table, toks, sp.modality[im["modality"]], sp))[0][0]
        images.append({"file": name, "modality": im["modality"], "source": im["source"], "label": im["label"],
                       "pixels": [float(v) for v in px.reshape(-1)], "token_ids": [sp.bos, sp.modality[im["modality"]]],
                       "image_feature": [float(v) for v in feat]})
        h, w = decode_grey(dst).shape
        findings = score(feat, [fd for fd in anchor_table["findings"] if fd["modality"] == im["modality"]])
        results_images.append({"file": name, "sha256": sha256_file(dst), "modality": im["modality"], "width": w,
                               "height": h, "feature": [float(v) for v in feat], "findings": findings})

    texts = golden_texts(tok, max_text)
    inputs, _ = text_inputs(table, [t["token_ids"] for t in texts], sp, max_text)
    anc = decoder(inputs)[2]
    for t, a in zip(texts, anc):
        t["anchor_feature"] = [float(v) for v in a]

    results = {
        "schema": "radz-results", "schema_version": 0,
        "program": {"name": "recipe", "version": "0.1.0", "build": "pytorch"},
        "package": {"name": PACKAGE_NAME, "manifest_sha256": None, "variant": "fp32"},
        "backend": {"execution_provider": "pytorch", "adapter": None, "threads": threads},
        "anchors": {"source": "package", "sha256": sha256_file(anchors_path), "findings": len(anchor_table["findings"])},
        "images": results_images,
    }
    golden = {"format": "radz-golden", "format_version": 0, "package": PACKAGE_NAME, "variant": "fp32",
              "made_by": made_by, "images": images, "texts": texts, "results": results}
    write_json(os.path.join(gdir, "golden.json"), golden, indent=None)
    rows = "\n".join(f"| `{i['file']}` | `{i['source']}` | {', '.join(i['label'])} |" for i in images)
    with open(os.path.join(gdir, "README.md"), "w") as f:
        f.write(README.format(package=PACKAGE_NAME, rows=rows))
    return {"file": "golden/golden.json", "made_by": made_by, "variant": "fp32", "tolerance": dict(GOLDEN_TOLERANCE)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--train", required=True)
    ap.add_argument("--package", required=True)
    ap.add_argument("--data", default=DEFAULT_DATA)
    ap.add_argument("--mri-test-split", default=DEFAULT_MRI_TEST, help="relative to the repo root")
    args = ap.parse_args(argv)
    made_by = "python3 -m radz.golden " + " ".join(argv if argv is not None else sys.argv[1:])
    print(json.dumps(make_golden(args.train, args.package, args.data, args.mri_test_split, made_by)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
