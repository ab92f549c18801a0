#!/usr/bin/env bash
# Runs a libFuzzer binary once over every file of the given folders (no fuzzing, nothing
# written): tests/fuzz/CMakeLists.txt's ctest tests.
#   tests/fuzz/run_corpus.sh BINARY DIR...
set -euo pipefail
bin=$1
shift
files=()
for d in "$@"; do
    [ -d "$d" ] || continue
    while IFS= read -r -d '' f; do files+=("$f"); done < <(find "$d" -type f ! -name '.*' -print0 | sort -z)
done
if [ ${#files[@]} = 0 ]; then
    echo "run_corpus.sh: no files in $*" >&2
    exit 1
fi
echo "$(basename "$bin"): ${#files[@]} files"
exec "$bin" -runs=1 "${files[@]}"
