"""docs/results/accuracy.md from the committed out-of-fold predictions and the shipped model's test results.

    cd scripts && /usr/bin/python3 -m radz.report --out ../docs/results/accuracy.md

Reads docs/results/oof/fold*.{json} (written by radz.oof, one model per NIH fold), pools the folds
that are done, and assets/models/radz-tiny-results/ (brain MRI test split, per variant). Every figure
in the page is computed here from those files; nothing is typed in by hand.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import sys

import numpy as np

from . import metrics
from .package_results import finding_label, mri_labels, nih_labels
from .train import DEFAULT_DATA, NIH_FINDINGS, REPO_ROOT

# The section radz.modality report writes into accuracy.md: kept when this report rewrites the page.
MODALITY_BEGIN = "<!-- radz.modality report: begin -->"
MODALITY_END = "<!-- radz.modality report: end -->"
OOF_DIR = os.path.join(REPO_ROOT, "docs", "results", "oof")
SHIPPED_RESULTS = os.path.join(REPO_ROOT, "assets", "models", "radz-tiny-results")
N_BOOT = 1000
BOOT_SEED = 0
MIN_POS_MEAN = 20          # findings in the headline seen mean: >= this many positives over the 1,000 images
CNN_REFERENCE = 0.66       # small supervised CNN on these 64 px images, pooled OOF, same 8 findings (issue #3)
TARGETS = {"seen": 0.70, "unseen": 0.60, "mri": 0.90, "int8_auc": 0.01, "int8_top1": 0.95, "int8_size": 0.3,
           "int8_mb": 10.0}


def load(path: str) -> dict:
    with open(path) as f:
        return json.load(f)


def fmt(x, d=3) -> str:
    if x is None or (isinstance(x, float) and np.isnan(x)):
        return "n/a"
    return f"{x:.{d}f}"


def ci(lo_hi) -> str:
    lo, hi = lo_hi
    return "n/a" if np.isnan(lo) else f"{lo:.3f}-{hi:.3f}"


class Pool:
    """Pooled out-of-fold predictions of one variant: per image (row) the logits of every finding."""

    def __init__(self, docs: list[dict], labels: dict):
        ims = [im for d in docs for im in d["images"]]
        bad = [im["file"] for im in ims if "findings" not in im]
        if bad:
            raise SystemExit(f"{bad[0]}: an image without findings in the out-of-fold predictions")
        self.files = [im["file"] for im in ims]
        self.ids = [fd["id"] for fd in ims[0]["findings"]]
        for im in ims:
            if [fd["id"] for fd in im["findings"]] != self.ids:
                raise SystemExit(f"{im['file']}: findings differ between folds' anchor tables")
        self.logit = np.array([[fd["logit"] for fd in im["findings"]] for im in ims])
        self.prob = np.array([[fd["probability"] for fd in im["findings"]] for im in ims])
        self.calibrated = {fd["id"]: fd["calibrated"] for fd in ims[0]["findings"]}
        rows = [labels[f] for f in self.files]
        self.patient = np.array([r["patient_id"] for r in rows])
        self.fold = np.array([r["fold"] for r in rows])
        self.y = {fid: np.array([finding_label(r, fid) for r in rows]) for fid in self.ids}

    def col(self, fid: str) -> int:
        return self.ids.index(fid)

    def auc(self, fid: str, idx=None) -> float | None:
        k = self.col(fid)
        idx = np.arange(len(self.files)) if idx is None else idx
        return metrics.auc(self.logit[idx, k], self.y[fid][idx])

    def mean_auc(self, fids: list[str], idx=None) -> float | None:
        vals = [self.auc(f, idx) for f in fids]
        vals = [v for v in vals if v is not None]
        return float(np.mean(vals)) if len(vals) == len(fids) else None


def mri_block(shipped: dict) -> tuple[list[str], dict]:
    """Lines and figures for the brain MRI test split, per variant."""
    lines, figs = [], {}
    labels = mri_labels("assets/splits/brain_mri_test.csv")
    data = {}
    for v, doc in shipped.items():
        ims = doc["images"]
        ids = [fd["id"] for fd in ims[0]["findings"]]
        logit = np.array([[fd["logit"] for fd in im["findings"]] for im in ims])
        truth = np.array([ids.index(labels[im["file"]]) for im in ims])
        data[v] = (ids, logit, truth, [im["file"] for im in ims])
    if not data:
        return ["No brain MRI results found (assets/models/radz-tiny-results/)."], figs
    rows = np.arange(len(next(iter(data.values()))[2]))
    lines.append("| variant | images | 4-class accuracy (95% CI) | macro AUC (95% CI) | " +
                 " | ".join(f"AUC {c}" for c in next(iter(data.values()))[0]) + " |")
    lines.append("|---|---|---|---|" + "---|" * len(next(iter(data.values()))[0]))
    for v, (ids, logit, truth, _) in data.items():
        acc = lambda idx: float(np.mean(np.argmax(logit[idx], 1) == truth[idx]))
        mac = lambda idx: float(np.mean([metrics.auc(logit[idx, k], truth[idx] == k) for k in range(len(ids))]))
        a, m = acc(rows), mac(rows)
        figs[v] = {"accuracy": a, "macro_auc": m, "top1": np.argmax(logit, 1), "logit": logit, "truth": truth}
        lines.append(f"| {v} | {len(rows)} | {a:.3f} ({ci(metrics.group_bootstrap(rows, acc, N_BOOT, BOOT_SEED))}) | "
                     f"{m:.3f} ({ci(metrics.group_bootstrap(rows, mac, N_BOOT, BOOT_SEED))}) | " +
                     " | ".join(fmt(metrics.auc(logit[:, k], truth == k)) for k in range(len(ids))) + " |")
    if "fp32" in data:
        ids, logit, truth, _ = data["fp32"]
        top1 = np.argmax(logit, 1)
        lines += ["", "Confusion matrix (fp32; rows: truth, columns: top-1 = largest logit):", "",
                  "| truth \\ predicted | " + " | ".join(ids) + " |", "|---|" + "---|" * len(ids)]
        for a in range(len(ids)):
            lines.append(f"| {ids[a]} | " + " | ".join(str(int(np.sum((truth == a) & (top1 == b)))) for b in range(len(ids))) + " |")
    return lines, figs


def report(data_dir: str) -> str:
    labels = nih_labels(data_dir)
    metas = {}
    for f in range(5):
        p = os.path.join(OOF_DIR, f"fold{f}.meta.json")
        if os.path.exists(p):
            metas[f] = load(p)
    if not metas:
        raise SystemExit(f"{OOF_DIR}: no finished fold (fold*.meta.json): run scripts/oof.sh")
    folds = sorted(metas)
    variants = metas[folds[0]]["variants"]
    held_out = metas[folds[0]]["held_out"]
    pools = {v: Pool([load(os.path.join(OOF_DIR, f"fold{f}.{v}.json")) for f in folds], labels) for v in variants}
    plain = Pool([load(os.path.join(OOF_DIR, f"fold{f}.plain-names.json")) for f in folds], labels)
    fp = pools["fp32"]
    n_img, n_pat = len(fp.files), len(set(fp.patient.tolist()))
    all_rows = np.arange(n_img)
    seen = [f for f in NIH_FINDINGS if f not in held_out]
    pos_total = {f: int(sum(r[f] for r in labels.values())) for f in NIH_FINDINGS}
    seen_main = [f for f in seen if pos_total[f] >= MIN_POS_MEAN]
    seen_any = [f for f in seen if fp.y[f].sum() >= 3]
    unseen = [f for f in held_out if fp.y[f].sum() >= 1]
    boot = lambda stat: metrics.group_bootstrap(fp.patient, stat, N_BOOT, BOOT_SEED)

    L = ["# Accuracy", ""]
    L.append(f"Written by `scripts/oof.sh` (`python3 -m radz.report`) on "
             f"{datetime.date.today().isoformat()}; every figure is computed from the committed predictions in "
             "`docs/results/oof/` and `assets/models/radz-tiny-results/`.")
    L.append("")
    if len(folds) < 5:
        L.append(f"**Partial: {len(folds)} of 5 folds done (folds {', '.join(map(str, folds))}; {n_img} of 1,000 images, "
                 f"{n_pat} patients).** `scripts/oof.sh` resumes with the rest; the figures below pool the folds done "
                 "so far and will move when the others land.")
    else:
        L.append(f"All 5 folds done: out-of-fold predictions for all {n_img} images ({n_pat} patients).")
    L += ["", "## Protocol", "",
          "- Chest X-ray: NIH `nih1000`, split by patient into 5 folds (`fold` column). For each fold a model is "
          "trained on the other four exactly as the shipped one (`scripts/train.sh` = `radz.build --seed 0`; the "
          "shipped model *is* the fold-1 model), and predicts the fold it never saw. The predictions of all "
          "folds are pooled.",
          f"- Held out of all training (zero-shot through their DKAM descriptions only): {', '.join(held_out)}. "
          "Their names never appear in training text, images positive for them are not trained on, and their "
          "operating points are label-free (marked uncalibrated).",
          "- Score pooled across folds: each fold model's logit = scale x (cosine - threshold), i.e. the cosine "
          "measured from that model's own operating point; within one model the AUC of the logit equals the "
          "AUC of the cosine.",
          "- Operating point: probability >= 50% (logit >= 0); the threshold is the Youden point on the fold "
          "model's own training images, derived the same way as the shipped model's (label-free for held-out "
          "findings). *Best threshold* columns pick the threshold on the evaluated labels: **optimistic**, for "
          "scale only.",
          f"- 95% intervals: percentile bootstrap, {N_BOOT} resamples of patients with replacement (seed "
          f"{BOOT_SEED}); brain MRI has no patient ids, so images are resampled.",
          f"- Headline seen mean: the {len(seen_main)} seen findings with >= {MIN_POS_MEAN} positives among the "
          f"1,000 images ({', '.join(seen_main)}); for scale, a small supervised CNN on these 64 px images "
          f"reaches about {CNN_REFERENCE:.2f} pooled out-of-fold mean AUC over the same findings.",
          ""]

    # ---- headline
    m_seen = fp.mean_auc(seen_main)
    m_seen_ci = boot(lambda i: fp.mean_auc(seen_main, i))
    m_any = fp.mean_auc(seen_any)
    m_any_ci = boot(lambda i: fp.mean_auc(seen_any, i))
    m_un = fp.mean_auc(unseen) if unseen else None
    m_un_ci = boot(lambda i: fp.mean_auc(unseen, i)) if unseen else (float("nan"), float("nan"))
    m_plain = plain.mean_auc(unseen) if unseen else None
    m_plain_ci = (metrics.group_bootstrap(plain.patient, lambda i: plain.mean_auc(unseen, i), N_BOOT, BOOT_SEED)
                  if unseen else (float("nan"), float("nan")))
    shipped = {}
    for v in variants:
        p = os.path.join(SHIPPED_RESULTS, f"{v}.mri-test.json")
        if os.path.exists(p):
            shipped[v] = load(p)
    mri_lines, mri = mri_block(shipped)

    pairs = {}
    for v in variants:
        if v == "fp32":
            continue
        q = pools[v]
        if q.files != fp.files:
            raise SystemExit(f"variant {v}: the out-of-fold images differ from fp32's")
        d_seen = q.mean_auc(seen_main) - m_seen
        def diff(i, q=q):
            a, b = q.mean_auc(seen_main, i), fp.mean_auc(seen_main, i)
            return None if a is None or b is None else a - b
        d_seen_ci = boot(diff)
        d_un = (q.mean_auc(unseen) - m_un) if unseen else None
        per = {f: (q.auc(f) or 0) - (fp.auc(f) or 0) for f in seen_any + unseen}
        cx = [fp.col(f) for f in fp.ids]
        top1 = float(np.mean(np.argmax(q.logit[:, cx], 1) == np.argmax(fp.logit[:, cx], 1)))
        sp = [metrics.spearman(q.logit[:, k], fp.logit[:, k]) for k in cx]
        pr = {"d_seen": d_seen, "d_seen_ci": d_seen_ci, "d_unseen": d_un, "max_abs_d": max(abs(x) for x in per.values()),
              "max_abs_d_id": max(per, key=lambda f: abs(per[f])), "top1": top1, "spearman_min": min(sp),
              "spearman_median": float(np.median(sp))}
        if v in mri and "fp32" in mri:
            a, b = mri[v], mri["fp32"]
            pr["mri_d_acc"] = a["accuracy"] - b["accuracy"]
            pr["mri_d_auc"] = a["macro_auc"] - b["macro_auc"]
            pr["mri_top1"] = float(np.mean(a["top1"] == b["top1"]))
            pr["mri_spearman_min"] = min(metrics.spearman(a["logit"][:, k], b["logit"][:, k]) for k in range(a["logit"].shape[1]))
        pr["bytes"] = metas[1 if 1 in metas else folds[0]]["package_bytes"][v]
        pairs[v] = pr
    fp_bytes = metas[1 if 1 in metas else folds[0]]["package_bytes"]["fp32"]

    def met(ok) -> str:
        return "n/a" if ok is None else ("**met**" if ok else "not met")

    L += ["## Summary against the targets", "",
          "| measure | value (95% CI) | target | |", "|---|---|---|---|",
          f"| chest X-ray, seen findings, mean AUC ({len(seen_main)} with >= {MIN_POS_MEAN} positives) | "
          f"{fmt(m_seen)} ({ci(m_seen_ci)}) | >= {TARGETS['seen']:.2f} | {met(m_seen is not None and m_seen >= TARGETS['seen'])} |",
          f"| chest X-ray, seen findings, mean AUC (all {len(seen_any)} with >= 3 positives here) | "
          f"{fmt(m_any)} ({ci(m_any_ci)}) | (>= {TARGETS['seen']:.2f}) | {met(m_any is not None and m_any >= TARGETS['seen'])} |",
          f"| chest X-ray, unseen (held-out) findings, mean AUC ({len(unseen)}) | {fmt(m_un)} ({ci(m_un_ci)}) | "
          f">= {TARGETS['unseen']:.2f} | {met(None if m_un is None else m_un >= TARGETS['unseen'])} |"]
    if "fp32" in mri:
        L.append(f"| brain MRI, 4-class accuracy (test split, shipped model) | {mri['fp32']['accuracy']:.3f} | "
                 f">= {TARGETS['mri']:.2f} | {met(mri['fp32']['accuracy'] >= TARGETS['mri'])} |")
    if "int8" in pairs:
        p8 = pairs["int8"]
        L.append(f"| int8 vs fp32: mean AUC difference (seen / unseen), largest per finding | "
                 f"{p8['d_seen']:+.4f} / {fmt(p8['d_unseen'], 4)}, {p8['max_abs_d']:.4f} ({p8['max_abs_d_id']}) | "
                 f"within {TARGETS['int8_auc']} | {met(abs(p8['d_seen']) <= TARGETS['int8_auc'] and (p8['d_unseen'] is None or abs(p8['d_unseen']) <= TARGETS['int8_auc']))} |")
        L.append(f"| int8 vs fp32: top-1 agreement (chest X-ray / brain MRI) | {p8['top1']:.3f} / "
                 f"{fmt(p8.get('mri_top1'))} | >= {TARGETS['int8_top1']:.2f} | "
                 f"{met(p8['top1'] >= TARGETS['int8_top1'] and p8.get('mri_top1', 1.0) >= TARGETS['int8_top1'])} |")
        ratio = p8["bytes"] / fp_bytes
        L.append(f"| int8 package size (graphs + embeddings + anchors + tokenizer) | {p8['bytes'] / 1e6:.2f} MB = "
                 f"{ratio:.3f}x fp32 ({fp_bytes / 1e6:.2f} MB) | <= {TARGETS['int8_size']}x and < {TARGETS['int8_mb']:.0f} MB | "
                 f"{met(ratio <= TARGETS['int8_size'] and p8['bytes'] < TARGETS['int8_mb'] * 1e6)} |")
    L.append("")

    # ---- per finding
    L += ["## Chest X-ray, per finding (fp32, pooled out-of-fold)", "",
          "| finding | | positives | AUC (95% CI) | F1 @ op | accuracy @ op | sensitivity / specificity @ op | "
          "best F1 (optimistic) | best accuracy (optimistic) |",
          "|---|---|---|---|---|---|---|---|---|"]

    def finding_row(pool: Pool, fid: str, tag: str, name: str | None = None) -> str:
        k = pool.col(fid)
        y = pool.y[fid]
        a = pool.auc(fid)
        if a is None:
            return f"| {name or fid} | {tag} | {int(y.sum())} | n/a | | | | | |"
        op = metrics.at_threshold(pool.logit[:, k] >= 0, y)
        best = metrics.best_threshold(pool.logit[:, k], y)
        a_ci = metrics.group_bootstrap(pool.patient, lambda i: pool.auc(fid, i), N_BOOT, BOOT_SEED)
        return (f"| {name or fid} | {tag} | {int(y.sum())} | {a:.3f} ({ci(a_ci)}) | {op['f1']:.3f} | {op['accuracy']:.3f} | "
                f"{fmt(op['sensitivity'], 2)} / {fmt(op['specificity'], 2)} | {best['f1']:.3f} | {best['accuracy']:.3f} |")

    for f in seen:
        L.append(finding_row(fp, f, "seen" + ("" if f in seen_main else f" (< {MIN_POS_MEAN} pos.)")))
    L.append(f"| **mean, seen ({len(seen_main)} with >= {MIN_POS_MEAN} positives)** | | | **{fmt(m_seen)}** ({ci(m_seen_ci)}) | | | | | |")
    L.append(f"| mean, seen (all {len(seen_any)} with >= 3 positives) | | | {fmt(m_any)} ({ci(m_any_ci)}) | | | | | |")
    for f in held_out:
        L.append(finding_row(fp, f, "**unseen**"))
    L.append(f"| **mean, unseen ({len(unseen)})** | | | **{fmt(m_un)}** ({ci(m_un_ci)}) | | | | | |")
    for f in held_out:
        L.append(finding_row(plain, f, "unseen, plain-name anchor", f"{f} (name only)"))
    L.append(f"| mean, unseen, plain-name anchors (sanity row) | | | {fmt(m_plain)} ({ci(m_plain_ci)}) | | | | | |")
    if "No_Finding" in fp.ids:
        L.append(finding_row(fp, "No_Finding", "normal (not in means)", "No finding"))
    L += ["", "The plain-name rows score the held-out findings with anchors computed from the DKAM template with "
          "the name alone as the description, instead of the project's knowledge descriptions: how much the "
          "descriptions carry.", ""]

    # ---- per fold
    L += ["## Per fold", "", "| fold | images | patients | model | threads | weights sha256 | seen mean AUC | unseen mean AUC |",
          "|---|---|---|---|---|---|---|---|"]
    for f in folds:
        idx = np.flatnonzero(fp.fold == f)
        s_ids = [x for x in seen_main if fp.y[x][idx].sum() >= 3]
        u_ids = [x for x in unseen if fp.y[x][idx].sum() >= 3]
        sm = fp.mean_auc(s_ids, idx) if s_ids else None
        um = fp.mean_auc(u_ids, idx) if u_ids else None
        m = metas[f]
        threads = m.get("threads", 2 if "--threads" not in m["recipe_command"] else m["recipe_command"].split("--threads ")[1].split()[0])
        L.append(f"| {f} | {len(idx)} | {len(set(fp.patient[idx].tolist()))} | {m['obtained']} (`{m['package']}`) | {threads} | "
                 f"`{m['weights_sha256'][:12]}` | {fmt(sm)} ({len(s_ids)} findings) | {fmt(um)} ({len(u_ids)} findings) |")
    L += ["", "Threads: torch's thread count while training; it changes only the order of floating-point sums "
          "(three folds ran side by side with one thread each on 2 cores). "
          "Within one fold only findings with >= 3 positives there are averaged; fold sizes and positives are "
          "very uneven (the folds are by patient), so per-fold figures are noisy.", ""]

    # ---- MRI
    L += ["## Brain MRI (shipped model, test split)", "",
          "`assets/splits/brain_mri_test.csv`: 20% of each class, near-duplicate groups (correlation >= 0.95 at "
          "64x64) kept on one side of the split. Top-1 = largest logit (the calibrated score the CLI and the page "
          "show: scale * (cosine - threshold), each class with its own calibration); ablations.md ranks recipes by "
          "the largest cosine, without the calibration, so its MRI top-1 can differ from this one and order two recipes "
          "otherwise.", ""] + mri_lines + [""]

    # ---- variants
    L += ["## Variants paired on the same images", "",
          "Chest X-ray: the pooled out-of-fold images, each variant of each fold model; brain MRI: the test split.", "",
          "| variant vs fp32 | bytes (x fp32) | seen mean AUC diff (95% CI) | unseen mean AUC diff | largest per-finding AUC diff | "
          "top-1 agreement cxr | Spearman of logits (min / median over findings) | MRI accuracy diff | MRI macro AUC diff | "
          "MRI top-1 agreement | MRI Spearman (min) |",
          "|---|---|---|---|---|---|---|---|---|---|---|"]
    for v, p in pairs.items():
        d_un = "n/a" if p["d_unseen"] is None else f"{p['d_unseen']:+.4f}"
        L.append(f"| {v} | {p['bytes'] / 1e6:.2f} MB ({p['bytes'] / fp_bytes:.3f}x) | {p['d_seen']:+.4f} ({p['d_seen_ci'][0]:+.4f} to "
                 f"{p['d_seen_ci'][1]:+.4f}) | {d_un} | "
                 f"{p['max_abs_d']:.4f} ({p['max_abs_d_id']}) | {p['top1']:.3f} | {p['spearman_min']:.4f} / "
                 f"{p['spearman_median']:.4f} | {p.get('mri_d_acc', float('nan')):+.4f} | {p.get('mri_d_auc', float('nan')):+.4f} | "
                 f"{fmt(p.get('mri_top1'))} | {fmt(p.get('mri_spearman_min'), 4)} |")
    L += ["", "## Reproduce", "",
          "```sh",
          "scripts/train.sh                       # the shipped model = the fold-1 model (about an hour)",
          "nohup scripts/oof.sh > build/oof.log 2>&1 &   # the other four fold models, hours; commits each fold",
          "scripts/oof.sh --report-only           # this page from the committed predictions",
          "build/release/radz eval ../shared/data/nih1000/labels.csv --fold 1   # the shipped model's fold 1 in the CLI",
          "```", ""]
    return "\n".join(L)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=DEFAULT_DATA)
    ap.add_argument("--out", required=True)
    args = ap.parse_args(argv)
    text = report(args.data)
    if os.path.exists(args.out):
        with open(args.out) as f:
            old = f.read()
        if MODALITY_BEGIN in old and MODALITY_END in old:   # radz.modality report's section: not this report's to drop
            text = (text.rstrip("\n") + "\n\n" +
                    old[old.index(MODALITY_BEGIN):old.index(MODALITY_END) + len(MODALITY_END)] + "\n")
    tmp = args.out + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, args.out)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
