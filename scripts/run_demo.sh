#!/usr/bin/env bash
# The main job in one command: builds the radz CLI (Release, build/release) if needed and
# classifies the shipped sample images with the bundled model.
#
#   scripts/run_demo.sh [extra radz classify options, e.g. --ep webgpu --variant int8]
#
# Model: assets/models/radz-tiny (or $RADZ_MODEL). While the bundled model is not in the
# repository yet, the recipe's quick package (build/quick-package, built if missing) stands in,
# and the script says so. Samples: assets/samples/<modality>/*, else the model's golden images.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

BUILD_DIR=${RADZ_DEMO_BUILD_DIR:-build/release}
JOBS=${JOBS:-2}

model=${RADZ_MODEL:-$root/assets/models/radz-tiny}
if [ ! -f "$model/manifest.json" ]; then
    quick=$root/build/quick-package
    echo "note: no bundled model at $model yet; using the recipe's quick package ($quick)," \
         "a smoke-test model, not the real one" >&2
    if [ ! -f "$quick/manifest.json" ]; then
        scripts/build_package.sh --quick "$quick"
    fi
    model=$quick
fi

if [ ! -x "$BUILD_DIR/radz" ]; then
    cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DRADZ_BUILD_TESTS=OFF -DRADZ_BUILD_APP=OFF >/dev/null
fi
cmake --build "$BUILD_DIR" -j"$JOBS" --target radz >/dev/null
radz=$BUILD_DIR/radz

"$radz" info --model "$model" | sed -n '1,2p'

# Samples per modality: assets/samples/<modality>/, else the package's golden images.
declare -A samples=()
if [ -d assets/samples ]; then
    for d in assets/samples/*/; do
        m=$(basename "$d")
        files=$(find "$d" -maxdepth 1 -type f \( -iname '*.png' -o -iname '*.jpg' -o -iname '*.jpeg' -o -iname '*.bmp' \) | sort)
        [ -n "$files" ] && samples[$m]="$files"
    done
fi
if [ ${#samples[@]} -eq 0 ]; then
    while IFS=$'\t' read -r m f; do
        samples[$m]+="$model/golden/$f"$'\n'
    done < <(/usr/bin/python3 -c '
import json, sys
for i in json.load(open(sys.argv[1]))["images"]:
    print(i["modality"] + "\t" + i["file"])' "$model/golden/golden.json")
fi

rc=0
for m in $(printf '%s\n' "${!samples[@]}" | sort); do
    echo
    echo "== $m"
    mapfile -t files < <(printf '%s' "${samples[$m]}" | sed '/^$/d')
    "$radz" classify --model "$model" --modality "$m" --top 3 "$@" "${files[@]}" || rc=$?
done
exit $rc
