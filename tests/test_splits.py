"""Tests of scripts/radz/splits.py and the committed brain MRI split (assets/splits/).

    /usr/bin/python3 tests/test_splits.py [--data ../shared/data]

Recomputes the 64x64 preprocessed images of the brain MRI set (cached in build/cache/) and checks
that no test image correlates >= 0.95 with any training image, that the two files partition the
source labels, the sizes (about 20%, per class too), that all 4 classes are on both sides, and
that the split script reproduces the committed files. Also checks the NIH label parsing.
Prints `N passed, N failed`.
"""
from __future__ import annotations

import argparse
import os
import sys

import numpy as np

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.realpath(__file__)), ".."))
sys.path.insert(0, os.path.join(REPO, "scripts"))

from radz import splits  # noqa: E402
from py_runner import run_tests  # noqa: E402
from radz.preprocess import load_images  # noqa: E402

SPLIT_DIR = os.path.join(REPO, "assets", "splits")


class Ctx:
    def __init__(self, data: str):
        self.data = data
        self.root = os.path.join(data, "brain_mri")
        self.source = splits.mri_rows(os.path.join(self.root, "labels.csv"))
        self.train = splits.mri_rows(os.path.join(SPLIT_DIR, "brain_mri_train.csv"))
        self.test = splits.mri_rows(os.path.join(SPLIT_DIR, "brain_mri_test.csv"))
        self.index = {r["path"]: i for i, r in enumerate(self.source)}
        self._z = None

    def z(self) -> np.ndarray:
        if self._z is None:
            images = load_images(self.root, [r["path"] for r in self.source], os.path.join(REPO, "build", "cache"))
            self._z = splits.standardised(images)
        return self._z


def test_files_partition_the_source(c: Ctx):
    src = {(r["path"], r["label"]) for r in c.source}
    tr = [(r["path"], r["label"]) for r in c.train]
    te = [(r["path"], r["label"]) for r in c.test]
    assert len(set(tr)) == len(tr) and len(set(te)) == len(te), "duplicate rows"
    assert not ({p for p, _ in tr} & {p for p, _ in te}), "a path on both sides"
    assert set(tr) | set(te) == src, "train + test differ from labels.csv (paths or labels)"


def test_sizes_about_20_percent(c: Ctx):
    share = len(c.test) / len(c.source)
    assert 0.18 <= share <= 0.22, share
    for cls in splits.MRI_CLASSES:
        n = sum(1 for r in c.source if r["label"] == cls)
        t = sum(1 for r in c.test if r["label"] == cls)
        assert 0.15 <= t / n <= 0.25, (cls, t, n)


def test_all_classes_on_both_sides(c: Ctx):
    for side in (c.train, c.test):
        assert {r["label"] for r in side} == set(splits.MRI_CLASSES)


def test_no_test_image_near_duplicates_a_training_image(c: Ctx):
    z = c.z()
    te = np.array([c.index[r["path"]] for r in c.test])
    tr = np.array([c.index[r["path"]] for r in c.train])
    worst = -1.0
    for b in range(0, len(te), 512):
        corr = z[te[b:b + 512]] @ z[tr].T
        worst = max(worst, float(corr.max()))
    print(f"  highest test-train correlation: {worst:.4f}")
    assert worst < splits.NEAR_DUP_CORR, worst
    assert worst < splits.GROUP_CORR, f"{worst}: the grouping margin is not kept"


def test_source_has_near_duplicates(c: Ctx):
    # The check above means something only because the set does hold near-duplicates.
    pairs = splits.near_duplicate_pairs(c.z())
    assert len(pairs) > 1000, len(pairs)


def test_script_reproduces_committed_split(c: Ctx):
    groups = splits.components(len(c.source), splits.near_duplicate_pairs(c.z(), splits.GROUP_CORR))
    labels = [r["label"] for r in c.source]
    test = splits.split_groups(groups, labels, splits.TEST_SHARE, splits.SPLIT_SEED)
    assert sorted(c.source[i]["path"] for i in test) == sorted(r["path"] for r in c.test)


def test_components_and_group_split():
    groups = splits.components(6, [(0, 3), (3, 5), (1, 2)])
    assert groups == [[0, 3, 5], [1, 2], [4]], groups
    labels = ["glioma"] * 10 + ["notumor"] * 10
    groups = [[0, 1, 2], [3], [4], [5], [6], [7], [8], [9]] + [[i] for i in range(10, 20)]
    test = splits.split_groups(groups, labels, 0.2, 1)
    assert sum(1 for i in test if labels[i] == "glioma") <= 2
    assert sum(1 for i in test if labels[i] == "notumor") == 2
    assert not ({0, 1, 2} & test), "a group of 3 cannot fit a target of 2"


def test_standardised_is_pearson():
    rng = np.random.default_rng(0)
    x = rng.random((3, 8, 8))
    x[2] = 0.5
    z = splits.standardised(x)
    r = np.corrcoef(x[0].ravel(), x[1].ravel())[0, 1]
    assert abs(float(z[0] @ z[1]) - r) < 1e-12
    assert not z[2].any(), "a constant image correlates with nothing"


def test_nih_rows(c: Ctx):
    rows = splits.nih_rows(c.data)
    assert len(rows) == 1000
    r = rows[0]
    assert isinstance(r["fold"], int) and isinstance(r["Effusion"], int) and r["path"].startswith("images/")
    assert splits.nih_positive_ids({f: 0 for f in splits.NIH_FINDINGS}) == ["No_Finding"]
    assert sum(1 for r in rows if splits.nih_positive_ids(r) == ["No_Finding"]) == 500
    assert sum(1 for r in rows if "Effusion" in splits.nih_positive_ids(r)) == 170


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=os.path.join(REPO, "..", "shared", "data"))
    args = ap.parse_args()
    return run_tests(globals(), lambda: Ctx(args.data))


if __name__ == "__main__":
    sys.exit(main())
