#!/usr/bin/env bash
# radz classify on many inputs, every way of passing them (issue 18):
#   tests/test_cli_inputs.sh RADZ_BINARY PACKAGE_DIR WORK_DIR IMAGES_DIR
# 5,000 long-named symbolic links to three small images of IMAGES_DIR (PNG, JPEG, BMP) in nested
# folders, classified from the command line (about 350 KB of it: ONNX Runtime 1.30 used to
# overflow its stack parsing /proc/self/cmdline above about 29 KB, docs/ort-cmdline.md), from a
# list file, from a response file, from standard input and as a folder: every image must have
# its result, in order. Then what cannot be read (reported, skipped, exit 1), and each of the two
# guards of native/ort_cmdline.h alone on radz info and radz eval, and neither (a one-line
# refusal, not a crash). WORK_DIR is removed when every check passes.
set -u

radz="$1"
pkg="$2"
work="$3"
images="$4"
n=${RADZ_TEST_INPUTS_COUNT:-5000}
py=/usr/bin/python3

. "$(dirname "$0")/cli_test_lib.sh"   # fail, expect, file_contains
# lines FILE COUNT DESCRIPTION: the file has COUNT lines besides the provider line
lines() {
    checks=$((checks + 1))
    local got
    got=$(grep -v '^radz: execution provider' "$1" | grep -c .)
    [ "$got" = "$2" ] || fail "$3: expected $2 lines, got $got: $(head -c 300 "$1")"
}
# results DESCRIPTION EXPECTED_LIST: $work/out is a results document with exactly the images of
# EXPECTED_LIST (one path per line), in that order, each with findings and no error.
results() {
    checks=$((checks + 1))
    local msg
    msg=$($py - "$work/out" "$2" <<'EOF'
import json, sys
try:
    doc = json.load(open(sys.argv[1]))
except Exception as e:
    print(f"no results document ({e})"); sys.exit()
want = [l.rstrip("\n") for l in open(sys.argv[2])]
got = [im["file"] for im in doc["images"]]
if got != want:
    first = next((i for i, (a, b) in enumerate(zip(got, want)) if a != b), min(len(got), len(want)))
    print(f"{len(got)} results for {len(want)} images; first difference at #{first}: "
          f"{got[first] if first < len(got) else None} vs {want[first] if first < len(want) else None}")
    sys.exit()
bad = [im["file"] for im in doc["images"] if im.get("error") or not im.get("findings")]
if bad:
    print(f"{len(bad)} images without findings, e.g. {bad[0]}")
EOF
)
    [ -z "$msg" ] || fail "$1: $msg"
}

for f in "$pkg/manifest.json" "$images/grey_80x80.png" "$images/grey_64x64.jpg" "$images/rgb_65x63.bmp"; do
    [ -f "$f" ] || { echo "FAIL: missing $f" >&2; exit 1; }
done
[ -x "$radz" ] || { echo "FAIL: $radz is not an executable" >&2; exit 1; }
radz=$(cd "$(dirname "$radz")" && pwd)/$(basename "$radz")
images=$(cd "$images" && pwd)
pkg=$(cd "$pkg" && pwd)
rm -rf "$work"
mkdir -p "$work"
cd "$work" || exit 1
export RADZ_MODEL="$pkg"
unset ORT_DISABLE_TELEMETRY RADZ_KEEP_CMDLINE

# The tree: scans/<4 folders>/<long names>, some extensions in capitals; plus what a folder walk
# must skip (hidden files and folders, other files, a link to a folder) and must not follow.
$py - "$images" "$n" <<'EOF'
import os, sys
images, n = sys.argv[1], int(sys.argv[2])
targets = [("grey_80x80.png", "png"), ("grey_64x64.jpg", "jpg"), ("rgb_65x63.bmp", "bmp")]
paths = []
for i in range(n):
    src, ext = targets[i % 3]
    if i % 10 == 0:
        ext = ext.upper()
    sub = ["a", "b/deeper", "c d", "e"][i % 4]
    p = f"scans/{sub}/patient {i:05d} frontal chest radiograph, a rather long file name.{ext}"
    os.makedirs(os.path.dirname(p), exist_ok=True)
    os.symlink(f"{images}/{src}", p)
    paths.append(p)
paths.sort()  # bytewise, as a folder walk returns them
with open("expected.txt", "w") as f:
    f.write("".join(p + "\n" for p in paths))
# A list file: comments, blank lines and CRLF line ends are skipped or stripped.
with open("scans.txt", "w", newline="") as f:
    f.write("# every scan of issue 18\n\n")
    for i, p in enumerate(paths):
        f.write(p + ("\r\n" if i % 7 == 0 else "\n"))
        if i % 1000 == 0:
            f.write("   \n# a comment\n")
# A response file: options and paths, one per line.
with open("args.txt", "w") as f:
    f.write("--json\n--ep\ncpu\n# paths follow\n" + "".join(p + "\n" for p in paths))
with open("expected_head.txt", "w") as f:
    f.write("".join(p + "\n" for p in paths[:20]))
os.symlink(f"{images}/grey_80x80.png", "scans/.hidden.png")
os.makedirs("scans/.cache", exist_ok=True)
os.symlink(f"{images}/grey_80x80.png", "scans/.cache/x.png")
open("scans/notes.txt", "w").write("not an image\n")
os.symlink("..", "scans/a/loop")
os.symlink(f"{images}", "scans/e/linked folder")
EOF
mapfile -t paths < expected.txt
[ "${#paths[@]}" = "$n" ] || { echo "FAIL: the tree has ${#paths[@]} images, expected $n" >&2; exit 1; }

# --- every way of passing them ----------------------------------------------------------------
t0=$(date +%s)
expect 0 "$n paths on the command line" -- "$radz" classify --ep cpu --threads 1 --json "${paths[@]}"
results "$n paths on the command line" expected.txt
lines "$work/err" 0 "$n paths on the command line: nothing but the provider line on stderr"
expect 0 "--list FILE" -- "$radz" classify --ep cpu --threads 1 --json --list scans.txt
results "--list FILE" expected.txt
expect 0 "@FILE" -- "$radz" classify --threads 1 @args.txt
results "@FILE" expected.txt
expect 0 "a folder" -- "$radz" classify --ep cpu --threads 1 --json scans
results "a folder (sorted, hidden files, other files and linked folders skipped)" expected.txt
lines "$work/err" 0 "a folder: nothing but the provider line on stderr"
head -24 scans.txt > head.txt
expect 0 "--list -" -- "$radz" classify --ep cpu --threads 1 --json --list - < head.txt
results "--list - (standard input)" expected_head.txt
echo "test_cli_inputs: $n images 4 ways + 20 from standard input in $(($(date +%s) - t0)) s"

# --- what cannot be read: reported in one line each, skipped, exit 1 -------------------------
mkdir -p empty broken
ln -s "$images/grey_64x64.jpg" broken/good.jpg
ln -s "$work/nowhere.png" broken/gone.png
printf '%s\n' "${paths[0]}" > one.txt
expect 1 "unreadable inputs" -- "$radz" classify --ep cpu --json --list missing.txt empty broken --list one.txt
printf '%s\n' broken/good.jpg "${paths[0]}" > expected_some.txt
results "unreadable inputs: the rest is classified" expected_some.txt
file_contains "$work/err" "missing.txt: cannot read (No such file or directory)" "a missing list file is named"
file_contains "$work/err" "empty: no PNG, JPEG, BMP or DICOM file in this folder" "a folder without images is named"
file_contains "$work/err" "broken/gone.png: broken symbolic link" "a broken link is named"
lines "$work/err" 3 "one line per unreadable input"
printf '\n# nothing\n' > blank.txt
expect 1 "an empty list" -- "$radz" classify --ep cpu --list blank.txt
file_contains "$work/err" "blank.txt: no path in this list" "an empty list is named"
expect 2 "a missing response file" -- "$radz" classify --ep cpu @nope.txt
file_contains "$work/err" "@nope.txt: cannot read" "a missing response file is named"
lines "$work/err" 1 "a missing response file: one line"
echo "@loop.txt" > loop.txt
expect 2 "a response file naming itself" -- "$radz" classify --ep cpu @loop.txt
file_contains "$work/err" "nested more than 8 deep" "response files nest 8 deep at most"
expect 2 "--list without a file" -- "$radz" classify --ep cpu --list
file_contains "$work/err" "--list needs a file" "--list without a file"

# --- the guards of native/ort_cmdline.h, each alone, on the other commands that load ONNX Runtime
# 60 KB of command line without images: 5,000 times --threads 1.
long=()
for ((i = 0; i < 5000; ++i)); do long+=(--threads 1); done
$py - "$pkg" <<'EOF'
import json, sys
g = json.load(open(sys.argv[1] + "/golden/golden.json"))
with open("mri.csv", "w") as f:
    f.write("path,label\n")
    for i in g["images"]:
        if i["modality"] == "mri":
            f.write(f"{i['file']},{i['label'][0]}\n")
EOF
expect 0 "info, a long command line moved off /proc/self/cmdline, telemetry on" -- \
    env ORT_DISABLE_TELEMETRY=0 "$radz" info --ep cpu "${long[@]}"
file_contains "$work/out" "cpu" "info lists the cpu provider"
expect 0 "eval, a long command line kept, telemetry off" -- \
    env RADZ_KEEP_CMDLINE=1 "$radz" eval --ep cpu --min-positives 1 --ci 0 --images "$pkg/golden" mri.csv "${long[@]}"
file_contains "$work/out" "top-1 accuracy" "eval prints its accuracy"
expect 1 "info, a long command line kept and telemetry on: refused, not a crash" -- \
    env RADZ_KEEP_CMDLINE=1 ORT_DISABLE_TELEMETRY=0 "$radz" info --ep cpu "${long[@]}"
file_contains "$work/err" "docs/ort-cmdline.md" "the refusal names the explanation"
lines "$work/err" 1 "the refusal is one line"

echo "test_cli_inputs: $checks checks, $failures failed"
if [ "$failures" = 0 ]; then
    cd / && rm -rf "$work"
else
    echo "test_cli_inputs: inputs and outputs kept in $work" >&2
fi
[ "$failures" = 0 ]
