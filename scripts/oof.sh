#!/bin/sh
# 5-fold out-of-fold evaluation of the shipped recipe (scripts/radz/oof.py): trains one model per
# NIH fold on the other four, commits each finished fold's predictions (docs/results/oof/), and
# regenerates docs/results/accuracy.md. Hours on 2 cores, more than one session: it resumes.
#
#   nohup scripts/oof.sh > build/oof.log 2>&1 &      # run in the background with a log
#   scripts/oof.sh --report-only                     # only regenerate accuracy.md
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
exec /usr/bin/python3 -m radz.oof "$@"
