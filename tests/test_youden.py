#!/usr/bin/env python3
"""The recipe's Youden operating point (scripts/radz/export.py youden) on the cases that
tests/test_metrics.cpp checks core/metrics.cpp's metrics_youden_threshold against:
tests/data/youden_cases.json (docs/model-package.md section 6)."""
import json
import math
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "scripts"))

from radz.export import youden, youden_threshold  # noqa: E402


def close(a: float, b) -> bool:
    return math.isnan(a) if b is None else abs(a - b) <= 1e-12


def main() -> int:
    with open(os.path.join(HERE, "data", "youden_cases.json")) as f:
        cases = json.load(f)["cases"]
    assert len(cases) >= 10, f"youden_cases.json: expected at least 10 cases, found {len(cases)}"
    failed = 0
    for c in cases:
        t, j = youden(np.array(c["scores"], dtype=np.float64), np.array(c["labels"], dtype=np.float64))
        t2 = youden_threshold(np.array(c["scores"], dtype=np.float64), np.array(c["labels"], dtype=np.float64))
        ok = close(t, c["threshold"]) and close(j, c["j"]) and close(t2, c["threshold"])
        print(f"{'ok  ' if ok else 'FAIL'} {c['name']}: threshold {t!r} (expected {c['threshold']!r}), "
              f"J {j!r} (expected {c['j']!r})")
        failed += not ok
    t, j = youden(np.array([0.1, math.nan]), np.array([0.0, 1.0]))
    if not (math.isnan(t) and math.isnan(j)):
        print(f"FAIL a score that is not finite: expected NaN, found {t!r}")
        failed += 1
    print(f"{len(cases) + 1 - failed} of {len(cases) + 1} passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
