#!/usr/bin/env bash
# The planted-bug check of the fuzz targets (issue 15): for each tests/fuzz/planted/<target>.patch
# (a bounds check removed from the parser that target reaches), builds a throw-away copy of the
# target with that one core file patched (in build-fuzz/planted/, nothing in the tree changes)
# and fuzzes it from the committed corpus for at most SECONDS; it passes when the target
# crashes (finds the bug) within the budget, so no target passes by returning early.
#
#   scripts/fuzz_planted.sh [SECONDS] [TARGET...]      default 300 s, every patch
#
# Needs build-fuzz/ built (scripts/fuzz.sh or scripts/test.sh). Prints one line per target:
# found after N s of wall time, C s of CPU (/usr/bin/time) / M executions, or NOT found.
# Environment: NICE (10), FUZZ_BUILD_DIR (build-fuzz).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
BUILD=${FUZZ_BUILD_DIR:-build-fuzz}
SECS=${1:-300}
shift || true
targets=("$@")
if [ ${#targets[@]} = 0 ]; then
    for p in tests/fuzz/planted/*.patch; do targets+=("$(basename "$p" .patch)"); done
fi
[ -f "$BUILD/compile_commands.json" ] || { echo "fuzz_planted.sh: build $BUILD first (scripts/fuzz.sh)" >&2; exit 1; }
status=0
for t in "${targets[@]}"; do
    patch_file=tests/fuzz/planted/$t.patch
    src=$(head -1 "$patch_file" | sed 's/^--- //')
    work=$BUILD/planted/$t
    rm -rf "$work" && mkdir -p "$work/corpus" "$work/src"
    patch -s -o "$work/src/$(basename "$src")" "$src" "$patch_file" || { echo "$t: patch does not apply"; status=1; continue; }
    # The file's compile command from the fuzz build, pointed at the patched copy.
    cmd=$(python3 - "$BUILD/compile_commands.json" "$PWD/$src" "$PWD/$work/src/$(basename "$src")" "$PWD/$work/planted.o" <<'PY'
import json, shlex, sys
db, src, patched, obj = sys.argv[1:5]
for e in json.load(open(db)):
    if e["file"] == src:
        args = shlex.split(e["command"])
        out = []
        skip = False
        for a in args:
            if skip:
                skip = False
                continue
            if a == "-o":
                skip = True
                continue
            out.append(patched if a == src else a)
        # the patched copy still finds the core's own headers
        out[1:1] = ["-I" + src.rsplit("/", 1)[0]]
        print(shlex.join(out + ["-o", obj]))
        break
PY
)
    [ -n "$cmd" ] || { echo "$t: no compile command for $src"; status=1; continue; }
    (cd "$BUILD/core" && eval "$cmd") || { echo "$t: compile failed"; status=1; continue; }
    # The target's own link line (its libraries: GDCM and zlib for dicom), with the patched
    # object first: its symbols win over the same file's object in libradz_core.a.
    link=$(sed -e "s| -o fuzz_$t | -o $PWD/$work/fuzz_$t |" "$BUILD/tests/fuzz/CMakeFiles/fuzz_$t.dir/link.txt")
    link="${link/ / $PWD/$work/planted.o }"
    (cd "$BUILD/tests/fuzz" && eval "$link") || { echo "$t: link failed"; status=1; continue; }
    dict=""
    case $t in image) dict=-dict=tests/fuzz/dict/image.dict ;; labels_csv) dict=-dict=tests/fuzz/dict/csv.dict ;;
               dicom) dict=-dict=tests/fuzz/dict/dicom.dict ;;
               tokenizer_encode|package|package_fixup) ;; *) dict=-dict=tests/fuzz/dict/json.dict ;; esac
    t0=$(date +%s)
    /usr/bin/time -f '%U %S' -o "$work/cpu" nice -n "${NICE:-10}" "$work/fuzz_$t" -max_total_time="$SECS" -timeout=10 \
        -rss_limit_mb=3072 -max_len=65536 -artifact_prefix="$work/" $dict "$work/corpus" tests/fuzz/corpus/"$t" >"$work/log" 2>&1
    rc=$?
    dt=$(($(date +%s) - t0))
    cpu=$(tail -1 "$work/cpu" | awk 'NF == 2 { printf "%.0f", $1 + $2 }')
    execs=$(grep -oE '^#[0-9]+' "$work/log" | tail -1 | tr -d '#')
    if [ $rc != 0 ] && ls "$work"/crash-* >/dev/null 2>&1; then
        why=$(grep -m1 -E 'fuzz invariant failed|ERROR: AddressSanitizer|runtime error|what\(\)' "$work/log" | sed 's/^==[0-9]*==//')
        echo "$t: found after $dt s wall, ${cpu:-?} s CPU / ${execs:-?} executions ($src patched): $why"
    else
        echo "$t: NOT found in $dt s wall, ${cpu:-?} s CPU / ${execs:-?} executions ($src patched, exit $rc)"
        status=1
    fi
done
exit $status
