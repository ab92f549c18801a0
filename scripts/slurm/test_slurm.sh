#!/usr/bin/env bash
# The Slurm scripts for real, on a single-node cluster on 127.0.0.1 (docs/archives.md): not in
# the README's test command (daemons are fragile in CI). Run as root on Debian bookworm:
#
#   scripts/slurm/test_slurm.sh [RADZ_BINARY] [WORK_DIR]
#
# Installs Debian's slurm-wlm and munge when missing (apt-get), writes a munge key and a
# slurm.conf under WORK_DIR, starts munged, slurmctld and slurmd, and stops them on exit.
# Then, on the shared NIH set (../shared/data/nih1000 beside the repo, or $RADZ_TEST_DATA) four times under
# other names (c1/ .. c4/: 4,000 rows, so that a shard runs long enough to be stopped):
#   1. one unsharded radz eval (the reference);
#   2. scripts/slurm/submit.sh with 4 shards: an array job and a dependent merge; shard 2 is
#      requeued (scontrol requeue) once its partial file holds images, and must resume them;
#      shard 3's radz is killed (SIGKILL) mid-run, so that task fails and the merge reports it
#      missing; submit.sh is run again and submits only shard 3 (resumed) and a new merge;
#   3. the merged metrics equal the unsharded ones byte for byte, every image's scores too.
# Prints a transcript; exit 0 when every check held.
set -u
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
radz="${1:-$root/build/radz}"
work="${2:-$root/build/slurm-test}"
data="${RADZ_TEST_DATA:-$root/../shared/data}"
model="${RADZ_MODEL:-$root/assets/models/radz-tiny}"
py=/usr/bin/python3

say() { echo "[$(date -u +%T)] $*"; }
die() { say "FAIL: $*"; exit 1; }
[ "$(id -u)" = 0 ] || die "run as root (the daemons and apt-get)"
[ -x "$radz" ] || die "$radz: not an executable (cmake --build build --target radz)"
[ -f "$data/nih1000/labels.csv" ] || die "$data/nih1000/labels.csv missing (RADZ_TEST_DATA)"
radz="$(cd "$(dirname "$radz")" && pwd)/$(basename "$radz")"
model="$(cd "$model" && pwd)"
data="$(cd "$data" && pwd)"

if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
    say "installing slurm-wlm and munge (apt-get)"
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends \
        slurm-wlm munge >/dev/null || die "apt-get install slurm-wlm munge"
fi
say "$(slurmctld -V), munge $(munged --version 2>&1 | head -1)"

rm -rf "$work"
mkdir -p "$work/etc" "$work/state" "$work/spool" "$work/log" "$work/munge"
work="$(cd "$work" && pwd)"
chmod 755 "$work"
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    sleep 1
    for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
}
trap cleanup EXIT

# munge: its own key, socket and pid file under WORK_DIR.
dd if=/dev/urandom bs=1 count=1024 of="$work/munge/munge.key" 2>/dev/null
chown -R munge:munge "$work/munge"
chmod 711 "$work/munge"
chmod 400 "$work/munge/munge.key"
sock="$work/munge/munge.socket"
runuser -u munge -- munged --key-file="$work/munge/munge.key" --socket="$sock" \
    --pid-file="$work/munge/munged.pid" --log-file="$work/munge/munged.log" --seed-file="$work/munge/seed" ||
    die "munged did not start"
pids+=("$(cat "$work/munge/munged.pid")")

host="$(hostname -s)"
cpus="$(nproc)"
mem=$(($(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 / 2))
cat > "$work/etc/slurm.conf" <<EOF
ClusterName=radztest
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$sock
CredType=cred/munge
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/log/slurmctld.log
SlurmdLogFile=$work/log/slurmd.log
SlurmctldPort=16817
SlurmdPort=16818
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SwitchType=switch/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
SlurmctldParameters=enable_configless
MinJobAge=600
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=radz Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF="$work/etc/slurm.conf"
slurmctld -D -f "$SLURM_CONF" >"$work/log/slurmctld.out" 2>&1 &
pids+=($!)
sleep 2
slurmd -D -f "$SLURM_CONF" -N "$host" >"$work/log/slurmd.out" 2>&1 &
pids+=($!)
for _ in $(seq 1 30); do
    sinfo -h -o '%T' 2>/dev/null | grep -q idle && break
    sleep 1
done
sinfo -h -o '%T' | grep -q idle || { tail -5 "$work/log/slurmctld.log" "$work/log/slurmd.log"; die "the node is not idle"; }
say "cluster up: $(sinfo -h -o '%P %D %c %T %N')"

# 1. The reference: one unsharded eval, one thread (as each shard below: --cpus 1).
mkdir -p "$work/img"
for c in 1 2 3 4; do ln -s "$data/nih1000" "$work/img/c$c"; done
$py - "$data/nih1000/labels.csv" "$work/labels4000.csv" <<'EOF'
import sys
lines = open(sys.argv[1]).read().splitlines()
with open(sys.argv[2], "w") as f:
    f.write(lines[0] + "\n")
    for c in range(1, 5):
        for l in lines[1:]:
            f.write(f"c{c}/{l}\n")
EOF
args=(--model "$model" --ep cpu --ci 1000 --images "$work/img" "$work/labels4000.csv")
cd "$work" || die "cd $work"
t0=$(date +%s%N)
"$radz" eval "${args[@]}" --threads 1 --json --save-results "$work/unsharded.results.json" > "$work/unsharded.eval.json" 2>"$work/log/unsharded.err" ||
    die "unsharded eval: $(tail -1 "$work/log/unsharded.err")"
say "unsharded eval: $($py -c "import json; d=json.load(open('$work/unsharded.eval.json')); print(d['images'], 'images, mean AUC', d['mean']['auc'], d['mean']['auc_ci95'])") ($((($(date +%s%N) - t0) / 1000000)) ms)"

# 2. Sharded through Slurm.
out="$work/shards"
wait_jobs() {  # until no job of ours is pending or running
    for _ in $(seq 1 600); do
        [ -z "$(squeue -h -o %i 2>/dev/null)" ] && return 0
        sleep 1
    done
    die "jobs still queued after 10 minutes: $(squeue)"
}
lines() {  # image lines of a scores file (0 when there is none yet)
    local n
    n=$(grep -vc '^#' "$1" 2>/dev/null)
    echo "${n:-0}"
}
sub=$("$here/submit.sh" --shards 4 --out "$out" --cpus 1 --radz "$radz" eval "${args[@]}") || die "submit.sh: $sub"
echo "$sub" | sed 's/^/  submit.sh: /'
array=$(echo "$sub" | awk '/^array/ {print $2}')
# Requeue shard 2 once its partial file holds at least 5 images.
for _ in $(seq 1 300); do
    [ "$(lines "$out/shard-2-of-4.scores.tsv.partial")" -ge 5 ] && break
    sleep 0.2
done
n2=$(lines "$out/shard-2-of-4.scores.tsv.partial")
[ "$n2" -ge 5 ] || die "shard 2 never got going (partial file: $n2 images)"
scontrol requeue "${array}_2" || die "scontrol requeue ${array}_2"
say "requeued task ${array}_2 with $n2 images in its partial file"
# Kill shard 3's radz (SIGKILL, like an out-of-memory kill) once it has images.
for _ in $(seq 1 600); do
    [ "$(lines "$out/shard-3-of-4.scores.tsv.partial")" -ge 5 ] && break
    sleep 0.2
done
pid3=$(pgrep -f -- "--shard 3/4 --out $out" | head -1)
n3=$(lines "$out/shard-3-of-4.scores.tsv.partial")
[ -n "$pid3" ] || die "shard 3's radz process not found"
kill -9 "$pid3"
say "killed shard 3's radz (pid $pid3) with $n3 images in its partial file"
wait_jobs
say "first round over: $(ls "$out" | grep -c 'scores.tsv$') of 4 shards complete"
grep -h "merge\|missing" "$out/logs/merge.log" | sed 's/^/  merge.log: /'
grep -q "shard 3 of 4 missing" "$out/logs/merge.log" || die "the merge did not report shard 3 missing"
[ -f "$out/merged.eval.json" ] && die "a merge with a missing shard wrote merged.eval.json"
grep -q "restart 1" "$out/logs/shard-2-of-4.log" || die "shard 2 was not restarted: $(cat "$out/logs/shard-2-of-4.log")"
grep "resumed" "$out/logs/shard-2-of-4.log" | sed 's/^/  shard 2 log: /'
grep -q "($n2 resumed\|[0-9]* failed, [1-9][0-9]* resumed" "$out/logs/shard-2-of-4.log" || die "shard 2 did not resume its images"

# Resubmit: only shard 3.
sub=$("$here/submit.sh" --shards 4 --out "$out" --cpus 1 --radz "$radz" eval "${args[@]}") || die "submit.sh: $sub"
echo "$sub" | sed 's/^/  submit.sh again: /'
echo "$sub" | grep -q "(shards 3 of 4)" || die "the resubmission was not shard 3 alone"
wait_jobs
grep "resumed" "$out/logs/shard-3-of-4.log" | sed 's/^/  shard 3 log: /'
grep -q "failed, [1-9][0-9]* resumed" "$out/logs/shard-3-of-4.log" || die "shard 3 did not resume its images"
[ -f "$out/merged.eval.json" ] || die "no merged.eval.json: $(tail -3 "$out/logs/merge.log")"

# 3. Equal to the unsharded run.
cmp -s "$work/unsharded.eval.json" "$out/merged.eval.json" || { diff "$work/unsharded.eval.json" "$out/merged.eval.json" | head; die "merged metrics differ"; }
say "merged.eval.json equals the unsharded eval --json byte for byte ($(wc -c < "$out/merged.eval.json") bytes)"
$py - "$work/unsharded.results.json" "$out/merged.results.json" <<'EOF' || die "per-image results differ"
import json, sys
a, b = (json.load(open(p))["images"] for p in sys.argv[1:3])
for i in a + b:
    i.pop("timings_ms", None); i.pop("feature", None)
assert a == b, "differ"
print(f"[per-image] {len(a)} images: files, scores (cosine, logit, probability) and errors equal")
EOF
say "shard sizes: $(for k in 1 2 3 4; do echo -n "$k:$(lines "$out/shard-$k-of-4.scores.tsv") "; done)"
say "PASS"
