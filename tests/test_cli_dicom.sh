#!/usr/bin/env bash
# radz classify on DICOM files (issue 17):
#   tests/test_cli_dicom.sh RADZ_BINARY PACKAGE_DIR WORK_DIR DICOM_DIR CXR_SOURCE_PNG
# The folder of tests/data/dicom/ (scripts/make_dicom_testdata.py): every file found, the
# extensionless one by its preamble; each one's modality chosen from its tags (CR/DX -> cxr,
# MR -> mri), CT and a DX of the hand refused with the package's modalities named, an explicit
# --modality winning over the tags; the bad files one line each with their code; the "dicom"
# key of the results document; nothing of the made-up patient (RADZ^PRIVATE^NAME,
# RADZ-PRIVATE-ID-0001) anywhere in the output. A lossless DICOM of CXR_SOURCE_PNG gives exactly
# the PNG's feature. WORK_DIR is removed when every check passes.
set -u

radz="$1"
pkg="$2"
work="$3"
dicom="$4"
source_png="$5"
py=/usr/bin/python3

rm -rf "$work"
mkdir -p "$work"
. "$(dirname "$0")/cli_test_lib.sh"   # fail, expect, contains, file_contains

# check_doc DESCRIPTION PYTHON_ASSERTIONS: runs the assertions on the results document in $work/out
# (doc: the document; im: file base name -> image); prints what failed.
check_doc() {
    checks=$((checks + 1))
    local msg
    msg=$($py - "$work/out" "$2" <<'EOF'
import json, os, sys
try:
    doc = json.load(open(sys.argv[1]))
except Exception as e:
    print(f"no results document ({e})"); sys.exit()
im = {os.path.basename(i["file"]): i for i in doc["images"]}
try:
    exec(sys.argv[2])
except AssertionError as e:
    print(f"assertion failed: {e}")
except Exception as e:
    print(f"{type(e).__name__}: {e}")
EOF
)
    [ -z "$msg" ] || fail "$1: $msg"
}

# A PACS-export-like folder: the files of DICOM_DIR (not its expected/ images) as symbolic links,
# expected.json among them (neither an image name nor a DICOM preamble: skipped).
mkdir -p "$work/export"
for f in "$dicom"/*; do
    [ -f "$f" ] && ln -s "$(cd "$(dirname "$f")" && pwd)/$(basename "$f")" "$work/export/"
done
expect 1 "classify a folder of DICOM files" -- "$radz" classify --model "$pkg" --json "$work/export"
cp "$work/out" "$work/folder.json"
check_doc "every file, by preamble or name" '
names = set(im)
assert "cxr_implicit" in names, "the extensionless file was not found"
assert len([n for n in names if n.startswith("bad_")]) == 7, sorted(names)
assert len(names) == 31, (len(names), sorted(names))
'
check_doc "modalities from the tags" '
for n, i in im.items():
    if n.startswith("bad_") or n in ("ct_chest.dcm", "dx_hand.dcm"): continue
    want = "mri" if n.startswith("mr") else "cxr"
    assert i["modality"] == want and "findings" in i and "error" not in i, (n, i.get("modality"), i.get("error"))
assert im["mri_jpeg_baseline.dcm"]["dicom"] == {"modality": "MR", "body_part_examined": "HEAD"}, im["mri_jpeg_baseline.dcm"]["dicom"]
assert im["dx_signed_rescale.dcm"]["dicom"] == {"modality": "DX", "body_part_examined": None}
assert im["ct_chest.dcm"]["error"] == {"code": "model", "message": im["ct_chest.dcm"]["file"] + ": modality CT is not covered by this package (cxr, mri)"}
assert im["dx_hand.dcm"]["error"]["message"].endswith("DX of body part HAND is not covered by this package (cxr: chest)")
'
check_doc "bad files: one line, their code" '
codes = {"bad_truncated.dcm": "decode", "bad_unknown_syntax.dcm": "decode", "bad_corrupt_j2k.dcm": "decode",
         "bad_corrupt_rle.dcm": "decode", "bad_truncated_jpeg.dcm": "decode", "bad_huge_frame.dcm": "limits",
         "bad_no_pixel_data.dcm": "decode"}
for n, c in codes.items():
    e = im[n]["error"]
    assert e["code"] == c and "\n" not in e["message"] and e["message"].startswith(im[n]["file"] + ": "), (n, e)
'
for t in "RADZ^PRIVATE" "RADZ-PRIVATE" "PRIVATE"; do
    checks=$((checks + 1))
    if grep -qF "$t" "$work/out" "$work/err"; then fail "header text '$t' written out"; fi
done
contains "$err" "bad_huge_frame.dcm: frame is 60000x60000, larger than the limit of 8192 per side" "huge frame on stderr"
contains "$err" "bad_no_pixel_data.dcm: no pixel data (7FE0,0010) in the DICOM file" "no pixel data on stderr"
contains "$err" "bad_corrupt_rle.dcm: RLE lossless: the codec refused the pixel data" "corrupt RLE on stderr"
contains "$err" "bad_unknown_syntax.dcm: transfer syntax 1.2.840.10008.1.2.4.100 is not supported" "unknown syntax"

expect 0 "an explicit --modality wins over the tags" -- "$radz" classify --model "$pkg" --json --modality cxr \
    "$dicom/ct_chest.dcm" "$dicom/mri_jpeg_baseline.dcm"
check_doc "explicit modality" '
assert im["ct_chest.dcm"]["modality"] == "cxr" and "findings" in im["ct_chest.dcm"]
assert im["mri_jpeg_baseline.dcm"]["modality"] == "cxr"
assert im["ct_chest.dcm"]["dicom"]["modality"] == "CT"
'

expect 0 "a PNG and its lossless DICOMs" -- "$radz" classify --model "$pkg" --json "$source_png" \
    "$dicom/cxr_explicit.dcm" "$dicom/cxr_rle.dcm" "$dicom/cxr_jpegls.dcm" "$dicom/cxr_j2k.dcm" \
    "$dicom/cxr_jpeg_lossless.dcm" "$dicom/cr_monochrome1.dcm" "$dicom/cxr_deflate.dcm"
check_doc "same feature as the PNG" '
png = doc["images"][0]
assert "dicom" not in png
for i in doc["images"][1:]:
    assert i["feature"] == png["feature"], i["file"]
    assert [f["probability"] for f in i["findings"]] == [f["probability"] for f in png["findings"]], i["file"]
'

expect 0 "the text output of a DICOM file" -- "$radz" classify --model "$pkg" "$dicom/cxr_implicit"
contains "$out" "cxr_implicit  cxr (DICOM tags)  64x64" "text output names the file, the chosen modality and why"

expect 1 "CSV output of a refused DICOM" -- "$radz" classify --model "$pkg" --csv "$dicom/ct_chest.dcm"
contains "$out" "modality CT is not covered" "CSV carries the error"

# radz eval over a labels file naming DICOM files (one without an extension): all scored.
printf 'path,Effusion\ncxr_explicit.dcm,1\ndx16_window.dcm,0\ncxr_implicit,1\ncr_monochrome1.dcm,0\n' > "$work/labels.csv"
expect 0 "radz eval on DICOM files" -- "$radz" eval --model "$pkg" "$work/labels.csv" --images "$dicom"
contains "$out" "4 images scored (0 failed), modality cxr" "eval scored every DICOM file"

echo "test_cli_dicom: $checks checks, $failures failed"
[ "$failures" = 0 ] && rm -rf "$work"
[ "$failures" = 0 ]
