"""Data splits: NIH label rows, and the brain MRI train/test split with near-duplicates kept together.

    cd scripts && /usr/bin/python3 -m radz.splits            # writes assets/splits/brain_mri_{train,test}.csv

The brain MRI set holds many near-duplicates (the same slice saved twice, sometimes resized).
Two images are near-duplicates when the Pearson correlation of their 64x64 preprocessed images
(docs/model-package.md section 2, radz.preprocess) is >= 0.95. Images are grouped by the
connected components of "correlation >= 0.94" (a margin below 0.95, so that float rounding or
another JPEG decoder cannot put a 0.95 pair across the split). A group goes wholly to test or
wholly to train, so no test image correlates >= 0.94 with a training image. Components are visited in a seeded random
order and put into test while their classes still need images (20% of each class), which
stratifies the split by class.
"""
from __future__ import annotations

import argparse
import csv
import os
import random

import numpy as np

from .preprocess import load_images

NIH_FINDINGS = ["Atelectasis", "Cardiomegaly", "Effusion", "Infiltration", "Mass", "Nodule", "Pneumonia",
                "Pneumothorax", "Consolidation", "Edema", "Emphysema", "Fibrosis", "Pleural_Thickening", "Hernia"]
NIH_INT_COLUMNS = ["patient_id", "fold"] + NIH_FINDINGS
MRI_CLASSES = ["glioma", "meningioma", "pituitary", "notumor"]
NEAR_DUP_CORR = 0.95   # the definition of a near-duplicate, checked by tests/test_splits.py
GROUP_CORR = 0.94      # grouping threshold: a margin so rounding cannot put a 0.95 pair across the split
TEST_SHARE = 0.2
SPLIT_SEED = 20250101

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.realpath(__file__)), "..", ".."))
DEFAULT_DATA = os.path.join(REPO_ROOT, "..", "shared", "data")
SPLIT_DIR = os.path.join(REPO_ROOT, "assets", "splits")


def nih_rows(data_dir: str) -> list[dict]:
    """Rows of <data_dir>/nih1000/labels.csv; `path` stays a string (relative to nih1000/), the rest are ints."""
    path = os.path.join(data_dir, "nih1000", "labels.csv")
    if not os.path.exists(path):
        raise SystemExit(f"{path}: NIH labels not found")
    with open(path, newline="") as f:
        reader = csv.DictReader(f)
        missing = [c for c in ["path"] + NIH_INT_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise SystemExit(f"{path}: header: expected columns path,{','.join(NIH_INT_COLUMNS)}, missing {missing}")
        rows = []
        for line, r in enumerate(reader, start=2):
            out = {"path": r["path"]}
            for c in NIH_INT_COLUMNS:
                try:
                    out[c] = int(r[c])
                except (TypeError, ValueError):
                    raise SystemExit(f"{path}: line {line}: field {c}: expected an integer, found {r[c]!r}")
                if c in NIH_FINDINGS and out[c] not in (0, 1):
                    raise SystemExit(f"{path}: line {line}: field {c}: expected 0 or 1, found {out[c]}")
            rows.append(out)
    return rows


def nih_positive_ids(row: dict) -> list[str]:
    """The row's positive findings in NIH column order, or ["No_Finding"] when it has none."""
    pos = [f for f in NIH_FINDINGS if int(row[f]) == 1]
    return pos or ["No_Finding"]


def mri_rows(path: str) -> list[dict]:
    """Rows (path, label) of a brain MRI labels / split CSV."""
    if not os.path.exists(path):
        raise SystemExit(f"{path}: brain MRI labels not found")
    with open(path, newline="") as f:
        reader = csv.DictReader(f)
        if reader.fieldnames != ["path", "label"]:
            raise SystemExit(f"{path}: header: expected path,label, found {','.join(reader.fieldnames or [])}")
        rows = []
        for line, r in enumerate(reader, start=2):
            if r["label"] not in MRI_CLASSES:
                raise SystemExit(f"{path}: line {line}: field label: expected one of {MRI_CLASSES}, found {r['label']!r}")
            rows.append({"path": r["path"], "label": r["label"]})
    return rows


def standardised(images: np.ndarray) -> np.ndarray:
    """[N, ...] images -> [N, P] float64 rows with mean 0 and L2 norm 1 (all-zero rows for constant images)."""
    x = images.reshape(len(images), -1).astype(np.float64)
    x = x - x.mean(axis=1, keepdims=True)
    n = np.linalg.norm(x, axis=1, keepdims=True)
    return np.divide(x, n, out=np.zeros_like(x), where=n > 0)


def near_duplicate_pairs(z: np.ndarray, threshold: float = NEAR_DUP_CORR, block: int = 1024) -> list[tuple[int, int]]:
    """(i, j), i < j, with Pearson correlation >= threshold, from standardised rows `z`."""
    pairs = []
    for b in range(0, len(z), block):
        c = z[b:b + block] @ z.T
        ii, jj = np.nonzero(c >= threshold)
        ii = ii + b
        keep = ii < jj
        pairs += list(zip(ii[keep].tolist(), jj[keep].tolist()))
    return pairs


def components(n: int, pairs: list[tuple[int, int]]) -> list[list[int]]:
    """Connected components (lists of indices, each sorted; ordered by first index) of a graph."""
    parent = list(range(n))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j in pairs:
        ri, rj = root(i), root(j)
        if ri != rj:
            parent[max(ri, rj)] = min(ri, rj)
    groups: dict = {}
    for i in range(n):
        groups.setdefault(root(i), []).append(i)
    return sorted(groups.values(), key=lambda g: g[0])


def split_groups(groups: list[list[int]], labels: list[str], test_share: float, seed: int) -> set[int]:
    """Indices of the test side: whole groups, seeded order, each class filled up to test_share."""
    target = {c: round(test_share * sum(1 for l in labels if l == c)) for c in MRI_CLASSES}
    have = {c: 0 for c in MRI_CLASSES}
    order = list(range(len(groups)))
    random.Random(seed).shuffle(order)
    test: set[int] = set()
    for g in order:
        need = {}
        for i in groups[g]:
            need[labels[i]] = need.get(labels[i], 0) + 1
        if all(have[c] + k <= target[c] for c, k in need.items()):
            test.update(groups[g])
            for c, k in need.items():
                have[c] += k
    return test


def write_split(path: str, rows: list[dict]) -> None:
    tmp = path + ".tmp"
    with open(tmp, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["path", "label"])
        for r in rows:
            w.writerow([r["path"], r["label"]])
    os.replace(tmp, path)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=DEFAULT_DATA, help="folder holding brain_mri/ (default ../shared/data)")
    ap.add_argument("--out", default=SPLIT_DIR, help="output folder (default assets/splits)")
    ap.add_argument("--seed", type=int, default=SPLIT_SEED)
    ap.add_argument("--test-share", type=float, default=TEST_SHARE)
    args = ap.parse_args()

    root = os.path.join(args.data, "brain_mri")
    rows = mri_rows(os.path.join(root, "labels.csv"))
    images = load_images(root, [r["path"] for r in rows], os.path.join(REPO_ROOT, "build", "cache"))
    z = standardised(images)
    pairs = near_duplicate_pairs(z, GROUP_CORR)
    n_dup = len(near_duplicate_pairs(z, NEAR_DUP_CORR))
    groups = components(len(rows), pairs)
    labels = [r["label"] for r in rows]
    test = split_groups(groups, labels, args.test_share, args.seed)
    mixed = sum(1 for g in groups if len({labels[i] for i in g}) > 1)
    in_dup = sum(len(g) for g in groups if len(g) > 1)
    os.makedirs(args.out, exist_ok=True)
    test_rows = [r for i, r in enumerate(rows) if i in test]
    train_rows = [r for i, r in enumerate(rows) if i not in test]
    write_split(os.path.join(args.out, "brain_mri_test.csv"), test_rows)
    write_split(os.path.join(args.out, "brain_mri_train.csv"), train_rows)
    print(f"{len(rows)} images, {n_dup} near-duplicate pairs (r >= {NEAR_DUP_CORR}), {len(pairs)} pairs with "
          f"r >= {GROUP_CORR}, {len(groups)} groups, "
          f"{in_dup} images in groups of 2+, {mixed} groups with mixed labels")
    for name, rs in (("train", train_rows), ("test", test_rows)):
        counts = ", ".join(f"{c} {sum(1 for r in rs if r['label'] == c)}" for c in MRI_CLASSES)
        print(f"{name}: {len(rs)} ({counts})")


if __name__ == "__main__":
    main()
