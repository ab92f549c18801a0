#!/usr/bin/env bash
# radz eval on labels files as they come (docs/labels.md), end to end on real NIH images:
#   tests/test_label_formats.sh RADZ_BINARY PACKAGE_DIR DATA_DIR WORK_DIR
# tests/data/labels/ holds the same 60 images' labels in every format (written by
# scripts/make_label_formats.py from DATA_DIR/nih1000/labels.csv; checked to be what it writes).
# Each format must evaluate to the same figures as the same labels in the project's own format;
# the uncertain/blank policies are checked against references written per policy; the --csv
# outputs of eval and classify are read back and compared with --json.
set -u

radz="$1"
pkg="$2"
data="$3"
work="$4"
py=/usr/bin/python3
here="$(cd "$(dirname "$0")" && pwd)"
labels="$here/data/labels"
images="$data/nih1000/images"

. "$here/cli_test_lib.sh"   # fail and the counters
# run CODE NAME ARGS...: radz ARGS, stdout to $work/NAME.out, stderr to $work/NAME.err
run() {
    local code="$1" name="$2"
    shift 2
    checks=$((checks + 1))
    "$radz" "$@" >"$work/$name.out" 2>"$work/$name.err"
    local rc=$?
    if [ "$rc" != "$code" ]; then
        fail "$name: exit $rc, expected $code (radz $*)"
        sed 's/^/  stderr: /' "$work/$name.err" | head -5 >&2
    fi
}
log_contains() {
    checks=$((checks + 1))
    grep -qF -- "$2" "$work/$1" || fail "$1: expected '$2' in: $(head -c 600 "$work/$1")"
}
# same A B: two eval --json documents give the same figures (every finding and the mean)
same() {
    checks=$((checks + 1))
    $py - "$work/$1.out" "$work/$2.out" <<'PY' || fail "$1 and $2 differ"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
keys = ["positives", "negatives", "left_out", "auc", "auc_ci95", "f1", "accuracy", "sensitivity", "specificity", "in_mean"]
fa = {f["id"]: {k: f[k] for k in keys} for f in a["findings"]}
fb = {f["id"]: {k: f[k] for k in keys} for f in b["findings"]}
assert fa == fb, "\n".join(f"{i}: {fa.get(i)} vs {fb.get(i)}" for i in sorted(set(fa) | set(fb)) if fa.get(i) != fb.get(i))
for k in ["images", "failed", "mean", "bootstrap"]:
    assert a[k] == b[k], (k, a[k], b[k])
assert a["images"] > 0 and a["failed"] == 0
PY
}

for f in "$pkg/manifest.json" "$data/nih1000/labels.csv"; do
    [ -f "$f" ] || { echo "FAIL: $f missing (the package or the shared data)" >&2; exit 1; }
done
rm -rf "$work"
mkdir -p "$work/gen"
export RADZ_MODEL="$pkg"
common=(--ep cpu --json --min-positives 1 --ci 200)

# --- the test files are what the script writes ---------------------------------------------------
checks=$((checks + 1))
$py "$here/../scripts/make_label_formats.py" --data "$data" --out "$work/gen" &&
    diff -r -x .gitattributes "$labels" "$work/gen" >/dev/null || fail "tests/data/labels differs from what scripts/make_label_formats.py writes"

# --- the project's format, as Excel and other tools save it: the same figures ------------------
run 0 own eval "${common[@]}" --images "$data/nih1000" "$labels/radz.csv"
for f in radz_excel.csv radz_semicolon.csv radz_tab.tsv; do
    run 0 "$f" eval "${common[@]}" --images "$data/nih1000" "$labels/$f"
    same own "$f"
done
run 0 semicolon_given eval "${common[@]}" --sep ';' --images "$data/nih1000" "$labels/radz_semicolon.csv"
same own semicolon_given
run 2 semicolon_as_comma eval --ep cpu --sep , --images "$data/nih1000" "$labels/radz_semicolon.csv"
log_contains semicolon_as_comma.err "radz_semicolon.csv: line 1, column 1: unexpected character after a quoted field"

# --- ChestX-ray14 Data_Entry_2017.csv, with and without its split list ---------------------------
run 0 nih eval "${common[@]}" --images "$images" "$labels/Data_Entry_2017.csv"
same own nih
run 0 own_fold1 eval "${common[@]}" --fold 1 --images "$data/nih1000" "$labels/radz.csv"
run 0 nih_test_list eval "${common[@]}" --split-list "$labels/test_list.txt" --images "$images" "$labels/Data_Entry_2017.csv"
same own_fold1 nih_test_list
log_contains nih_test_list.err "split list test_list.txt: 32 names, 30 of 60 rows listed"
log_contains nih_test_list.err "ChestX-ray14 Data_Entry"
log_contains nih_test_list.err "patients: 'Patient ID'"
log_contains nih_test_list.err "No_Finding           <- no other finding"
log_contains nih_test_list.out '"bootstrap": {"resamples": 200, "seed": 0, "groups": "patient_id"'

# --- CheXpert and MIMIC-CXR style: policies for -1 and blank -------------------------------------
run 0 ref_original eval "${common[@]}" --images "$data/nih1000" "$labels/reference_original.csv"
run 0 chexpert_pos_neg eval "${common[@]}" --uncertain positive --blank negative --images "$data/nih1000" \
    "$labels/chexpert_train.csv"
same ref_original chexpert_pos_neg
log_contains chexpert_pos_neg.err "Effusion             <- 'Pleural Effusion' (synonym)"
log_contains chexpert_pos_neg.err "No_Finding           <- 'No Finding' (same name up to case, spaces and '_')"
log_contains chexpert_pos_neg.err "no labels for: Infiltration, Mass, Nodule, Emphysema, Fibrosis, Pleural_Thickening, Hernia"
log_contains chexpert_pos_neg.err "not used (no cxr finding of that name; --map COLUMN=ID): 'Enlarged Cardiomediastinum', 'Lung Opacity', 'Lung Lesion', 'Pleural Other', 'Fracture', 'Support Devices'"
log_contains chexpert_pos_neg.err "as positive; blank labels:"
run 0 ref_uncertain_negative eval "${common[@]}" --images "$data/nih1000" "$labels/reference_uncertain_negative.csv"
run 0 chexpert_neg_neg eval "${common[@]}" --uncertain negative --blank negative --images "$data/nih1000" \
    "$labels/chexpert_train.csv"
same ref_uncertain_negative chexpert_neg_neg
run 0 ref_left_out eval "${common[@]}" --images "$data/nih1000" "$labels/reference_left_out.csv"
run 0 chexpert_default eval "${common[@]}" --images "$data/nih1000" "$labels/chexpert_train.csv"
same ref_left_out chexpert_default
log_contains chexpert_default.err "left out of their finding"
# The counts behind the policies, from the file itself: ignore leaves the -1 and blank cells out,
# positive/negative count them on their side.
checks=$((checks + 1))
$py - "$labels/chexpert_train.csv" "$work/chexpert_default.out" "$work/chexpert_neg_neg.out" "$work/chexpert_pos_neg.out" <<'PY' || fail "policy counts"
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1])))
ign, neg, pos = (json.load(open(p)) for p in sys.argv[2:5])
col = {"Effusion": "Pleural Effusion", "Cardiomegaly": "Cardiomegaly", "Atelectasis": "Atelectasis"}
assert ign["policy"] == {"uncertain": "ignore", "blank": "ignore"} and pos["policy"]["uncertain"] == "positive"
for fid, c in col.items():
    n = {v: sum(r[c] == v for r in rows) for v in ["1.0", "0.0", "-1.0", ""]}
    assert n["-1.0"] > 0 and n[""] > 0, (fid, n)
    f = {d: next(x for x in doc["findings"] if x["id"] == fid) for d, doc in [("i", ign), ("n", neg), ("p", pos)]}
    assert (f["i"]["positives"], f["i"]["negatives"], f["i"]["left_out"]) == (n["1.0"], n["0.0"], n["-1.0"] + n[""]), (fid, f["i"])
    assert (f["n"]["positives"], f["n"]["negatives"], f["n"]["left_out"]) == (n["1.0"], n["0.0"] + n["-1.0"] + n[""], 0)
    assert (f["p"]["positives"], f["p"]["negatives"], f["p"]["left_out"]) == (n["1.0"] + n["-1.0"], n["0.0"] + n[""], 0)
PY
run 0 ref_patients eval "${common[@]}" --images "$data/nih1000" "$labels/reference_original_patients.csv"
run 0 mimic eval "${common[@]}" --uncertain positive --blank negative --images "$data/nih1000" "$labels/mimic_chexpert.csv"
same ref_patients mimic
log_contains mimic.err "patients: 'subject_id'"

# --- --map, usage errors, broken files name file, line and column --------------------------------
run 0 mapped eval "${common[@]}" --ci 0 --map "Lung Opacity=Infiltration" --images "$data/nih1000" "$labels/chexpert_train.csv"
log_contains mapped.err "Infiltration         <- 'Lung Opacity' (--map)"
run 2 map_unknown eval --ep cpu --map "Opacity=Mass" "$labels/chexpert_train.csv"
log_contains map_unknown.err "--map Opacity=Mass: chexpert_train.csv has no finding column or class 'Opacity'"
run 2 bad_policy eval --ep cpu --uncertain maybe "$labels/chexpert_train.csv"
log_contains bad_policy.err "--uncertain: expected ignore, positive or negative, found 'maybe'"
run 2 bad_sep eval --ep cpu --sep '|' "$labels/radz.csv"
log_contains bad_sep.err "--sep: expected ',', ';' or tab, found '|'"
printf 'path;Effusion\r\nimages/00000001_000.png;1\r\nimages/00000001_001.png;"1"x\r\n' > "$work/broken.csv"
run 2 broken eval --ep cpu "$work/broken.csv"
log_contains broken.err "radz eval: broken.csv: line 3, column 2: unexpected character after a quoted field"
printf 'Image Index,Finding Labels,Patient ID\n00000001_000.png,No Finding|Mass,1\n' > "$work/entry.csv"
run 2 broken_entry eval --ep cpu "$work/entry.csv"
log_contains broken_entry.err "entry.csv: line 2, column 'Finding Labels': 'No Finding' together with findings"
printf 'nothing_listed.png\n' > "$work/list.txt"
run 1 empty_split eval --ep cpu --split-list "$work/list.txt" --images "$images" "$labels/Data_Entry_2017.csv"
log_contains empty_split.err "Data_Entry_2017.csv: no rows listed in list.txt"

# --- CSV outputs, read back ------------------------------------------------------------------------
run 0 eval_csv eval --ep cpu --csv --min-positives 1 --ci 200 --images "$data/nih1000" "$labels/radz.csv"
checks=$((checks + 1))
$py - "$work/eval_csv.out" "$work/own.out" <<'PY' || fail "eval --csv read back"
import csv, json, math, sys
raw = open(sys.argv[1], "rb").read()
assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8-sig", newline="")))
ref = json.load(open(sys.argv[2]))
assert list(rows[0].keys()) == ["finding", "column", "match", "positives", "negatives", "left_out", "auc", "ci95_lo",
                                "ci95_hi", "f1", "accuracy", "sensitivity", "specificity", "calibrated", "no_signal", "in_mean"], rows[0].keys()
num = lambda s: None if s == "" else float(s)
close = lambda a, b: (a is None and b is None) or (a is not None and b is not None and abs(a - b) <= 1e-8 * max(1, abs(b)))
by = {r["finding"]: r for r in rows}
assert len(rows) == len(ref["findings"]) + 1
for f in ref["findings"]:
    r = by[f["id"]]
    assert int(r["positives"]) == f["positives"] and int(r["negatives"]) == f["negatives"], (r, f)
    for k, j in [("auc", "auc"), ("f1", "f1"), ("accuracy", "accuracy"), ("sensitivity", "sensitivity"), ("specificity", "specificity")]:
        assert close(num(r[k]), f[j]), (f["id"], k, r[k], f[j])
    ci = f["auc_ci95"] or [None, None]
    assert close(num(r["ci95_lo"]), ci[0]) and close(num(r["ci95_hi"]), ci[1]), (r, ci)
    assert (r["in_mean"] == "yes") == f["in_mean"] and (r["no_signal"] == "yes") == f["no_signal"]
m = by["mean"]
assert close(num(m["auc"]), ref["mean"]["auc"]) and close(num(m["ci95_lo"]), ref["mean"]["auc_ci95"][0])
assert close(num(m["f1"]), ref["mean"]["f1"]) and int(m["in_mean"]) == ref["mean"]["findings"]
PY
some=()
for n in 00000001_000 00000001_001 00000013_005; do some+=("$images/$n.png"); done
: > "$work/empty.png"
run 1 classify_csv classify --ep cpu --csv "${some[@]}" "$work/empty.png"
run 1 classify_json classify --ep cpu --json "${some[@]}" "$work/empty.png"
checks=$((checks + 1))
$py - "$work/classify_csv.out" "$work/classify_json.out" <<'PY' || fail "classify --csv read back"
import csv, json, sys
raw = open(sys.argv[1], "rb").read()
assert raw.startswith(b"\xef\xbb\xbf") and raw.count(b"\r\n") == 5, raw[:200]
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8-sig", newline="")))
doc = json.load(open(sys.argv[2]))
assert len(rows) == len(doc["images"]) == 4
for r, img in zip(rows, doc["images"]):
    assert r["file"] == img["file"] and r["modality"] == img["modality"], (r, img["file"])
    if "error" in img and img["error"]:
        assert r["error"] == img["error"]["message"] and r["error"], r
        assert all(r[f["id"]] == "" for f in doc["images"][0]["findings"])
        continue
    assert r["error"] == ""
    rejected = img.get("detection") and img["detection"]["verdict"] == "rejected"
    assert r["rejected"] == (img["detection"]["message"] if rejected else ""), r["rejected"]
    assert r["no_signal"].split() == [f["id"] for f in img["findings"] if f["no_signal"]], r["no_signal"]
    assert len(img["findings"]) == len(r) - 5   # file, modality, error, rejected, no_signal
    for f in img["findings"]:
        if f["no_signal"]:
            assert r[f["id"]] == "", (f["id"], "no_signal finding written with a number", r[f["id"]])
            continue
        assert abs(float(r[f["id"]]) - f["probability"]) <= 1e-8, (f["id"], r[f["id"]], f["probability"])
PY

echo "test_label_formats: $checks checks, $failures failed"
[ "$failures" = 0 ]
