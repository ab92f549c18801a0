#!/usr/bin/env bash
# Whole-archive speed (docs/results/speed.md, section "Whole archives"; docs/archives.md):
#
#   scripts/bench_archive.sh [BUILD_DIR] [WORK_DIR]
#
# BUILD_DIR: a Release build with build/radz (default build); WORK_DIR: where the images are
# made (default BUILD_DIR/archive-bench; nothing is written into the repository).
#  1. Full-size inputs made from the shared NIH images (../shared/data/nih1000 beside the repo, or
#     $RADZ_TEST_DATA) with PIL: each 64 px image upscaled (bicubic) to 1024 x 1024 and to
#     3000 x 2500, 8-bit grey, with Gaussian noise (sigma 4 grey levels) so that the files
#     compress like radiographs rather than like a smooth upscale; PNG (compress level 6) and
#     JPEG (quality 90). RADZ_BENCH_IMAGES of each kind (default 20).
#  2. Per-image time by stage (decode, preprocess, vision, decoder, score: the results
#     document's timings_ms, mean over the images) with --threads 1 and --threads 2.
#  3. One process (--threads 2) vs two shards at once (--threads 1 each) on RADZ_BENCH_WALL
#     (default 200) 1024 px PNGs (symbolic links under different names): wall times.
#  4. The overhead of sharding at RADZ_BENCH_MANY (default 10000) images (the 1,000 shared images
#     under ten names): unsharded radz eval vs the sum of 2 shards' times plus the merge's.
# Prints a Markdown section on standard output; progress on standard error.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$root/build}"
radz="$build/radz"
work="${2:-$build/archive-bench}"
data="${RADZ_TEST_DATA:-$root/../shared/data}"
model="${RADZ_MODEL:-$root/assets/models/radz-tiny}"
n_img="${RADZ_BENCH_IMAGES:-20}"
n_wall="${RADZ_BENCH_WALL:-200}"
n_many="${RADZ_BENCH_MANY:-10000}"
py=/usr/bin/python3
[ -x "$radz" ] || { echo "bench_archive.sh: $radz: not built (cmake --build $build --target radz)" >&2; exit 2; }
mkdir -p "$work"
work="$(cd "$work" && pwd)"
radz="$(cd "$(dirname "$radz")" && pwd)/radz"
log() { echo "[$(date -u +%T)] $*" >&2; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }

log "making full-size images in $work/full"
$py - "$data/nih1000/images" "$work/full" "$n_img" <<'EOF'
import os, sys
from PIL import Image, ImageChops
src, out, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
os.makedirs(out, exist_ok=True)
names = sorted(os.listdir(src))[:n]
for size, tag in (((1024, 1024), "1024"), ((3000, 2500), "3000")):
    noise = Image.effect_noise(size, 4)  # Gaussian around 128, sigma 4
    for name in names:
        base = os.path.splitext(name)[0]
        png, jpg = f"{out}/{tag}_{base}.png", f"{out}/{tag}_{base}.jpg"
        if os.path.exists(png) and os.path.exists(jpg):
            continue
        im = Image.open(f"{src}/{name}").convert("L").resize(size, Image.BICUBIC)
        im = ImageChops.add(im, noise, scale=1.0, offset=-128)
        im.save(png, compress_level=6)
        im.save(jpg, quality=90)
EOF

echo "### Whole archives: full-size inputs, shards, projection"
echo
echo "Measured $(date -u +%F) by \`scripts/bench_archive.sh $build\` on $(nproc) cores"
echo "($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), load average at start $(cut -d' ' -f1 /proc/loadavg)"
echo "(the machine is shared: figures are upper bounds of an idle machine's), Release build, package"
echo "$(basename "$model"), variant fp32, CPU execution provider."
echo
echo "Per-image time by stage (ms, mean of $n_img images each; inputs made by the script from the"
echo "shared 64 px NIH images: bicubic upscale, grey, noise sigma 4, PNG level 6 / JPEG q90):"
echo
echo "| input | file size (mean) | threads | decode | preprocess | vision | decoder | score | total | images/s |"
echo "|---|---|---|---|---|---|---|---|---|---|"
for kind in 1024.png 1024.jpg 3000.png 3000.jpg; do
    tag="${kind%.*}" ext="${kind#*.}"
    files=("$work/full/${tag}"_*."$ext")
    for t in 1 2; do
        log "stage times: $kind, $t threads"
        "$radz" classify --model "$model" --ep cpu --threads "$t" --json "${files[@]}" > "$work/stages.json" 2>/dev/null
        $py - "$work/stages.json" "$kind" "$t" "${files[@]}" <<'EOF'
import json, os, sys
d = json.load(open(sys.argv[1]))
kind, t, files = sys.argv[2], sys.argv[3], sys.argv[4:]
imgs = [i for i in d["images"] if not i.get("error")]
assert len(imgs) == len(files), "an image failed"
m = {k: sum(i["timings_ms"][k] for i in imgs) / len(imgs) for k in ("decode", "preprocess", "vision", "decoder", "score", "total")}
size = sum(os.path.getsize(f) for f in files) / len(files) / 1e6
w, h = imgs[0]["width"], imgs[0]["height"]
print(f"| {w} x {h} {kind.split('.')[1].upper()} | {size:.2f} MB | {t} | {m['decode']:.1f} | {m['preprocess']:.1f} | {m['vision']:.1f} | "
      f"{m['decoder']:.1f} | {m['score']:.2f} | {m['total']:.1f} | {1000 / m['total']:.1f} |")
EOF
    done
done

# 3. one process vs two shards, on n_wall 1024 px PNGs under different names
log "one process vs 2 shards on $n_wall 1024 px PNGs"
rm -rf "$work/wall" && mkdir -p "$work/wall"
src=("$work/full/1024"_*.png)
for i in $(seq 0 $((n_wall - 1))); do ln -s "${src[$((i % ${#src[@]}))]}" "$work/wall/img$i.png"; done
t0=$(now_ms)
"$radz" classify --model "$model" --ep cpu --threads 2 --json "$work/wall" > /dev/null 2>&1
one=$(($(now_ms) - t0))
rm -rf "$work/wall-shards"
t0=$(now_ms)
for k in 1 2; do
    "$radz" classify --model "$model" --ep cpu --threads 1 --shard $k/2 --out "$work/wall-shards" "$work/wall" 2>/dev/null &
done
wait
two=$(($(now_ms) - t0))
t0=$(now_ms)
"$radz" merge --save-results "$work/wall-merged.json" "$work/wall-shards" 2>/dev/null
wall_merge=$(($(now_ms) - t0))
echo
echo "One process vs two shards, $n_wall 1024 x 1024 PNGs (wall time, model loading included):"
echo
echo "| run | wall | images/s |"
echo "|---|---|---|"
echo "| one process, \`--threads 2\` | $one ms | $($py -c "print(f'{$n_wall / $one * 1000:.1f}')") |"
echo "| 2 shards at once, \`--threads 1\` each | $two ms | $($py -c "print(f'{$n_wall / $two * 1000:.1f}')") |"
echo "| \`radz merge\` of the 2 (classify: one results document) | $wall_merge ms | |"

# 4. sharding overhead at n_many images
log "sharding overhead at $n_many images"
rm -rf "$work/many" && mkdir -p "$work/many"
copies=$(((n_many + 999) / 1000))
for c in $(seq 1 "$copies"); do ln -s "$data/nih1000" "$work/many/c$c"; done
$py - "$data/nih1000/labels.csv" "$work/many.csv" "$copies" "$n_many" <<'EOF'
import sys
lines = open(sys.argv[1]).read().splitlines()
rows = [f"c{c}/{l}" for c in range(1, int(sys.argv[3]) + 1) for l in lines[1:]][: int(sys.argv[4])]
open(sys.argv[2], "w").write("\n".join([lines[0]] + rows) + "\n")
EOF
args=(--model "$model" --ep cpu --threads 1 --images "$work/many" "$work/many.csv")
t0=$(now_ms)
"$radz" eval "${args[@]}" --json > "$work/many.unsharded.json" 2>/dev/null
un=$(($(now_ms) - t0))
rm -rf "$work/many-shards"
declare -a st
for k in 1 2; do
    t0=$(now_ms)
    "$radz" eval "${args[@]}" --shard $k/2 --out "$work/many-shards" >/dev/null 2>&1
    st[$k]=$(($(now_ms) - t0))
done
t0=$(now_ms)
"$radz" merge --json "$work/many-shards" > "$work/many.merged.json" 2>/dev/null
mg=$(($(now_ms) - t0))
same=$(cmp -s "$work/many.unsharded.json" "$work/many.merged.json" && echo "equal byte for byte" || echo "DIFFERENT")
ov=$((st[1] + st[2] + mg - un))
echo
echo "Overhead of sharding at $n_many images (64 px NIH images under $copies names; \`radz eval\`,"
echo "one thread, 1,000 bootstrap resamples; each run alone): (sum of shard times + merge time) -"
echo "unsharded time. The merged metrics are $same to the unsharded \`--json\`."
echo
echo "| run | time |"
echo "|---|---|"
echo "| unsharded \`radz eval\` | $un ms |"
echo "| shard 1/2 | ${st[1]} ms |"
echo "| shard 2/2 | ${st[2]} ms |"
echo "| \`radz merge\` | $mg ms |"
echo "| overhead | $ov ms ($($py -c "print(f'{100 * $ov / $un:.1f}')")% of the unsharded time) |"
echo "$one $two $wall_merge $un ${st[1]} ${st[2]} $mg $n_wall $n_many" > "$work/summary.txt"
log "done"
