#!/usr/bin/env bash
# DICOM parity and speed (issue 17): writes the DICOM sections of docs/results/parity.md and
# docs/results/speed.md, and docs/web-dicom-screenshot.png.
#
#   scripts/dicom_parity.sh [RADZ_BINARY] [MODEL_DIR]
#
# RADZ_BINARY: a Release build of the CLI (default build-release/radz: cmake -S . -B
# build-release -DCMAKE_BUILD_TYPE=Release && cmake --build build-release --target radz), for
# the native decode times; MODEL_DIR: default assets/models/radz-tiny. The page is the one
# scripts/serve builds (web/test/dicom_browser_test.mjs). About 3 minutes here.
set -euo pipefail
cd "$(dirname "$0")/.."
radz=$(realpath "${1:-build-release/radz}")
model=$(realpath "${2:-assets/models/radz-tiny}")
out=$(node scripts/lib/web_build_dir.cjs)/test-dicom
mkdir -p "$out"
[ -x "$radz" ] || { echo "scripts/dicom_parity.sh: $radz not built" >&2; exit 1; }

# Native: timings_ms.decode of each file, median of 5 runs.
files=$(ls tests/data/dicom | grep -v -e '\.json$' -e '^expected$' -e '^bad_')
for i in 1 2 3 4 5; do
    (cd tests/data/dicom && "$radz" classify --model "$model" --ep cpu --json $files 2>/dev/null) > "$out/native_$i.json" || true
done
/usr/bin/python3 - "$out" <<'EOF'
import json, statistics, sys
out = sys.argv[1]
runs = [json.load(open(f"{out}/native_{i}.json"))["images"] for i in range(1, 6)]
t = {}
for imgs in runs:
    for im in imgs:
        if "timings_ms" in im:
            t.setdefault(im["file"], []).append(im["timings_ms"]["decode"])
json.dump({f: statistics.median(v) for f, v in t.items()}, open(f"{out}/native_decode.json", "w"), indent=1)
EOF

node web/test/dicom_browser_test.mjs --model "$model" --radz "$radz" --out "$out" \
    --screenshot docs/web-dicom-screenshot.png
chromium_version=$(/usr/bin/chromium --version 2>/dev/null | head -1)
node web/test/dicom_report.mjs "$out" "package $(basename "$model"), $chromium_version, $(nproc) CPU threads"
