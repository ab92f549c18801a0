#!/usr/bin/env bash
# Fuzzes every parser of outside bytes (tests/fuzz/) with libFuzzer for a set time per target,
# one target at a time, nice'd, resumable, then writes docs/results/fuzzing.md.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]     default 600 s of wall time, every target
#   scripts/fuzz.sh --cpu SECONDS [TARGET...]             until each target has had SECONDS of CPU
#                                                         time in stats.tsv (resumes: a rerun tops up)
#   nohup scripts/fuzz.sh 600 > build-fuzz/fuzz.log 2>&1 &
#   scripts/fuzz.sh --report                              only rewrite docs/results/fuzzing.md
#   scripts/fuzz.sh --coverage                            line coverage of each target's parser
#                                                         files over its corpus (build-fuzz-cov/)
#
# Builds build-fuzz/ (clang, RADZ_FUZZ=ON) when needed. Each target runs in chunks of CHUNK
# seconds (default 60) over its working corpus build-fuzz/fuzz/corpus/<target>/ (started from
# the committed tests/fuzz/corpus/<target>/ and kept between runs: a second run resumes),
# writing what it finds to build-fuzz/fuzz/artifacts/<target>/ (crash-*, leak-*, timeout-*,
# oom-*) and one line per chunk to build-fuzz/fuzz/stats.tsv (wall seconds, executions, edges,
# features, corpus size, exit code, CPU seconds: user + system of the libFuzzer process, from
# /usr/bin/time), from which the report is written. A crash ends its chunk; the next
# chunk goes on fuzzing. Each crash must be fixed and its file committed under
# tests/fuzz/regressions/<target>/ (tests/test_fuzz_corpus.cpp runs it).
#
# Environment: FUZZ_BUILD_DIR (build-fuzz), CHUNK (60), NICE (10), FUZZ_JOBS (build jobs, 2),
# LANES (fuzz processes at once, 1: the targets are dealt round-robin to the lanes; a lane
# waits before its next chunk while build-fuzz/fuzz/pause.<lane> exists, lanes counted from 1),
# RADZ_FUZZ_PACKAGE (the package the package targets mutate; default build/quick-package).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

BUILD=${FUZZ_BUILD_DIR:-build-fuzz}
CHUNK=${CHUNK:-60}
NICE=${NICE:-10}
JOBS=${FUZZ_JOBS:-2}
LANES=${LANES:-1}
ALL_TARGETS=(image tokenizer_json tokenizer_encode manifest anchors results labels_csv evidence package package_fixup dicom)
WORK=$BUILD/fuzz
CMD_LINE=${CMD_LINE:-scripts/fuzz.sh${*:+ $*}}
STATS=$WORK/stats.tsv
REPORT=docs/results/fuzzing.md

dict_of() {
    case "$1" in
        image) echo tests/fuzz/dict/image.dict ;;
        labels_csv) echo tests/fuzz/dict/csv.dict ;;
        dicom) echo tests/fuzz/dict/dicom.dict ;;
        tokenizer_encode|package|package_fixup) echo "" ;;
        *) echo tests/fuzz/dict/json.dict ;;
    esac
}

build() {
    if [ ! -f "$BUILD/CMakeCache.txt" ]; then
        cmake -S . -B "$BUILD" -DRADZ_FUZZ=ON -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
            -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g1" -DCMAKE_C_FLAGS_DEBUG="-O1 -g1" || return 1
    fi
    nice -n "$NICE" cmake --build "$BUILD" -j"$JOBS"
}

# run_chunk TARGET SECONDS: one libFuzzer run; appends its figures to stats.tsv.
run_chunk() {
    local t=$1 secs=$2 bin="$BUILD/tests/fuzz/fuzz_$1" log dict args
    mkdir -p "$WORK/corpus/$t" "$WORK/artifacts/$t" "$WORK/logs"
    log=$WORK/logs/$t.$$.last.log   # per process: two lanes may run one target at once
    dict=$(dict_of "$t")
    args=(-max_total_time="$secs" -timeout=10 -rss_limit_mb=3072 -max_len=65536 -print_final_stats=1
          -artifact_prefix="$WORK/artifacts/$t/")
    [ -n "$dict" ] && args+=(-dict="$dict")
    local t0=$(date +%s) cpu_file=$WORK/logs/$t.$$.cpu
    # shellcheck disable=SC2046
    /usr/bin/time -f '%U %S' -o "$cpu_file" nice -n "$NICE" "$bin" "${args[@]}" "$WORK/corpus/$t" tests/fuzz/corpus/"$t" \
        $( [ -d tests/fuzz/regressions/"$t" ] && echo tests/fuzz/regressions/"$t" ) >"$log" 2>&1
    local rc=$? dt=$(($(date +%s) - t0))
    local cpu
    cpu=$(tail -1 "$cpu_file" | awk 'NF == 2 { printf "%.1f", $1 + $2 }')
    cat "$log" >>"$WORK/logs/$t.log"
    local execs cov ft
    execs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | awk '{print $2}' | tail -1)
    cov=$(grep -o 'cov: [0-9]*' "$log" | awk '{print $2}' | tail -1)
    ft=$(grep -o 'ft: [0-9]*' "$log" | awk '{print $2}' | tail -1)
    local n_corpus
    n_corpus=$(find "$WORK/corpus/$t" -type f | wc -l)
    printf '%s\t%s\t%d\t%s\t%s\t%s\t%d\t%d\t%s\n' "$(date -u +%FT%TZ)" "$t" "$dt" "${execs:-0}" "${cov:-0}" "${ft:-0}" \
        "$n_corpus" "$rc" "${cpu:-0}" >>"$STATS"
    echo "$t: ${dt} s wall, ${cpu:-0} s CPU, ${execs:-0} executions, cov ${cov:-0}, ft ${ft:-0}, corpus $n_corpus, exit $rc"
    if [ $rc != 0 ]; then
        grep -E 'ERROR: |SUMMARY: |fuzz invariant failed|Test unit written' "$log" | head -5
    fi
    LAST_RC=$rc LAST_DT=$dt
}

report() {
    python3 - "$STATS" "$WORK" "$REPORT" "${CMD_LINE:-scripts/fuzz.sh}" <<'PY'
import collections, os, sys
stats, work, out, cmd = sys.argv[1:5]
rows = collections.OrderedDict()
if os.path.exists(stats):
    for line in open(stats):
        p = line.rstrip("\n").split("\t")
        if len(p) == 8:
            p.append("0")  # written before CPU time was measured
        if len(p) == 9:
            rows.setdefault(p[1], []).append(p)
order = ["image", "tokenizer_json", "tokenizer_encode", "manifest", "anchors", "results", "labels_csv",
         "evidence", "package", "package_fixup", "dicom"]
L = []
L.append("Written by `%s` (libFuzzer, clang 14, `-fsanitize=fuzzer,address,undefined`, `-O1`; the"
         " targets are described in `tests/fuzz/fuzz_targets.h`), under `nice` on a shared 2-core"
         " machine, in chunks that resume from the corpus kept in `build-fuzz/fuzz/`. CPU seconds are"
         " user + system time of the libFuzzer processes (`/usr/bin/time`); wall seconds exceed them"
         " when the machine was loaded. Crashes etc. count the files in `build-fuzz/fuzz/artifacts/`." % cmd)
L.append("")
L.append("| target | CPU seconds | wall seconds | executions | edges (cov) | features (ft) | corpus files | crashes | leaks | timeouts | ooms |")
L.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for t in order + [t for t in rows if t not in order]:
    r = rows.get(t, [])
    secs = sum(int(x[2]) for x in r)
    cpu = sum(float(x[8]) for x in r)
    execs = sum(int(x[3]) for x in r)
    # the last chunk with figures (one whose log another run of the target overwrote, before logs were
    # per process, has 0 executions and no cov/ft: its CPU time counts, its figures do not)
    good = [x for x in r if int(x[3]) > 0]
    cov = good[-1][4] if good else "-"
    ft = good[-1][5] if good else "-"
    ncorp = good[-1][6] if good else "-"
    art = os.path.join(work, "artifacts", t)
    names = os.listdir(art) if os.path.isdir(art) else []
    cnt = lambda k: sum(1 for n in names if n.startswith(k))
    L.append("| %s | %.0f | %d | %d | %s | %s | %s | %d | %d | %d | %d |" % (t, cpu, secs, execs, cov, ft, ncorp, cnt("crash-"),
             cnt("leak-"), cnt("timeout-"), cnt("oom-")))
L.append("")
L.append("## Coverage over time")
L.append("")
L.append("Edges (libFuzzer's `cov:`) at the end of each chunk, by cumulative CPU seconds: where the"
         " figures stop growing, the target's reachable code is covered by its corpus.")
L.append("")
for t in order:
    r = rows.get(t, [])
    if not r:
        continue
    acc, pts = 0.0, []
    for x in r:
        acc += float(x[8])
        if int(x[3]) > 0:
            pts.append("%.0f s: %s" % (acc, x[4]))
    L.append("- `%s`: %s" % (t, ", ".join(pts)))
L.append("")
cov = os.path.join(work, "coverage.tsv")
if os.path.exists(cov) and os.path.getsize(cov) > 0:
    L.append("## Line coverage of the parser files")
    L.append("")
    L.append("`scripts/fuzz.sh --coverage`: each target built again with `-fprofile-instr-generate"
             " -fcoverage-mapping` and run once over its working corpus and its committed seeds, `llvm-cov report` of"
             " the core files it exists to exercise (lines of the whole file, so code only other"
             " front ends reach counts as missed).")
    L.append("")
    L.append("| target | file | lines | missed | covered |")
    L.append("|---|---|---:|---:|---:|")
    for line in open(cov):
        p = line.rstrip("\n").split("\t")
        if len(p) == 5:
            f = p[1] if "/" in p[1] else "core/" + p[1]
            L.append("| %s | `%s` | %s | %s | %s |" % (p[0], f, p[2], p[3], p[4]))
    L.append("")
# Between the markers only: the rest of the file (what the crashes were and what fixed them, the
# planted-bug checks) is written by hand.
begin, end = "<!-- scripts/fuzz.sh: begin -->", "<!-- scripts/fuzz.sh: end -->"
body = begin + "\n" + "\n".join(L) + end
old = open(out).read() if os.path.exists(out) else "# Fuzzing\n\n" + begin + "\n" + end + "\n"
if begin not in old or end not in old:
    old = old.rstrip("\n") + "\n\n" + begin + "\n" + end + "\n"
i, j = old.index(begin), old.index(end) + len(end)
with open(out, "w") as f:
    f.write(old[:i] + body + old[j:])
print("wrote", out)
PY
}

# The core files each target exists to exercise (its line coverage is reported for these).
parser_files() {
    case "$1" in
        image) echo core/image.cpp core/jpeg_compat.cpp ;;
        tokenizer_json|tokenizer_encode) echo core/tokenizer.cpp core/unicode.cpp ;;
        manifest) echo core/package.cpp core/json_read.cpp ;;
        anchors) echo core/anchor_table.cpp core/json_read.cpp ;;
        results) echo core/results.cpp core/compare.cpp core/json_util.cpp ;;
        labels_csv) echo core/labels_csv.cpp ;;
        evidence) echo core/evidence.cpp ;;
        package|package_fixup) echo core/package.cpp core/pipeline.cpp core/anchor_table.cpp core/evidence.cpp ;;
        dicom) echo core/dicom.cpp native/dicom_lengths.cpp ;;  # dicom_gdcm.cpp: GDCM runs in a child (no counts)
    esac
}

# Builds the targets again with clang's source coverage, runs each once over its working and
# committed corpus, and writes one line per target and file to $WORK/coverage.tsv.
coverage() {
    local cov=${BUILD}-cov
    if [ ! -f "$cov/CMakeCache.txt" ]; then
        cmake -S . -B "$cov" -DRADZ_FUZZ=ON -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
            -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g1" -DCMAKE_C_FLAGS_DEBUG="-O1 -g1" \
            -DCMAKE_CXX_FLAGS="-fprofile-instr-generate -fcoverage-mapping" \
            -DCMAKE_EXE_LINKER_FLAGS="-fprofile-instr-generate" >/dev/null || return 1
    fi
    nice -n "$NICE" cmake --build "$cov" -j"$JOBS" || return 1
    mkdir -p "$WORK/profiles"
    : >"$WORK/coverage.tsv"
    local t
    for t in "${ALL_TARGETS[@]}"; do
        rm -f "$WORK/profiles/$t".*
        mkdir -p "$WORK/corpus/$t"
        LLVM_PROFILE_FILE="$WORK/profiles/$t.profraw" nice -n "$NICE" "$cov/tests/fuzz/fuzz_$t" -runs=0 \
            "$WORK/corpus/$t" tests/fuzz/corpus/"$t" >"$WORK/logs/$t.coverage.log" 2>&1
        llvm-profdata merge -o "$WORK/profiles/$t.profdata" "$WORK/profiles/$t.profraw" || continue
        # shellcheck disable=SC2046
        llvm-cov report "$cov/tests/fuzz/fuzz_$t" -instr-profile="$WORK/profiles/$t.profdata" \
            $(parser_files "$t" | tr ' ' '\n' | sed "s|^|$PWD/|") 2>/dev/null |
            awk -v t="$t" -v root="$PWD/" '$1 ~ /\.cpp$/ { f = $1; sub(root, "", f); print t "\t" f "\t" $8 "\t" $9 "\t" $10 }' \
            >>"$WORK/coverage.tsv"
    done
    cat "$WORK/coverage.tsv"
}

if [ "${1:-}" = "--coverage" ]; then
    mkdir -p "$WORK/logs"
    coverage && report
    exit $?
fi

if [ "${1:-}" = "--report" ]; then
    report
    exit $?
fi

CPU_MODE=0
if [ "${1:-}" = "--cpu" ]; then
    CPU_MODE=1
    shift
fi
SECS=${1:-600}
shift || true
TARGETS=("$@")
[ ${#TARGETS[@]} = 0 ] && TARGETS=("${ALL_TARGETS[@]}")
for t in "${TARGETS[@]}"; do
    case " ${ALL_TARGETS[*]} " in *" $t "*) ;; *) echo "fuzz.sh: unknown target '$t' (targets: ${ALL_TARGETS[*]})" >&2; exit 2 ;; esac
done
build || { echo "fuzz.sh: the build failed" >&2; exit 1; }
mkdir -p "$WORK"

# CPU seconds target t has had so far (stats.tsv's ninth column; rows without it count 0).
cpu_so_far() {
    [ -f "$STATS" ] || { echo 0; return; }
    awk -F'\t' -v t="$1" '$2 == t && NF >= 9 { s += $9 } END { printf "%d", s }' "$STATS"
}

# fuzz_target t: SECS of wall time in chunks, or (--cpu) chunks until t has had SECS of CPU.
fuzz_target() {
    local t=$1 lane=$2 left=$SECS c
    while true; do
        while [ -e "$WORK/pause.$lane" ]; do sleep 10; done
        if [ $CPU_MODE = 1 ]; then
            left=$((SECS - $(cpu_so_far "$t")))
        fi
        [ "$left" -gt 0 ] || break
        c=$CHUNK
        [ "$left" -lt "$c" ] && c=$left
        [ $CPU_MODE = 1 ] && [ "$c" -lt 10 ] && c=10   # a CPU second is at least a wall second
        run_chunk "$t" "$c"
        if [ "$LAST_RC" != 0 ] && [ "$LAST_DT" -lt 5 ]; then
            echo "$t: stopped (it fails at start-up: fix what crashed first)"
            break
        fi
        [ $CPU_MODE = 1 ] || left=$((left - c))
    done
}

# --cpu: a lane takes its targets in turn, one chunk each, until every one has had SECS of CPU,
# so that a run cut short has given each target about the same. Otherwise one target after the
# other, SECS of wall time each.
lane() {
    local n=$1 i t left more
    if [ $CPU_MODE = 0 ]; then
        for ((i = n - 1; i < ${#TARGETS[@]}; i += LANES)); do
            fuzz_target "${TARGETS[$i]}" "$n"
        done
        return
    fi
    more=1
    while [ $more = 1 ]; do
        more=0
        for ((i = n - 1; i < ${#TARGETS[@]}; i += LANES)); do
            t=${TARGETS[$i]}
            while [ -e "$WORK/pause.$n" ]; do sleep 10; done
            left=$((SECS - $(cpu_so_far "$t")))
            [ "$left" -gt 0 ] || continue
            [ -f "$WORK/stopped.$t" ] && continue
            more=1
            run_chunk "$t" "$CHUNK"
            if [ "$LAST_RC" != 0 ] && [ "$LAST_DT" -lt 5 ]; then
                echo "$t: stopped (it fails at start-up: fix what crashed first, then remove $WORK/stopped.$t)"
                touch "$WORK/stopped.$t"
            fi
        done
    done
}
for ((l = 1; l <= LANES; l++)); do
    lane "$l" &
done
wait
report
