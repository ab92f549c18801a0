#!/usr/bin/env bash
# Native speed: builds radz (Release, build/release), runs `radz bench` on the bundled model (or
# the quick package) and writes its section of docs/results/speed.md, keeping the other sections.
#
#   scripts/bench_native.sh [radz bench options, e.g. --ep webgpu --runs 50]
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD_DIR=${RADZ_DEMO_BUILD_DIR:-build/release}
JOBS=${JOBS:-2}
model=${RADZ_MODEL:-$PWD/assets/models/radz-tiny}
[ -f "$model/manifest.json" ] || model=$PWD/build/quick-package
[ -f "$model/manifest.json" ] || { echo "bench_native.sh: no model package (scripts/build_package.sh --quick build/quick-package)" >&2; exit 1; }

if [ ! -f "$BUILD_DIR/CMakeCache.txt" ]; then
    cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DRADZ_BUILD_TESTS=OFF -DRADZ_BUILD_APP=OFF >/dev/null
fi
cmake --build "$BUILD_DIR" -j"$JOBS" --target radz >/dev/null

section=$(mktemp)
trap 'rm -f "$section"' EXIT
"$BUILD_DIR/radz" bench --model "$model" "$@" > "$section"

out=docs/results/speed.md
mkdir -p docs/results
/usr/bin/python3 - "$out" "$section" "$(date -u +%Y-%m-%d)" "$*" <<'PY'
import os, sys
out, section, day, args = sys.argv[1:5]
begin, end = "<!-- bench_native:begin -->", "<!-- bench_native:end -->"
body = open(section).read().rstrip() + "\n"
block = (f"{begin}\n## Native (radz CLI, ONNX Runtime)\n\n"
         f"Written by `scripts/bench_native.sh{(' ' + args) if args else ''}` on {day}.\n\n{body}{end}\n")
text = open(out).read() if os.path.exists(out) else "# Speed\n\n"
if begin in text and end in text:
    a = text.index(begin)
    b = text.index(end) + len(end)
    text = text[:a] + block.rstrip("\n") + text[b:]
else:
    text = text.rstrip("\n") + "\n\n" + block
open(out, "w").write(text)
PY
echo "wrote the native section of $out"
