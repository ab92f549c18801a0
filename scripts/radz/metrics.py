"""Metrics of the recipe's evaluations (numpy only): ROC AUC with ties, F1/accuracy at a threshold,
the optimistic best threshold, bootstrap intervals by a grouping column (patients), Spearman.

The core has its own implementation (core/metrics.cpp); tests/test_recipe_results.sh checks that
`radz eval` reproduces the AUCs computed here.
"""
from __future__ import annotations

import numpy as np


def average_ranks(x: np.ndarray) -> np.ndarray:
    """1-based ranks, ties get the mean of their ranks."""
    x = np.asarray(x, dtype=np.float64)
    order = np.argsort(x, kind="stable")
    xs = x[order]
    starts = np.r_[True, xs[1:] != xs[:-1]]
    group = np.cumsum(starts) - 1
    first = np.flatnonzero(starts)
    counts = np.diff(np.r_[first, len(xs)])
    avg = first + (counts + 1) / 2.0          # mean of ranks first+1 .. first+count
    r = np.empty(len(xs))
    r[order] = avg[group]
    return r


def auc(score, y) -> float | None:
    """Mann-Whitney ROC AUC, ties counted half; None when a class is absent."""
    score = np.asarray(score, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    pos = int(y.sum())
    neg = len(y) - pos
    if pos == 0 or neg == 0:
        return None
    r = average_ranks(score)
    return float((r[y == 1].sum() - pos * (pos + 1) / 2.0) / (pos * neg))


def at_threshold(pred, y) -> dict:
    """F1, accuracy, sensitivity, specificity of the boolean prediction `pred` against 0/1 labels."""
    pred = np.asarray(pred, dtype=bool)
    y = np.asarray(y, dtype=bool)
    tp = int(np.sum(pred & y))
    fp = int(np.sum(pred & ~y))
    fn = int(np.sum(~pred & y))
    tn = int(np.sum(~pred & ~y))
    f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0
    return {"f1": f1, "accuracy": (tp + tn) / max(1, len(y)),
            "sensitivity": tp / (tp + fn) if tp + fn else None, "specificity": tn / (tn + fp) if tn + fp else None}


def best_threshold(score, y) -> dict:
    """The largest F1 and the largest accuracy over all thresholds `score >= t` (optimistic: chosen on the labels)."""
    score = np.asarray(score, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    order = np.argsort(-score, kind="stable")
    s, ys = score[order], y[order]
    tp = np.cumsum(ys)
    fp = np.cumsum(1 - ys)
    pos = ys.sum()
    n = len(ys)
    cut = np.r_[s[1:] != s[:-1], True]        # only between distinct scores
    tp, fp = tp[cut], fp[cut]
    f1 = 2 * tp / np.maximum(1e-12, tp + fp + pos)
    acc = (tp + (n - pos - fp)) / n
    return {"f1": float(max(f1.max(), 0.0)), "accuracy": float(max(acc.max(), (n - pos) / n))}


def spearman(a, b) -> float:
    ra, rb = average_ranks(a), average_ranks(b)
    ra -= ra.mean()
    rb -= rb.mean()
    d = np.sqrt((ra * ra).sum() * (rb * rb).sum())
    return float((ra * rb).sum() / d) if d > 0 else float("nan")


def group_bootstrap(groups, statistic, n_boot: int = 1000, seed: int = 0) -> tuple[float, float]:
    """95% percentile interval of statistic(row_indices) over resamples of whole groups with replacement.

    Resamples where the statistic is None or NaN (e.g. no positive drawn) are dropped."""
    groups = np.asarray(groups)
    uniq, inv = np.unique(groups, return_inverse=True)
    rows_of = [np.flatnonzero(inv == g) for g in range(len(uniq))]
    rng = np.random.default_rng(seed)
    vals = []
    for _ in range(n_boot):
        pick = rng.integers(0, len(uniq), len(uniq))
        idx = np.concatenate([rows_of[g] for g in pick])
        v = statistic(idx)
        if v is not None and not np.isnan(v):
            vals.append(v)
    if not vals:
        return float("nan"), float("nan")
    return float(np.percentile(vals, 2.5)), float(np.percentile(vals, 97.5))
