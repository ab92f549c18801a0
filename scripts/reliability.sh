#!/usr/bin/env bash
# Runs each kind of bad input through the radz CLI and writes docs/results/reliability.md: the
# input, the command, the exit code and the message. Every row must exit 1 or 2 with a one-line
# message naming the file or the option; the script fails if one crashes or exits 0.
#
#   scripts/reliability.sh [RADZ_BINARY] [MODEL_DIR]
# Defaults: build/radz, and the model of scripts/run_demo.sh (assets/models/radz-tiny, else
# build/quick-package).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
root=$PWD

radz=${1:-build/radz}
model=${2:-}
if [ -z "$model" ]; then
    model=$root/assets/models/radz-tiny
    [ -f "$model/manifest.json" ] || model=$root/build/quick-package
fi
[ -x "$radz" ] || { echo "reliability.sh: $radz not built (cmake --build build)" >&2; exit 1; }
[ -f "$model/manifest.json" ] || { echo "reliability.sh: no model package at $model" >&2; exit 1; }
model=$(cd "$model" && pwd)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1

good=$(ls "$model"/golden/*.png | head -1)
good_jpg=$(ls "$model"/golden/*.jpg 2>/dev/null | head -1)

# The bad inputs.
: > empty.png
echo "just some text" > text.png
head -c $(($(stat -c %s "$good") / 2)) "$good" > truncated.png
[ -n "$good_jpg" ] && head -c $(($(stat -c %s "$good_jpg") / 2)) "$good_jpg" > truncated.jpg
/usr/bin/python3 - "$good" <<'EOF'
import struct, sys, zlib
data = bytearray(open(sys.argv[1], "rb").read())
# bad CRC: flip one bit of the first IDAT chunk's data
p = data.find(b"IDAT")
bad = bytearray(data)
bad[p + 4] ^= 0x01
open("bad_crc.png", "wb").write(bad)
# a header claiming 100000 x 100000 (valid CRC), then the original chunks
ihdr = struct.pack(">IIBBBBB", 100000, 100000, 8, 0, 0, 0, 0)
chunk = struct.pack(">I", len(ihdr)) + b"IHDR" + ihdr + struct.pack(">I", zlib.crc32(b"IHDR" + ihdr) & 0xffffffff)
rest = data[8 + 25:]
open("huge.png", "wb").write(bytes(data[:8]) + chunk + bytes(rest))
# a zlib bomb: the image's own IHDR, then one IDAT whose 64 KiB inflate to 64 MiB
idat = zlib.compress(bytes(64 << 20), 9)
open("bomb.png", "wb").write(bytes(data[:8 + 25]) + struct.pack(">I", len(idat)) + b"IDAT" + idat
                             + struct.pack(">I", zlib.crc32(b"IDAT" + idat) & 0xffffffff)
                             + struct.pack(">I", 0) + b"IEND" + struct.pack(">I", zlib.crc32(b"IEND") & 0xffffffff))
EOF
cp -r "$model" tampered && /usr/bin/python3 -c '
import sys; p = "tampered/decoder.fp32.onnx"; b = bytearray(open(p, "rb").read()); b[len(b) // 2] ^= 1; open(p, "wb").write(b)'
cp -r "$model" missing_file && rm missing_file/tokenizer.json
cp -r "$model" no_dims && /usr/bin/python3 -c '
import json; p = "no_dims/manifest.json"; m = json.load(open(p)); del m["dims"]; open(p, "w").write(json.dumps(m, indent=1))'
printf 'file,Effusion\nx.png,1\n' > no_path_column.csv
printf 'path,Effusion\nx.png,2\n' > bad_value.csv
printf 'path;Effusion\r\nx.png;"1"x\r\n' > bad_quote.csv
printf 'Image Index,Finding Labels,Patient ID\nx.png,No Finding|Mass,1\n' > Data_Entry_2017.csv
printf 'subject_id,study_id,Edema\n10000032,50414267,-1.0\n' > mimic-cxr-2.0.0-chexpert.csv
printf '\n\n' > test_list.txt
printf 'path,Effusion\nx.png,1\n' > labels.csv

rows=()
failures=0
# run INPUT-DESCRIPTION EXPECTED-TEXT ARGS...: the message must contain EXPECTED-TEXT.
run() {
    local what="$1" expected="$2"
    shift 2
    RADZ_MODEL="$model" "$root/$radz" "$@" >out.txt 2>err.txt
    local rc=$?
    local msg
    msg=$(grep -v '^radz: execution provider' err.txt | head -3 | tr '\n' ' ' | sed 's/ *$//')
    msg=${msg//$work\//}
    msg=${msg//$model/MODEL}
    msg=${msg//|/\\|}
    local nlines
    nlines=$(grep -v '^radz: execution provider' err.txt | grep -c .)
    local shown="radz $*"
    shown=${shown//$work\//}
    shown=${shown//$model/MODEL}
    rows+=("| $what | \`$shown\` | $rc | $msg |")
    if ! grep -qF -- "$expected" err.txt; then
        echo "FAIL: $what: expected '$expected' in: $(cat err.txt)" >&2
        failures=$((failures + 1))
    elif [ $rc != 1 ] && [ $rc != 2 ]; then
        echo "FAIL: $what: exit $rc" >&2
        failures=$((failures + 1))
    elif [ "$nlines" != 1 ]; then
        echo "FAIL: $what: $nlines lines of error, expected one" >&2
        failures=$((failures + 1))
    fi
}

run "zero-byte file" "empty.png: empty file" classify --ep cpu empty.png
run "text file named .png" "text.png: not a PNG, JPEG or BMP file" classify --ep cpu text.png
run "truncated PNG" "truncated.png: truncated PNG" classify --ep cpu truncated.png
[ -n "$good_jpg" ] && run "truncated JPEG" "truncated.jpg: " classify --ep cpu --modality mri truncated.jpg
run "PNG with a bad CRC" "bad_crc.png: bad CRC" classify --ep cpu bad_crc.png
run "header claiming 100000x100000" "huge.png: image is 100000x100000" classify --ep cpu huge.png
run "PNG whose image data is a zlib bomb (64 KiB inflating to 64 MiB)" "bomb.png: PNG image data inflates to more than" classify --ep cpu bomb.png
run "missing image file" "nowhere.png: cannot open" classify --ep cpu nowhere.png
run "unknown modality" "unknown modality 'pet'" classify --ep cpu --modality pet "$good"
run "tampered package file" "decoder.fp32.onnx" classify --ep cpu "$good" --model tampered
run "missing package file" "tokenizer.json" classify --ep cpu "$good" --model missing_file
run "manifest missing a field" "dims" classify --ep cpu "$good" --model no_dims
run "no package folder" "nowhere/manifest.json" classify --ep cpu "$good" --model nowhere
run "empty finding description" "empty --description" classify --ep cpu --finding Fracture --description "" "$good"
run "invalid UTF-8 finding text" "UTF-8" classify --ep cpu --finding Fracture --description $'rib \xff\xfe' "$good"
run "finding without a description" "needs at least one --description" classify --ep cpu --finding Fracture "$good"
run "CSV missing the path column" "no_path_column.csv: no 'path' column" eval --ep cpu no_path_column.csv
run "CSV with a label that is not 1, 0, -1 or blank" "bad_value.csv: line 2, column 'Effusion'" eval --ep cpu bad_value.csv
run "CSV with a stray quote (';'-separated, CRLF)" "bad_quote.csv: line 2, column 2: unexpected character" eval --ep cpu bad_quote.csv
run "ChestX-ray14 'No Finding' with a finding" "Data_Entry_2017.csv: line 2, column 'Finding Labels'" eval --ep cpu Data_Entry_2017.csv
run "MIMIC-CXR per-study labels (no path)" "no 'path' column (MIMIC-CXR labels are per study" eval --ep cpu mimic-cxr-2.0.0-chexpert.csv
run "split list without names" "test_list.txt: no image names" eval --ep cpu --split-list test_list.txt labels.csv
run "unknown uncertain-label policy" "--uncertain: expected ignore, positive or negative" eval --ep cpu --uncertain maybe bad_value.csv
run "unknown execution provider" "--ep: expected auto, cpu, webgpu or cuda" classify --ep tpu "$good"
run "ONNX Runtime library that is not one" "text.png: cannot load the ONNX Runtime library" classify --ort-lib text.png "$good"
run "unreadable results document" "text.png: not valid JSON" compare text.png text.png

# DICOM (issue 17): the bad files of tests/data/dicom/ (scripts/make_dicom_testdata.py), a
# modality the package does not cover; the same one-line errors as the other formats.
dcm=$root/tests/data/dicom
cp "$dcm"/bad_*.dcm "$dcm"/ct_chest.dcm "$dcm"/dx_hand.dcm .
run "DICOM cut in half" "bad_truncated.dcm: truncated pixel data" classify --ep cpu bad_truncated.dcm
run "DICOM of an unknown transfer syntax (MPEG2)" "bad_unknown_syntax.dcm: transfer syntax 1.2.840.10008.1.2.4.100 is not supported" classify --ep cpu bad_unknown_syntax.dcm
run "DICOM, JPEG 2000 data the codec rejects" "bad_corrupt_j2k.dcm: JPEG 2000 lossless: the codec refused" classify --ep cpu bad_corrupt_j2k.dcm
run "DICOM, RLE data the codec rejects" "bad_corrupt_rle.dcm: RLE lossless: the codec refused" classify --ep cpu bad_corrupt_rle.dcm
run "DICOM, baseline JPEG cut short" "bad_truncated_jpeg.dcm: JPEG frame: truncated JPEG" classify --ep cpu bad_truncated_jpeg.dcm
run "DICOM header claiming 60000x60000" "bad_huge_frame.dcm: frame is 60000x60000" classify --ep cpu bad_huge_frame.dcm
run "DICOM without pixel data" "bad_no_pixel_data.dcm: no pixel data (7FE0,0010)" classify --ep cpu bad_no_pixel_data.dcm
run "DICOM of a modality not in the package (CT)" "ct_chest.dcm: modality CT is not covered by this package (cxr, mri)" classify --ep cpu ct_chest.dcm
run "DICOM DX of the hand" "dx_hand.dcm: DX of body part HAND is not covered by this package (cxr: chest)" classify --ep cpu dx_hand.dcm

# Inputs (issue 18): what cannot be read is reported and skipped (exit 1 when nothing is left);
# a response file that cannot be read is a usage error (it may hold options).
mkdir -p no_images broken_link && ln -s "$work/nowhere.png" broken_link/gone.png
echo "@loop.txt" > loop.txt
printf '\n# nothing\n' > empty_list.txt
run "folder without images" "no_images: no PNG, JPEG, BMP or DICOM file in this folder" classify --ep cpu no_images
run "folder holding a broken link" "broken_link/gone.png: broken symbolic link" classify --ep cpu broken_link
run "missing list file" "nowhere.txt: cannot read (No such file or directory)" classify --ep cpu --list nowhere.txt
run "list file without a path" "empty_list.txt: no path in this list" classify --ep cpu --list empty_list.txt
run "missing response file" "@nowhere.txt: cannot read" classify --ep cpu @nowhere.txt
run "response file naming itself" "nested more than 8 deep" classify --ep cpu @loop.txt

# --- many inputs and memory (issue 18) ---------------------------------------------------------
# Long-named symbolic links to one small chest X-ray, the package's golden sample (so the rows measure
# the inputs, not the decoding), on the command line, from a list and as a folder, with the peak resident memory
# (ru_maxrss of the finished process, what /usr/bin/time -v reports); then radz-app (beside
# radz) opening the folder of 10,000 in its test mode under xvfb-run: its peak memory and the
# longest time between two frames. RELIABILITY_MANY=0 skips this part (26,100 images through the
# model: minutes) and keeps the section of the last full run.
many_rows=()
many_model=${RELIABILITY_MANY_MODEL:-$model}  # the rows measure the inputs: a small package will do
[[ $many_model = /* ]] || many_model=$root/$many_model  # relative to the repository, as MODEL
radz_build=$(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$(dirname "$root/$radz")/CMakeCache.txt" 2>/dev/null)
cat > peak.py <<'EOF'
import json, resource, subprocess, sys, time
t = time.monotonic()
with open("out.txt", "wb") as o, open("err.txt", "wb") as e:
    rc = subprocess.run(sys.argv[1:], stdout=o, stderr=e, stdin=subprocess.DEVNULL).returncode
print(rc, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, round(time.monotonic() - t, 1))
EOF
# many INPUT IMAGES [xvfb] COMMAND...: one row; fails unless it exits 0 with IMAGES results
# (classify --json: out.txt; radz-app: its --results file app.json, and layout.json's frames).
many() {
    local what="$1" want="$2"
    shift 2
    local rc kb secs prefix=()
    if [ "$1" = xvfb ]; then
        shift
        prefix=(xvfb-run -a -s "-screen 0 1280x800x24")
    fi
    read -r rc kb secs < <(RADZ_MODEL="$many_model" "${prefix[@]}" /usr/bin/python3 peak.py "$@")
    local doc=out.txt extra=""
    [ ${#prefix[@]} -gt 0 ] && doc=app.json
    local got
    if [ ${#prefix[@]} = 0 ] && [[ " $* " != *" --json "* ]]; then
        doc=text  # the text output: one line per image, its findings indented below it
    fi
    got=$(/usr/bin/python3 -c '
import json, sys
try:
    if sys.argv[1] == "text":
        print(sum(1 for l in open("out.txt") if l.strip() and not l.startswith(" ")))
    else:
        d = json.load(open(sys.argv[1]))
        print(sum(1 for i in d["images"] if i.get("findings") and not i.get("error")))
except Exception:
    print(0)' "$doc")
    if [ ${#prefix[@]} -gt 0 ]; then
        extra=$(/usr/bin/python3 -c '
import json, sys
f = json.load(open(sys.argv[1]))["frames"]
print("%d frames: the first after %.0f ms (set-up), then at most %.0f ms apart" % (f["count"], f["first_ms"], f["max_interval_ms"]))' layout.json 2>/dev/null)
    fi
    many_rows+=("| $what | $want | $rc | $got | $((kb / 1024)) | $secs | $extra |")
    if [ "$rc" != 0 ] || [ "$got" != "$want" ]; then
        echo "FAIL: $what: exit $rc, $got of $want images classified: $(head -c 300 err.txt)" >&2
        failures=$((failures + 1))
    fi
}
if [ "${RELIABILITY_MANY:-1}" != 0 ]; then
    # a real chest X-ray (the package's first cxr golden sample): a synthetic grey square is refused
    # by the modality gate (flat), and a refused image is not classified
    sample=$(/usr/bin/python3 -c 'import json, sys; g = json.load(open(sys.argv[1] + "/golden/golden.json"))
print(sys.argv[1] + "/golden/" + next(i["file"] for i in g["images"] if i["modality"] == "cxr"))' "$many_model")
    /usr/bin/python3 - "$sample" <<'EOF'
import os, sys
for n in (100, 1000, 10000):
    paths = []
    for i in range(n):
        p = f"many_{n}/part {i % 10}/patient {i:05d} frontal chest radiograph, a long file name.png"
        os.makedirs(os.path.dirname(p), exist_ok=True)
        os.symlink(sys.argv[1], p)
        paths.append(p)
    open(f"many_{n}.txt", "w").write("".join(p + "\n" for p in sorted(paths)))
EOF
    mapfile -t five < <(head -5000 many_10000.txt)
    bytes=$(printf '%s\n' "${five[@]}" | wc -c)
    many "5,000 paths on the command line ($((bytes / 1024)) KiB of it)" 5000 "$root/$radz" classify --ep cpu --json "${five[@]}"
    for n in 100 1000 10000; do
        many "--list of $n paths" $n "$root/$radz" classify --ep cpu --json --list many_$n.txt
    done
    many "--list of 10000 paths, text output" 10000 "$root/$radz" classify --ep cpu --list many_10000.txt
    app=$(dirname "$root/$radz")/radz-app
    if [ -x "$app" ] && command -v xvfb-run >/dev/null; then
        many "radz-app opening a folder of 10,000 images (test mode, xvfb-run)" 10000 xvfb \
            "$app" --ep cpu --modality cxr --results app.json --layout layout.json many_10000
    else
        echo "reliability.sh: no $app or no xvfb-run: the radz-app row is left out" >&2
    fi
fi

out=$root/docs/results/reliability.md
mkdir -p "$(dirname "$out")"
many_kept=$(sed -n '/^## Many inputs and peak memory/,$p' "$out" 2>/dev/null)
{
    echo "# Reliability: bad inputs through the radz CLI"
    echo
    echo "Written by \`scripts/reliability.sh\` ($(date -u +%Y-%m-%d), radz $("$root/$radz" --version | cut -d' ' -f2)," \
         "package $(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["name"])' "$model/manifest.json"))."
    echo "Exit codes: 1 an input failed, 2 a usage error. MODEL is the package folder. The bad DICOM"
    echo "files in the browser (one line each there too): docs/results/parity.md, section DICOM."
    echo
    echo "| input | command | exit | message |"
    echo "|---|---|---|---|"
    printf '%s\n' "${rows[@]}"
    if [ ${#many_rows[@]} -eq 0 ] && [ -n "$many_kept" ]; then
        echo
        printf '%s\n' "$many_kept"
    elif [ ${#many_rows[@]} -gt 0 ]; then
        echo
        echo "## Many inputs and peak memory"
        echo
        echo "\`$radz\` (CMAKE_BUILD_TYPE $radz_build), package \`${many_model//$root\//}\` (RELIABILITY_MANY_MODEL, else MODEL),"
        echo "execution provider cpu; a row fails"
        echo "unless every image is classified. Written with the rows above by \`scripts/reliability.sh $radz\`."
        echo "Peak memory: the process's ru_maxrss (what \`/usr/bin/time -v\` reports), MiB. It grows with the"
        echo "number of images because every result is kept until all are done (the text is printed, the"
        echo "results document validated and written, at the end); with --json the document's text and its"
        echo "JSON tree come on top: compare the text row with the --json row of the same 10,000 images."
        echo "The app's window column: frames drawn while it opened and classified the folder; the longest"
        echo "interval between two frames also counts any wait for a CPU taken by other processes."
        echo
        echo "| input | images | exit | classified | peak MiB | seconds | window |"
        echo "|---|---|---|---|---|---|---|"
        printf '%s\n' "${many_rows[@]}"
    fi
} > "$out"
# Arguments that are not UTF-8 (the invalid-UTF-8 row) are shown as \xNN escapes.
/usr/bin/python3 -c '
import sys
p = sys.argv[1]
t = open(p, "rb").read().decode("utf-8", "backslashreplace")
open(p, "w", encoding="utf-8").write(t)' "$out"
echo "wrote $out (${#rows[@]} inputs, $failures failed)"
[ $failures = 0 ]
