#!/usr/bin/env bash
# The radz CLI end to end on a model package:
#   tests/test_cli.sh RADZ_BINARY PACKAGE_DIR WORK_DIR
# classify the golden images (--json) and compare with the package's golden results; exit codes
# 0/1/2; one-line error messages naming the file; user findings and saved anchor tables; eval
# on small labels CSVs; compare failing on a changed document; info.
set -u

radz="$1"
pkg="$2"
work="$3"
py=/usr/bin/python3

. "$(dirname "$0")/cli_test_lib.sh"   # fail, expect, contains

# one_line TEXT DESCRIPTION: the error output is exactly one line
one_line() {
    checks=$((checks + 1))
    local n
    n=$(printf '%s\n' "$1" | grep -v '^radz: execution provider' | grep -c .)
    [ "$n" = 1 ] || fail "$2: expected a one-line error, got $n lines: $1"
}

if [ ! -f "$pkg/manifest.json" ]; then
    echo "FAIL: no model package at $pkg (build it: scripts/build_package.sh --quick build/quick-package," \
         "or configure with -DRADZ_TEST_PACKAGE=DIR)" >&2
    exit 1
fi
if [ ! -x "$radz" ]; then
    echo "FAIL: $radz is not an executable" >&2
    exit 1
fi
rm -rf "$work"
mkdir -p "$work"
golden="$pkg/golden"
export RADZ_MODEL="$pkg"

# --- help and usage errors -------------------------------------------------------------------
expect 0 "radz --help" -- "$radz" --help
contains "$out" "classify" "radz --help lists classify"
for c in classify eval compare info; do
    expect 0 "radz $c --help" -- "$radz" $c --help
    contains "$out" "usage: radz $c" "radz $c --help"
done
expect 2 "no command" -- "$radz"
expect 2 "unknown command" -- "$radz" frobnicate
contains "$err" "unknown command 'frobnicate'" "unknown command message"
expect 2 "classify without an image" -- "$radz" classify
contains "$err" "no image given" "classify without an image"
expect 2 "unknown option" -- "$radz" classify --bogus x.png
contains "$err" "unknown option '--bogus'" "unknown option message"
expect 2 "bad --top" -- "$radz" classify --top many "$golden/00000001_000.png"
expect 2 "bad --ep" -- "$radz" classify --ep tpu "$golden/00000001_000.png"
contains "$err" "--ep: expected auto, cpu, webgpu or cuda, found 'tpu'" "bad --ep message"
expect 2 "--description without --finding" -- "$radz" classify --description "x" "$golden/00000001_000.png"
expect 2 "--finding without --description" -- "$radz" classify --finding "Rib fracture" "$golden/00000001_000.png"
contains "$err" "needs at least one --description" "--finding without --description message"
expect 2 "empty --description" -- "$radz" classify --finding X --description "" "$golden/00000001_000.png"
expect 2 "invalid UTF-8 description" -- "$radz" classify --ep cpu --finding X --description $'bad \xff text' "$golden/00000001_000.png"
contains "$err" "UTF-8" "invalid UTF-8 message"
one_line "$err" "invalid UTF-8 message"
expect 2 "unknown modality" -- "$radz" classify --ep cpu --modality pet "$golden/00000001_000.png"
contains "$err" "unknown modality 'pet'" "unknown modality message"
expect 2 "compare with one file" -- "$radz" compare a.json
expect 2 "eval without CSV" -- "$radz" eval

# --- the golden images against the package's golden results ----------------------------------
# The golden results cannot hold the manifest's sha256 (golden.json is listed in the manifest):
# fill it in, then compare.
$py - "$pkg" "$work/golden_results.json" <<'EOF'
import hashlib, json, sys
pkg, out = sys.argv[1], sys.argv[2]
g = json.load(open(f"{pkg}/golden/golden.json"))
r = g["results"]
r["package"]["manifest_sha256"] = hashlib.sha256(open(f"{pkg}/manifest.json", "rb").read()).hexdigest()
json.dump(r, open(out, "w"), indent=1)
EOF
pngs=()
jpgs=()
for f in $($py -c "import json,sys; [print(i['file']) for i in json.load(open(sys.argv[1]))['images']]" "$work/golden_results.json"); do
    case "$f" in
        *.png) pngs+=("$golden/$f") ;;
        *) jpgs+=("$golden/$f") ;;
    esac
done
[ ${#pngs[@]} -ge 1 ] || fail "no PNG golden image listed"

modality_of() { $py -c "import json,sys; print([i['modality'] for i in json.load(open(sys.argv[1]))['images'] if i['file']==sys.argv[2]][0])" "$work/golden_results.json" "$1"; }

# PNG goldens: within the default tolerances (1e-4). One modality per run.
for m in cxr mri; do
    files=()
    for f in "${pngs[@]}"; do
        [ "$(modality_of "$(basename "$f")")" = "$m" ] && files+=("$f")
    done
    [ ${#files[@]} -eq 0 ] && continue
    expect 0 "classify golden PNGs ($m) --json" -- "$radz" classify --ep cpu --modality "$m" --json "${files[@]}"
    echo "$out" > "$work/png_$m.json"
    contains "$err" "execution provider cpu" "the provider is reported"
    # Keep only these images on the reference side.
    $py - "$work/golden_results.json" "$work/ref_png_$m.json" "${files[@]}" <<'EOF'
import json, os, sys
r = json.load(open(sys.argv[1]))
keep = {os.path.basename(f) for f in sys.argv[3:]}
r["images"] = [i for i in r["images"] if i["file"] in keep]
json.dump(r, open(sys.argv[2], "w"))
EOF
    expect 0 "compare golden PNG results ($m)" -- "$radz" compare "$work/ref_png_$m.json" "$work/png_$m.json"
    contains "$out" "PASS" "compare golden PNG results ($m)"
done
# JPEG goldens: decoded bit-exactly like PIL (contract section 2), so the same tolerances.
for m in cxr mri; do
    files=()
    for f in "${jpgs[@]}"; do
        [ "$(modality_of "$(basename "$f")")" = "$m" ] && files+=("$f")
    done
    [ ${#files[@]} -eq 0 ] && continue
    expect 0 "classify golden JPEGs ($m)" -- "$radz" classify --ep cpu --modality "$m" --json "${files[@]}"
    echo "$out" > "$work/jpg_$m.json"
    $py - "$work/golden_results.json" "$work/ref_jpg_$m.json" "${files[@]}" <<'EOF'
import json, os, sys
r = json.load(open(sys.argv[1]))
keep = {os.path.basename(f) for f in sys.argv[3:]}
r["images"] = [i for i in r["images"] if i["file"] in keep]
json.dump(r, open(sys.argv[2], "w"))
EOF
    expect 0 "compare golden JPEG results ($m)" -- "$radz" compare "$work/ref_jpg_$m.json" "$work/jpg_$m.json"
done

# A changed probability makes compare fail with exit 1.
m=$($py -c "import json,sys; print(json.load(open(sys.argv[1]))['images'][0]['modality'])" "$work/png_cxr.json" 2>/dev/null || echo cxr)
$py - "$work/png_cxr.json" "$work/png_cxr_changed.json" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
f = r["images"][0]["findings"][0]
f["probability"] = min(1.0, f["probability"] + 0.01)
json.dump(r, open(sys.argv[2], "w"))
EOF
expect 1 "compare a changed document" -- "$radz" compare "$work/png_cxr.json" "$work/png_cxr_changed.json"
contains "$out" "FAIL" "compare a changed document"
echo '{"schema": "radz-results"' > "$work/broken.json"
expect 2 "compare an unreadable document" -- "$radz" compare "$work/broken.json" "$work/png_cxr.json"
contains "$err" "broken.json" "compare names the broken document"
one_line "$err" "compare of a broken document"

# --- bad images: exit 1, the others still reported ---------------------------------------------
good="${pngs[0]}"
: > "$work/empty.png"
echo "hello, not an image" > "$work/text.png"
head -c 200 "$good" > "$work/truncated.png"
expect 1 "classify with an empty file" -- "$radz" classify --ep cpu --json "$work/empty.png" "$good" "$work/text.png" \
    "$work/truncated.png" "$work/missing.png"
echo "$out" > "$work/mixed.json"
contains "$err" "empty.png: " "error names empty.png"
contains "$err" "text.png: " "error names text.png"
contains "$err" "not a PNG, JPEG or BMP" "text.png's problem"
contains "$err" "truncated.png: " "error names truncated.png"
contains "$err" "missing.png" "error names missing.png"
checks=$((checks + 1))
$py - "$work/mixed.json" <<'EOF' || fail "mixed run: the good image must be scored and the bad ones carry errors"
import json, sys
r = json.load(open(sys.argv[1]))
codes = [i.get("error", {}).get("code") for i in r["images"]]
assert codes == ["decode", None, "decode", "decode", "read"], codes
assert len(r["images"][1]["findings"]) > 0
assert r["images"][4]["sha256"] is None
EOF
expect 1 "human output with a bad image" -- "$radz" classify --ep cpu "$work/empty.png" "$good"
contains "$out" "$(basename "$good")" "the good image is still printed"

# --- the package: missing, tampered ------------------------------------------------------------
expect 1 "missing package" -- "$radz" classify --ep cpu --model "$work/nope" "$good"
contains "$err" "$work/nope" "missing package message names the folder"
one_line "$err" "missing package"
cp -r "$pkg" "$work/tampered"
$py - "$work/tampered/decoder.fp32.onnx" <<'EOF'
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
b[len(b) // 2] ^= 1
open(p, "wb").write(b)
EOF
expect 1 "tampered package" -- "$radz" classify --ep cpu --model "$work/tampered" "$good"
contains "$err" "decoder.fp32.onnx" "tampered file named"
contains "$err" "sha256" "tampered file: sha256 mismatch"
one_line "$err" "tampered package"
expect 1 "info on a tampered package" -- "$radz" info --model "$work/tampered"
contains "$out" "providers" "info still lists the providers"

# --- user findings, saved tables -----------------------------------------------------------------
expect 0 "classify with a user finding" -- "$radz" classify --ep cpu --top 0 --finding "Rib fracture" \
    --description "A break in one of the ribs." --description "Cortical step of a rib." \
    --save-anchors "$work/anchors.json" --json "$good"
echo "$out" > "$work/user.json"
checks=$((checks + 1))
$py - "$work/user.json" <<'EOF' || fail "the user finding is scored, uncalibrated, last"
import json, sys
r = json.load(open(sys.argv[1]))
f = r["images"][0]["findings"][-1]
assert f["id"] == "Rib_fracture" and f["source"] == "user" and f["calibrated"] is False, f
EOF
expect 0 "classify with the saved table" -- "$radz" classify --ep cpu --anchors "$work/anchors.json" --json "$good"
echo "$out" > "$work/user2.json"
expect 0 "saved table gives the same results" -- "$radz" compare "$work/user.json" "$work/user2.json"
expect 1 "a table of another variant" -- "$radz" classify --ep cpu --variant int8 --anchors "$work/anchors.json" "$good"
contains "$err" "anchors from another model" "binding refused"
expect 0 "int8 variant" -- "$radz" classify --ep cpu --variant int8 "$good"
expect 1 "unknown variant" -- "$radz" classify --ep cpu --variant int3 "$good"
contains "$err" "no variant 'int3'" "unknown variant message"

# --- eval -----------------------------------------------------------------------------------------
# Multi-label CSV over the golden chest images (copied with both paths), single-label over MRI.
mkdir -p "$work/eval/img"
$py - "$work/golden_results.json" "$golden" "$work/eval" <<'EOF'
import json, shutil, sys
r = json.load(open(sys.argv[1])); golden = sys.argv[2]; out = sys.argv[3]
g = json.load(open(golden + "/golden.json"))
labels = {i["file"]: i["label"] for i in g["images"]}
cxr = [i for i in g["images"] if i["modality"] == "cxr"]
mri = [i for i in g["images"] if i["modality"] == "mri"]
cols = ["Effusion", "Cardiomegaly", "Hernia"]
with open(out + "/cxr.csv", "w") as f:
    f.write("path,patient_id,fold," + ",".join(cols) + "\n")
    for k in range(3):  # three copies, so that a finding has enough positives
        for i in cxr:
            shutil.copy(f"{golden}/{i['file']}", f"{out}/img/{k}_{i['file']}")
            f.write(f"img/{k}_{i['file']},p{k},{k % 2}," + ",".join("1" if c in i["label"] else "0" for c in cols) + "\n")
with open(out + "/mri.csv", "w") as f:
    f.write("path,label\n")
    for i in mri:
        shutil.copy(f"{golden}/{i['file']}", f"{out}/img/{i['file']}")
        f.write(f"img/{i['file']},{i['label'][0]}\n")
EOF
expect 0 "eval multi-label" -- "$radz" eval --ep cpu --min-positives 2 "$work/eval/cxr.csv"
contains "$out" "mean" "eval prints the mean"
contains "$out" "n/a" "eval shows n/a for a finding without positives"
contains "$out" "not in the mean" "No_Finding is reported apart"
expect 0 "eval --json" -- "$radz" eval --ep cpu --min-positives 2 --json "$work/eval/cxr.csv"
echo "$out" > "$work/eval.json"
checks=$((checks + 1))
$py - "$work/eval.json" <<'EOF' || fail "eval --json content"
import json, math, sys
e = json.load(open(sys.argv[1]))
by = {f["id"]: f for f in e["findings"]}
assert by["Hernia"]["auc"] is None and not by["Hernia"]["in_mean"], by["Hernia"]
assert by["Effusion"]["auc"] is not None and by["Effusion"]["in_mean"]
assert "No_Finding" in by and not by["No_Finding"]["in_mean"]
aucs = [f["auc"] for f in e["findings"] if f["in_mean"]]
assert abs(e["mean"]["auc"] - sum(aucs) / len(aucs)) < 1e-9
assert e["images"] == 12 and e["failed"] == 0
# Bootstrap by patient: the three patients are copies of the same images, so every resample
# has the same AUCs and the 95% interval collapses onto the estimate.
assert e["bootstrap"]["groups"] == "patient_id" and e["bootstrap"]["resamples"] == 1000, e["bootstrap"]
for f in e["findings"]:
    if f["auc"] is None:
        assert f["auc_ci95"] is None, f
    else:
        assert abs(f["auc_ci95"][0] - f["auc"]) < 1e-12 and abs(f["auc_ci95"][1] - f["auc"]) < 1e-12, f
assert abs(e["mean"]["auc_ci95"][0] - e["mean"]["auc"]) < 1e-12, e["mean"]
EOF
expect 0 "eval --ci 0" -- "$radz" eval --ep cpu --min-positives 2 --ci 0 --json "$work/eval/cxr.csv"
contains "$out" '"bootstrap": null' "eval --ci 0 draws no resamples"
expect 2 "eval --ci with a bad value" -- "$radz" eval --ep cpu --ci many "$work/eval/cxr.csv"
contains "$err" "--ci" "the usage error names --ci"
expect 0 "eval --fold" -- "$radz" eval --ep cpu --fold 1 --json "$work/eval/cxr.csv"
contains "$out" '"images": 4' "eval --fold keeps one fold"
expect 0 "eval single-label" -- "$radz" eval --ep cpu --min-positives 1 "$work/eval/mri.csv"
contains "$out" "top-1 accuracy" "single-label accuracy"
contains "$out" "bootstrap resamples of images" "without patient ids, images are resampled"
contains "$out" "confusion" "single-label confusion matrix"
printf 'path,Effusion\nimg/none.png,1\n' > "$work/eval/missing.csv"
expect 1 "eval with a missing image" -- "$radz" eval --ep cpu "$work/eval/missing.csv"
contains "$err" "none.png" "eval names the missing image"
printf 'file,Effusion\nx.png,1\n' > "$work/eval/nopath.csv"
expect 2 "eval of a CSV without a path column" -- "$radz" eval --ep cpu "$work/eval/nopath.csv"
contains "$err" "nopath.csv" "CSV error names the file"
contains "$err" "path" "CSV error names the column"

# --- info -------------------------------------------------------------------------------------
expect 0 "info" -- "$radz" info
contains "$out" "variants" "info lists variants"
contains "$out" "fp32" "info lists fp32"
contains "$out" "cpu" "info lists the cpu provider"
contains "$out" "webgpu" "info says why webgpu is or is not usable"
contains "$out" "cuda" "info says why cuda is or is not usable"
expect 1 "info with a bad ONNX Runtime library" -- "$radz" info --ort-lib "$work/empty.png"
contains "$err" "empty.png" "bad --ort-lib named"

# --- findings with no signal (docs/model-package.md section 10) -------------------------------
# The text output lists every finding the core marks no_signal apart ("no reliable signal in this
# model"), never with a percentage. To have one whatever the package's own evidence says, a copy
# of it (tests/no_signal_package.py) marks the image's most likely package finding, and Effusion
# (which eval can score here), as without signal; scores stay the package's.
no_signal_text_check() {  # RESULTS_JSON TEXT_FILE DESCRIPTION [all: every other finding is ranked]
    checks=$((checks + 1))
    $py - "$1" "$2" "${4:-}" <<'EOF2' || fail "$3"
import json, sys
doc = json.load(open(sys.argv[1]))
text = open(sys.argv[2]).read().splitlines()
apart = set()
for l in text:
    if l.strip().startswith("no reliable signal in this model:"):
        apart |= {x.strip() for x in l.split(":", 1)[1].split(",")}
for im in doc["images"]:
    for f in im["findings"]:
        shown = [l for l in text if "%" in l and l.strip().startswith(f["display"] + " ")]
        if f["no_signal"]:
            assert not shown, f"{f['id']} is no_signal but shown with a percentage: {shown}"
            assert f["display"] in apart, f"{f['id']} is no_signal but not under 'no reliable signal': {apart}"
        else:
            assert f["display"] not in apart, f"{f['id']} has signal but is listed as without"
            assert shown or sys.argv[3] != "all", f"{f['id']} has signal but is not in the ranked list"
EOF2
}
ns_img="${pngs[0]}"
expect 0 "classify --json (no-signal checks)" -- "$radz" classify --ep cpu --json "$ns_img"
cp "$work/out" "$work/ns_orig.json"
expect 0 "classify --top 0 (no-signal checks)" -- "$radz" classify --ep cpu --top 0 "$ns_img"
cp "$work/out" "$work/ns_orig.txt"
no_signal_text_check "$work/ns_orig.json" "$work/ns_orig.txt" "the package's own no_signal findings are listed apart" all
ns_top=$($py -c "
import json, sys
fs = [f for f in json.load(open(sys.argv[1]))['images'][0]['findings'] if f['source'] == 'package' and not f['no_signal']]
print(max(fs, key=lambda f: f['probability'])['id'] if fs else 'Effusion')" "$work/ns_orig.json")
expect 0 "a package copy with $ns_top and Effusion without signal" -- \
    $py "$(dirname "$0")/no_signal_package.py" "$pkg" "$work/nosignal" "$ns_top" Effusion
expect 0 "classify --json, no-signal copy" -- "$radz" classify --ep cpu --model "$work/nosignal" --json "$ns_img"
cp "$work/out" "$work/ns.json"
checks=$((checks + 1))
$py - "$work/ns_orig.json" "$work/ns.json" "$ns_top" <<'EOF2' || fail "no_signal in --json, scores unchanged"
import json, sys
a, b, top = (json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), sys.argv[3])
assert b["schema_version"] == 2
fa = {f["id"]: f for f in a["images"][0]["findings"]}
for f in b["images"][0]["findings"]:
    assert f["probability"] == fa[f["id"]]["probability"] and f["logit"] == fa[f["id"]]["logit"], f["id"]
    if f["id"] in (top, "Effusion"):
        assert f["no_signal"] is True, f
EOF2
for top_n in 5 0; do
    expect 0 "classify --top $top_n, no-signal copy" -- "$radz" classify --ep cpu --model "$work/nosignal" --top $top_n "$ns_img"
    cp "$work/out" "$work/ns.txt"
    contains "$out" "no reliable signal in this model:" "the no-signal findings are listed (--top $top_n)"
    no_signal_text_check "$work/ns.json" "$work/ns.txt" "no percentage for a no_signal finding (--top $top_n)" \
        "$([ $top_n = 0 ] && echo all)"
done
expect 0 "info, no-signal copy" -- "$radz" info --model "$work/nosignal"
contains "$out" "no_signal" "info lists no_signal findings"
contains "$out" "made up by tests/no_signal_package.py" "info names the evidence's source"
contains "$out" "AUC 0.300 (95% CI 0.200-0.450)" "info shows the evidence"
expect 0 "eval still scores a no_signal finding" -- "$radz" eval --ep cpu --min-positives 2 --json --model "$work/nosignal" "$work/eval/cxr.csv"
echo "$out" > "$work/ns_eval.json"
checks=$((checks + 1))
$py -c "
import json, sys
by = {f['id']: f for f in json.load(open(sys.argv[1]))['findings']}
assert by['Effusion']['no_signal'] is True and by['Effusion']['auc'] is not None, by['Effusion']
" "$work/ns_eval.json" || fail "eval scores a no_signal finding and marks it"
expect 0 "compare: a no_signal finding against the same document" -- "$radz" compare "$work/ns.json" "$work/ns.json"
$py - "$work/ns.json" "$work/ns_flip.json" "$ns_top" <<'EOF2'
import json, sys
d = json.load(open(sys.argv[1]))
for f in d["images"][0]["findings"]:
    if f["id"] == sys.argv[3]:
        f["no_signal"] = False
json.dump(d, open(sys.argv[2], "w"))
EOF2
expect 1 "compare: no_signal differs" -- "$radz" compare "$work/ns.json" "$work/ns_flip.json"
contains "$out$err" "no_signal differs" "compare names the no_signal difference"

echo "test_cli: $checks checks, $failures failed"
[ "$failures" = 0 ]
