#!/bin/sh
# Train the model RadZ ships and build its package: tokenizer, LM pre-training, alignment
# (DFAT + DKAM), ONNX export, int8/int4 variants, anchors, calibration, goldens, evaluation.
#
#   scripts/train.sh            about an hour on 2 cores; a progress line per epoch
#   scripts/train.sh --resume   continue from the last checkpoint (after an interruption)
#
# Writes assets/models/radz-tiny/ (the package, committed), assets/models/radz-tiny-results/
# (per-image results of each variant on NIH fold 1 and the brain MRI test split, committed) and
# assets/models/radz-tiny-work/
# (checkpoints, reports; ignored by git). Run it in the background with a log, e.g.
#   nohup scripts/train.sh > build/train.log 2>&1 &
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
exec /usr/bin/python3 -m radz.build --seed 0 "$@" --out ../assets/models/radz-tiny
