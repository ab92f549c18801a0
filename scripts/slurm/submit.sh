#!/usr/bin/env bash
# Submits a sharded radz run to Slurm: one array task per shard that is not complete yet (its
# shard-K-of-N.scores.tsv missing), then a merge job that depends on them (docs/archives.md).
#
#   scripts/slurm/submit.sh --shards N --out DIR [options] eval|classify ARGS...
#
#   --shards N      number of shards (the array 1..N)
#   --out DIR       the shards' folder (created; logs under DIR/logs)
#   --cpus C        cpus per task: the shard's --threads (default 2)
#   --radz BIN      the radz binary (default: build/radz of this repository)
#   --max-running M at most M shards at once (sbatch --array=...%M)
#   --dry-run       print the sbatch commands, submit nothing
# Anything else sbatch takes comes from its environment variables (SBATCH_PARTITION,
# SBATCH_TIMELIMIT, SBATCH_ACCOUNT, ...). Rerun the same command after a failure: only the
# missing shards are submitted (with --resume, unfinished ones continue their partial file),
# and a new merge. Prints "array JOBID" (or "array none") and "merge JOBID".
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
shards="" out="" cpus=2 radz="$root/build/radz" max="" dry=0
usage() { echo "usage: scripts/slurm/submit.sh --shards N --out DIR [--cpus C] [--radz BIN] [--max-running M] [--dry-run] eval|classify ARGS..." >&2; exit 2; }
while [ $# -gt 0 ]; do
    case "$1" in
        --shards) shards="${2:-}"; shift 2 ;;
        --out) out="${2:-}"; shift 2 ;;
        --cpus) cpus="${2:-}"; shift 2 ;;
        --radz) radz="${2:-}"; shift 2 ;;
        --max-running) max="${2:-}"; shift 2 ;;
        --dry-run) dry=1; shift ;;
        eval|classify) break ;;
        *) echo "submit.sh: unknown option '$1'" >&2; usage ;;
    esac
done
[ $# -ge 1 ] || usage
command="$1"
shift
[[ "$shards" =~ ^[1-9][0-9]*$ ]] || { echo "submit.sh: --shards: expected a number >= 1, found '$shards'" >&2; exit 2; }
[[ "$cpus" =~ ^[1-9][0-9]*$ ]] || { echo "submit.sh: --cpus: expected a number >= 1, found '$cpus'" >&2; exit 2; }
[ -n "$out" ] || { echo "submit.sh: --out DIR is required" >&2; exit 2; }
[ -x "$radz" ] || { echo "submit.sh: $radz: not an executable (build it, or --radz BIN)" >&2; exit 2; }
mkdir -p "$out/logs"
out="$(cd "$out" && pwd)"
radz="$(cd "$(dirname "$radz")" && pwd)/$(basename "$radz")"

missing=()
for k in $(seq 1 "$shards"); do
    [ -f "$out/shard-$k-of-$shards.scores.tsv" ] || missing+=("$k")
done
export RADZ_BIN="$radz" RADZ_COMMAND="$command" RADZ_SHARDS="$shards" RADZ_OUT="$out"
dep=()
if [ ${#missing[@]} -gt 0 ]; then
    list="$(IFS=,; echo "${missing[*]}")${max:+%$max}"
    cmd=(sbatch --parsable --export=ALL --array="$list" --cpus-per-task="$cpus"
         --output="$out/logs/shard-%a-of-$shards.log" "$here/eval.sbatch" "$@")
    if [ "$dry" = 1 ]; then
        echo "${cmd[*]}"
        echo "array DRYRUN"
    else
        array="$("${cmd[@]}")"
        array="${array%%;*}"
        echo "array $array (shards ${missing[*]} of $shards)"
        dep=(--dependency="afterany:$array")
    fi
else
    echo "array none (all $shards shards complete)"
fi
cmd=(sbatch --parsable --export=ALL --cpus-per-task=1 "${dep[@]}" --output="$out/logs/merge.log" "$here/merge.sbatch")
if [ "$dry" = 1 ]; then
    echo "${cmd[*]}"
else
    merge="$("${cmd[@]}")"
    echo "merge ${merge%%;*}"
fi
