#!/usr/bin/env bash
# radz classify with modality detection and the out-of-distribution gate (issue 13,
# docs/model-package.md section 11), on the shipped package (its head is the one measured in
# docs/results/accuracy.md):
#   tests/test_cli_modality.sh RADZ_BINARY PACKAGE_DIR WORK_DIR OOD_DIR
# OOD_DIR is tests/data/ood (a photo, a rendered page, noise, a flat frame, an inverted chest
# X-ray; README.md there). Checks: the default is auto (a chest X-ray and a brain MRI each scored
# as their modality, source "detector"); each out-of-distribution file is rejected with its
# reason, no findings, exit 1, the radiographs beside it still scored; --score-anyway scores it
# and keeps the verdict; an explicit --modality that the detector strongly disagrees with is
# scored as asked, with a warning; --modality auto is the default spelled out; the text output
# names the reason and shows no bars for a rejected image. WORK_DIR is removed when all pass.
set -u

radz="$1"
pkg="$2"
work="$3"
ood="$4"
py=/usr/bin/python3

rm -rf "$work"
mkdir -p "$work"
. "$(dirname "$0")/cli_test_lib.sh"

cxr="$pkg/golden/00000006_000.png"
mri="$pkg/golden/Tr-glTr_0003.jpg"

# 1. auto by default: each radiograph as its own modality, from the detector.
expect 0 "classify a chest X-ray and a brain MRI, no --modality" -- "$radz" classify --ep cpu --model "$pkg" --json "$cxr" "$mri"
cp "$work/out" "$work/auto.json"
checks=$((checks + 1))
$py - "$work/auto.json" <<'PY' || fail "auto: cxr and mri detected, scored, verdict pass"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["schema_version"] == 2
a, b = d["images"]
for im, mod in ((a, "cxr"), (b, "mri")):
    assert im["modality"] == mod and im["modality_source"] == "detector", im["modality"]
    det = im["detection"]
    assert det["verdict"] == "pass" and det["reason"] is None and det["modality"] == mod, det
    assert det["probabilities"][mod] > 0.9, det
    assert abs(sum(det["probabilities"].values()) + det["other"] - 1) < 1e-6
    assert im["findings"], "no findings"
    assert im["warning"] is None
    assert "detect" in im["timings_ms"]
PY
expect 0 "--modality auto is the default" -- "$radz" classify --ep cpu --model "$pkg" --modality auto --json "$cxr" "$mri"
checks=$((checks + 1))
$py - "$work/auto.json" "$work/out" <<'PY' || fail "--modality auto gives the same modalities and scores"
import json, sys
a, b = (json.load(open(p))["images"] for p in sys.argv[1:3])
for x, y in zip(a, b):
    assert x["modality"] == y["modality"] and x["findings"] == y["findings"]
PY

# 2. the gate: every out-of-distribution file rejected, the radiographs beside them scored, exit 1.
oods=("$ood"/*.png "$ood"/*.jpg)
expect 1 "classify the out-of-distribution files among radiographs" -- \
    "$radz" classify --ep cpu --model "$pkg" --json "$cxr" "${oods[@]}" "$mri"
cp "$work/out" "$work/gate.json"
checks=$((checks + 1))
$py - "$work/gate.json" "${#oods[@]}" <<'PY' || fail "the gate: rejected, with reason and message, no findings"
import json, sys
d = json.load(open(sys.argv[1]))
ims = d["images"]
n = int(sys.argv[2])
assert len(ims) == n + 2
assert ims[0]["detection"]["verdict"] == "pass" and ims[0]["findings"]
assert ims[-1]["detection"]["verdict"] == "pass" and ims[-1]["findings"]
for im in ims[1:-1]:
    det = im["detection"]
    assert det["verdict"] == "rejected", (im["file"], det)
    assert det["message"].startswith("not a chest X-ray or brain MRI ("), det["message"]
    assert im["findings"] == [] and im.get("error") is None, im["file"]
    if "flat" in im["file"]:
        assert det["reason"] == "blank", det
    else:
        assert det["reason"] in ("other", "unlike"), det
PY
contains "$err" "flat_grey.png: not a chest X-ray or brain MRI (a blank frame" "stderr names the file and the reason"
expect 1 "text output of a rejected photo" -- "$radz" classify --ep cpu --model "$pkg" "$ood/photo_grace_hopper.jpg"
contains "$out" "not a chest X-ray or brain MRI" "the reason is printed"
checks=$((checks + 1))
if echo "$out" | grep -q "%"; then fail "a rejected image shows no percentages: $out"; fi

# 3. --score-anyway: scored, still marked rejected, exit 0.
expect 0 "--score-anyway" -- "$radz" classify --ep cpu --model "$pkg" --score-anyway --json "$ood/photo_grace_hopper.jpg"
checks=$((checks + 1))
$py - "$work/out" <<'PY' || fail "--score-anyway: findings present, verdict still rejected"
import json, sys
im = json.load(open(sys.argv[1]))["images"][0]
assert im["detection"]["verdict"] == "rejected" and im["findings"], im
PY
expect 0 "--score-anyway, text" -- "$radz" classify --ep cpu --model "$pkg" --score-anyway "$ood/photo_grace_hopper.jpg"
contains "$out" "scored anyway (--score-anyway): not a chest X-ray or brain MRI" "the text says it was scored anyway"

# 4. an explicit modality wins, with a warning when the detector strongly disagrees.
expect 0 "a brain MRI classified as --modality cxr" -- "$radz" classify --ep cpu --model "$pkg" --modality cxr --json "$mri"
checks=$((checks + 1))
$py - "$work/out" <<'PY' || fail "explicit modality: scored as asked, source user, warning"
import json, sys
im = json.load(open(sys.argv[1]))["images"][0]
assert im["modality"] == "cxr" and im["modality_source"] == "user", im["modality"]
assert im["warning"].startswith("scored as cxr (your choice), but the detector says mri (P "), im["warning"]
assert any(f["id"] == "Effusion" for f in im["findings"])
PY
expect 0 "the same, text" -- "$radz" classify --ep cpu --model "$pkg" --modality cxr "$mri"
contains "$out" "cxr (your choice)" "the text says whose choice"
contains "$out" "warning: scored as cxr (your choice), but the detector says mri" "the text shows the warning"

# 5. --csv names the gate's verdict; --shard counts a rejected image as classify does (exit 1).
expect 1 "--csv with a rejected photo" -- "$radz" classify --ep cpu --model "$pkg" --csv "$cxr" "$ood/photo_grace_hopper.jpg"
checks=$((checks + 1))
$py - "$work/out" <<'PY' || fail "--csv: a rejected column with the gate's message for the photo only"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8-sig")))
assert [r["rejected"] == "" for r in rows] == [True, False], rows
assert "not a chest X-ray or brain MRI" in rows[1]["rejected"] and rows[1]["Effusion"] == "", rows[1]
assert rows[0]["Effusion"] != "", rows[0]
PY
expect 1 "--shard 1/1 with a rejected photo" -- "$radz" classify --ep cpu --model "$pkg" --shard 1/1 --out "$work/shards" "$cxr" "$ood/photo_grace_hopper.jpg"
contains "$err" "photo_grace_hopper.jpg: not a chest X-ray or brain MRI" "the shard names the rejected file"
contains "$err" "1 rejected" "the shard's summary counts it"
expect 1 "--shard 1/1 --resume, already complete" -- "$radz" classify --ep cpu --model "$pkg" --shard 1/1 --resume --out "$work/shards" "$cxr" "$ood/photo_grace_hopper.jpg"
expect 0 "--shard 1/1 --score-anyway" -- "$radz" classify --ep cpu --model "$pkg" --shard 1/1 --score-anyway --out "$work/shards2" "$cxr" "$ood/photo_grace_hopper.jpg"

# 6. radz compare sees a changed verdict.
$py - "$work/gate.json" "$work/gate_changed.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["images"][1]["detection"]["verdict"] = "pass"; d["images"][1]["detection"]["reason"] = None
d["images"][1]["detection"]["message"] = None
json.dump(d, open(sys.argv[2], "w"), indent=2)
PY
expect 1 "compare: a changed gate verdict fails" -- "$radz" compare "$work/gate.json" "$work/gate_changed.json"
contains "$out" "verdict" "compare names the verdict"
expect 0 "compare: the same document passes" -- "$radz" compare "$work/gate.json" "$work/gate.json"

echo "test_cli_modality: $checks checks, $failures failed"
[ "$failures" = 0 ] && rm -rf "$work"
[ "$failures" = 0 ]
