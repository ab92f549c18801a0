#!/usr/bin/env bash
# `radz eval` against the recipe's own per-image results of every variant of a package:
#   tests/test_recipe_results.sh RADZ_BINARY PACKAGE_DIR RESULTS_DIR DATA_DIR WORK_DIR
# RESULTS_DIR holds V.nih-foldF.json, V.mri-test.json and V.eval.json per variant V, written by
# `python3 -m radz.package_results` (scripts/train.sh and scripts/build_package.sh run it).
# For each variant: the NIH fold the package did not train on and the brain MRI test split go
# through `radz eval --save-results`; `radz compare` must pass against the recipe's documents
# (the contract's 1e-4), and the AUCs and top-1 accuracy that `radz eval`
# reports must equal the recipe's up to the pairs whose order the per-image differences can swap.
set -u

radz="$1"
pkg="$2"
res="$3"
data="$4"
work="$5"
py=/usr/bin/python3
mkdir -p "$work"
export RADZ_DATA="$data"

failures=0
fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}

shopt -s nullglob
evals=("$res"/*.eval.json)
[ ${#evals[@]} -gt 0 ] || { echo "FAIL: $res: no *.eval.json (python3 -m radz.package_results --package $pkg)" >&2; exit 1; }
[ -f "$data/nih1000/labels.csv" ] || { echo "FAIL: $data/nih1000/labels.csv not found" >&2; exit 1; }

for ev in "${evals[@]}"; do
    v=$(basename "$ev" .eval.json)
    read -r folds mri_split < <("$py" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(",".join(map(str, d["cxr"]["folds"])), d["mri"]["split"])' "$ev")
    nih_ref="$res/$v.nih-fold${folds//,/-}.json"
    # The recipe's split path is relative to the repo root (the folder above tests/).
    mri_csv="$(cd "$(dirname "$0")/.." && pwd)/$mri_split"
    for f in ${folds//,/ }; do
        "$radz" eval "$data/nih1000/labels.csv" --fold "$f" --model "$pkg" --variant "$v" --threads 2 --ci 0 --json \
            --save-results "$work/$v.nih-fold$f.json" >"$work/$v.nih-fold$f.eval.json" 2>"$work/err" ||
            { fail "$v: radz eval NIH fold $f exited $?"; sed 's/^/  /' "$work/err" | head -5 >&2; }
    done
    "$radz" eval "$mri_csv" --images "$data/brain_mri" --model "$pkg" --variant "$v" --threads 2 --ci 0 --json \
        --save-results "$work/$v.mri-test.json" >"$work/$v.mri-test.eval.json" 2>"$work/err" ||
        { fail "$v: radz eval brain MRI test exited $?"; sed 's/^/  /' "$work/err" | head -5 >&2; }

    # Per image: the CLI's documents against the recipe's at the contract's tolerances
    # (probability 1e-4, cosine 1e-4, logit 1e-3, top-1). NIH images are PNG, brain MRI images
    # JPEG: both decode bit-exactly like the recipe's PIL (docs/model-package.md section 2).
    if "$radz" compare "$nih_ref" "$work/$v.nih-fold$folds.json" >"$work/cmp" 2>&1; then
        echo "$v NIH fold $folds (PNG): $(tail -1 "$work/cmp")"
    else
        fail "$v NIH fold $folds: radz compare"
        tail -5 "$work/cmp" >&2
    fi
    if "$radz" compare "$res/$v.mri-test.json" "$work/$v.mri-test.json" >"$work/cmp" 2>&1; then
        echo "$v brain MRI test (JPEG): $(tail -1 "$work/cmp")"
    else
        fail "$v brain MRI test: radz compare"
        tail -5 "$work/cmp" >&2
    fi

    # The figures radz eval reports against the recipe's. An AUC can only move through pairs
    # (positive, negative) whose logits are closer than the two documents' largest per-image
    # difference (twice it); a top-1 only for images whose top-2 margin is that close. Those
    # counts bound the allowed difference, which is 0 up to float noise.
    "$py" - "$ev" "$work/$v.nih-fold$folds.eval.json" "$work/$v.mri-test.eval.json" "$nih_ref" \
        "$work/$v.nih-fold$folds.json" "$res/$v.mri-test.json" "$work/$v.mri-test.json" <<'PY' || fail "$v: figures differ"
import json, sys
import csv, os
import numpy as np
ref = json.load(open(sys.argv[1]))
cli_nih = {f["id"]: f for f in json.load(open(sys.argv[2]))["findings"]}
cli_mri = json.load(open(sys.argv[3]))
docs = [json.load(open(p)) for p in sys.argv[4:8]]


def logits(doc):
    return {im["sha256"]: {f["id"]: f["logit"] for f in im["findings"]} for im in doc["images"] if "findings" in im}


PRINTED = 1e-8   # radz eval writes 9 significant digits


def max_diff(a, b):
    return max(abs(a[h][k] - b[h][k]) for h in a for k in a[h])


def auc_bound(ref_l, fid, labels, eps):
    """Largest AUC change possible when every logit moves by at most eps/2."""
    pos = np.array([ref_l[h][fid] for h in ref_l if labels[h]])
    neg = np.array([ref_l[h][fid] for h in ref_l if not labels[h]])
    if len(pos) == 0 or len(neg) == 0:
        return PRINTED
    close = np.sum(np.abs(pos[:, None] - neg[None, :]) <= eps)
    return float(close) / (len(pos) * len(neg)) + PRINTED


bad, n, worst = [], 0, 0.0
nr, nc, mr, mc = (logits(d) for d in docs)
eps_nih, eps_mri = 2 * max_diff(nr, nc), 2 * max_diff(mr, mc)
# Labels per image (by sha256) of the NIH fold, from the CSV: No_Finding = no other finding.
rows = {"nih1000/" + row["path"]: row
        for row in csv.DictReader(open(os.path.join(os.environ["RADZ_DATA"], "nih1000", "labels.csv")))}
columns = [k for k in next(iter(rows.values())) if k not in ("path", "patient_id", "fold")]
nih_rows = {im["sha256"]: rows[im["file"]] for im in docs[0]["images"]}


def nih_label(row, fid):
    return int(not any(int(row[k]) for k in columns)) if fid == "No_Finding" else int(row[fid])


for fid, r in ref["cxr"]["findings"].items():
    c = cli_nih.get(fid)
    if c is None:
        bad.append(f"cxr {fid}: missing in radz eval's output")
        continue
    if r["positives"] != c["positives"]:
        bad.append(f"cxr {fid}: positives {c['positives']} vs recipe {r['positives']}")
    if r["auc"] is None or c["auc"] is None:      # radz eval: n/a below --min-positives
        continue
    d = abs(r["auc"] - c["auc"])
    worst = max(worst, d)
    n += 1
    if d > PRINTED:
        lim = auc_bound(nr, fid, {h: nih_label(row, fid) for h, row in nih_rows.items()}, eps_nih)
        if d > lim:
            bad.append(f"cxr {fid}: AUC {c['auc']:.6f} vs recipe {r['auc']:.6f} (allowed {lim:.2e})")
mri_truth = {}
for im in docs[2]["images"]:
    mri_truth[im["sha256"]] = im["file"].split("/")[-2]          # brain_mri/images/<class>/<file>
cm = {f["id"]: f for f in cli_mri["findings"]}
for fid, r in ref["mri"]["findings"].items():
    d = abs(r["auc"] - cm[fid]["auc"])
    worst = max(worst, d)
    n += 1
    lim = auc_bound(mr, fid, {h: mri_truth[h] == fid for h in mr}, eps_mri)
    if d > lim:
        bad.append(f"mri {fid}: AUC {cm[fid]['auc']:.6f} vs recipe {r['auc']:.6f} (allowed {lim:.2e})")
margins = [sorted(v.values())[-1] - sorted(v.values())[-2] for v in mr.values()]
top1_lim = sum(m <= eps_mri for m in margins) / len(margins) + PRINTED
d = abs(ref["mri"]["top1_accuracy"] - cli_mri["top1_accuracy"])
if d > top1_lim:
    bad.append(f"mri top-1 accuracy {cli_mri['top1_accuracy']:.6f} vs recipe {ref['mri']['top1_accuracy']:.6f} "
               f"(allowed {top1_lim:.2e})")
for b in bad:
    print("  " + b, file=sys.stderr)
print(f"{ref['variant']}: {n} AUCs vs the recipe's: largest difference {worst:.2e} (NIH pairs within "
      f"{eps_nih:.1e}, MRI pairs within {eps_mri:.1e} may swap); MRI top-1 {cli_mri['top1_accuracy']:.4f} vs "
      f"recipe {ref['mri']['top1_accuracy']:.4f} (allowed {top1_lim:.4f})")
sys.exit(1 if bad else 0)
PY
done

if [ "$failures" -gt 0 ]; then
    echo "test_recipe_results: $failures failure(s)" >&2
    exit 1
fi
echo "test_recipe_results: all ${#evals[@]} variants match the recipe"
