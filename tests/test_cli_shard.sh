#!/usr/bin/env bash
# radz eval/classify --shard K/N and radz merge, without a scheduler (docs/archives.md):
#   tests/test_cli_shard.sh RADZ_BINARY PACKAGE_DIR DATA_DIR WORK_DIR
# On tests/data/labels/radz.csv (60 NIH images of DATA_DIR/nih1000) plus one unreadable image:
# the shards take the rows FNV-1a 64 + fmix64 of the path assigns them; merging 3 shards gives exactly
# the unsharded radz eval (metrics JSON byte for byte, every image's scores); shards of another
# variant or labels file are refused naming it; a missing or doubled shard is reported; a shard
# cut short (partial file with a half-written last line) resumes and still merges exactly;
# classify --shard over a folder merges into the unsharded results document.
set -u

radz="$1"
pkg="$2"
data="$3"
work="$4"
py=/usr/bin/python3
src="$(cd "$(dirname "$0")" && pwd)"

. "$src/cli_test_lib.sh"   # fail, expect, contains

for f in "$pkg/manifest.json" "$data/nih1000/images/00000001_000.png"; do
    if [ ! -f "$f" ]; then
        echo "FAIL: $f missing (PACKAGE_DIR, DATA_DIR)" >&2
        exit 1
    fi
done
pkg="$(cd "$pkg" && pwd)"
radz="$(cd "$(dirname "$radz")" && pwd)/$(basename "$radz")"
data="$(cd "$data" && pwd)"
rm -rf "$work"
mkdir -p "$work/img/images"
work="$(cd "$work" && pwd)"
cd "$work" || exit 1

# The labels file: radz.csv's 60 rows and a truncated PNG (recorded as failed, not fatal).
cp "$src/data/labels/radz.csv" labels.csv
tail -n +2 labels.csv | cut -d, -f1 | while read -r p; do ln -s "$data/nih1000/$p" "img/$p"; done
head -c 100 "$data/nih1000/images/00000001_000.png" > img/images/cut.png
echo "images/cut.png,999,1,0,0,0,0,0,0,0,0,0,0,0,0,0,0" >> labels.csv
common=(--model "$pkg" --ep cpu --threads 1 --min-positives 2 --ci 200 --images img)

# --- usage errors ---------------------------------------------------------------------------
for bad in 0/3 4/3 3 a/b 1/0; do
    expect 2 "eval --shard $bad" -- "$radz" eval "${common[@]}" --shard "$bad" labels.csv
    contains "$err" "--shard: expected K/N" "eval --shard $bad: names the option"
done
expect 2 "--resume without --shard" -- "$radz" eval "${common[@]}" --resume labels.csv
expect 2 "--shard with --json" -- "$radz" eval "${common[@]}" --shard 1/3 --json labels.csv
expect 2 "classify --shard with --csv" -- "$radz" classify --shard 1/2 --csv img
expect 2 "merge without shards" -- "$radz" merge

# --- unsharded reference --------------------------------------------------------------------
expect 1 "unsharded eval (one image unreadable)" -- \
    "$radz" eval "${common[@]}" --json --save-results "$work/un.results.json" labels.csv
echo "$out" > un.eval.json

# --- 3 shards, merged -----------------------------------------------------------------------
for k in 1 2 3; do
    "$radz" eval "${common[@]}" --shard $k/3 --out sh labels.csv >/dev/null 2>"$work/err.$k"
    rc=$?
    checks=$((checks + 1))
    if [ "$rc" != 0 ] && [ "$rc" != 1 ]; then
        fail "eval --shard $k/3: exit $rc"
        head -3 "$work/err.$k" >&2
    fi
    [ -f "sh/shard-$k-of-3.scores.tsv" ] && [ -f "sh/shard-$k-of-3.results.json" ] &&
        [ ! -f "sh/shard-$k-of-3.scores.tsv.partial" ] || fail "shard $k/3: scores and results files, no partial file"
done
# Which rows each shard took: FNV-1a 64 of the path as written, then fmix64, modulo 3.
$py - labels.csv sh <<'EOF' || fail "shard membership by FNV-1a 64"
import csv, sys
rows = [r["path"] for r in csv.DictReader(open(sys.argv[1]))]
def fnv(s):
    h = 14695981039346656037
    for b in s.encode():
        h = ((h ^ b) * 1099511628211) % 2**64
    for m in (0xff51afd7ed558ccd, 0xc4ceb9fe1a85ec53):
        h = ((h ^ (h >> 33)) * m) % 2**64
    return h ^ (h >> 33)
for k in (1, 2, 3):
    got = sorted(int(l.split("\t")[0]) for l in open(f"{sys.argv[2]}/shard-{k}-of-3.scores.tsv") if not l.startswith("#"))
    want = [i for i, p in enumerate(rows) if fnv(p) % 3 == k - 1]
    assert got == want, (k, got, want)
    assert 0 < len(got) < len(rows), (k, len(got))
EOF

expect 1 "merge of 3 shards (the unreadable image is reported)" -- \
    "$radz" merge --json --save-results "$work/m.results.json" sh
echo "$out" > m.eval.json
checks=$((checks + 1))
cmp -s un.eval.json m.eval.json || { fail "merged metrics differ from the unsharded eval"; diff un.eval.json m.eval.json | head -10 >&2; }

# Every image's scores equal (timings and features aside: shards keep no feature vectors).
same_images() {
    $py - "$1" "$2" <<'EOF'
import json, sys
a, b = (json.load(open(p))["images"] for p in sys.argv[1:3])
def strip(imgs):
    out = []
    for i in imgs:
        i = dict(i)
        i.pop("timings_ms", None)
        i.pop("feature", None)
        out.append(i)
    return out
a, b = strip(a), strip(b)
assert len(a) == len(b), (len(a), len(b))
for x, y in zip(a, b):
    assert x == y, (x["file"], y["file"])
assert sum(1 for x in a if "error" in x and x["error"]) == 1
EOF
}
checks=$((checks + 1))
same_images un.results.json m.results.json || fail "merged per-image results differ from the unsharded eval's"
$py -c "import json,sys; d=json.load(open('un.eval.json')); assert d['failed']==1 and d['images']==61 and d['mean']['auc_ci95'] is not None" ||
    fail "the unsharded eval has one failure and a mean AUC interval"

# Text output too (run from another folder: the shards record where they ran).
expect 1 "merge, text" -- bash -c "cd / && '$radz' merge '$work/sh'"
contains "$out" "60 images scored (1 failed)" "merge text: images scored"

# --- missing, doubled, mismatched shards ----------------------------------------------------
mkdir -p miss && cp sh/shard-1-of-3.* sh/shard-3-of-3.* miss/
expect 1 "merge with shard 2 missing" -- "$radz" merge miss
contains "$err" "shard 2 of 3 missing" "missing shard named"
cp sh/shard-2-of-3.scores.tsv miss/shard-2-of-3.scores.tsv.partial
expect 1 "merge with shard 2 unfinished" -- "$radz" merge miss
contains "$err" "shard 2 of 3 missing: unfinished" "unfinished shard named with its partial file"
mkdir -p dup && cp sh/shard-2-of-3.* dup/
expect 1 "merge with a shard twice" -- "$radz" merge sh dup
contains "$err" "shard 2 of 3 given twice" "doubled shard named"

mkdir -p var && cp sh/shard-2-of-3.* sh/shard-3-of-3.* var/
"$radz" eval --model "$pkg" --ep cpu --threads 1 --min-positives 2 --ci 200 --images img --variant int8 \
    --shard 1/3 --out var labels.csv >/dev/null 2>&1
expect 1 "merge of shards of two variants" -- "$radz" merge var
contains "$err" "variant" "variant mismatch named"
contains "$err" "int8" "the other variant named"

mkdir -p lab && cp sh/shard-2-of-3.* sh/shard-3-of-3.* lab/
sed 's/^images\/00000001_000.png,1,1,0,1/images\/00000001_000.png,1,1,1,1/' labels.csv > labels2.csv
"$radz" eval "${common[@]}" --shard 1/3 --out lab labels2.csv >/dev/null 2>&1
expect 1 "merge of shards of two labels files" -- "$radz" merge lab
contains "$err" "labels file labels2.csv" "labels file mismatch named"

expect 1 "merge of a file that is no shard" -- "$radz" merge labels.csv
contains "$err" "labels.csv line 1" "not a scores file: named"

# --- resume ---------------------------------------------------------------------------------
# Shard 2 stopped while writing its 6th image: the partial file holds the header, 5 images and
# half a line; --resume keeps the 5, scores the rest, and the merge is still exact.
mkdir -p res && cp sh/shard-1-of-3.* sh/shard-3-of-3.* res/
$py - sh/shard-2-of-3.scores.tsv res/shard-2-of-3.scores.tsv.partial <<'EOF'
import sys
lines = open(sys.argv[1]).read().split("\n")
head = [l for l in lines if l.startswith("#")]
imgs = [l for l in lines if l and not l.startswith("#")]
open(sys.argv[2], "w").write("\n".join(head + imgs[:5]) + "\n" + imgs[5][: len(imgs[5]) // 2])
EOF
expect 0 "eval --resume of a shard cut short" -- "$radz" eval "${common[@]}" --shard 2/3 --out res --resume labels.csv
contains "$err" "5 resumed" "resume keeps the finished images"
expect 1 "merge after resume" -- "$radz" merge --json res
checks=$((checks + 1))
[ "$out" = "$(cat un.eval.json)" ] || fail "merge after resume differs from the unsharded eval"
expect 0 "--resume of a complete shard" -- "$radz" eval "${common[@]}" --shard 2/3 --out res --resume labels.csv
contains "$err" "already complete" "complete shard not run again"
cp sh/shard-2-of-3.scores.tsv res/shard-2-of-3.scores.tsv.partial && rm res/shard-2-of-3.scores.tsv
expect 1 "--resume of another run's partial file" -- "$radz" eval "${common[@]}" --seed 7 --shard 2/3 --out res --resume labels.csv
contains "$err" "of another run" "resume refuses another run's partial file"

# --- classify --shard over a folder ---------------------------------------------------------
expect 0 "unsharded classify --json" -- "$radz" classify --model "$pkg" --ep cpu --threads 1 --json img/images/0000000*.png
echo "$out" > cl.json
for k in 1 2; do
    expect 0 "classify --shard $k/2" -- "$radz" classify --model "$pkg" --ep cpu --threads 1 --shard $k/2 --out cls \
        img/images/0000000*.png
done
expect 0 "merge of classify shards" -- "$radz" merge cls
echo "$out" > clm.json
checks=$((checks + 1))
$py - cl.json clm.json <<'EOF' || fail "merged classify shards differ from the unsharded classify"
import json, sys
a, b = (json.load(open(p))["images"] for p in sys.argv[1:3])
for i in a + b:
    i.pop("timings_ms", None); i.pop("feature", None)
assert a == b and len(a) > 5
EOF

echo "test_cli_shard: $checks checks, $failures failed"
[ "$failures" = 0 ]
