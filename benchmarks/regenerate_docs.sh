#!/usr/bin/env bash
# Regenerate every measured table of docs/performance/ from ONE run of the
# side-by-side harness: all topics (kernels and whole training epochs), float32
# (the dense epoch runs in float64), first with 2 threads, then with 1 thread.
# Each table is stamped with the commit, date, CPU model and load average, and
# carries the harness's self-check (rows whose in-rotation time differs from
# the standalone time by >10% are marked contaminated).
#
# Usage: bash benchmarks/regenerate_docs.sh [extra compare.py options, e.g. --repeat 5]
# Run it on a quiet machine and commit docs/performance/generated/ as it comes out.
# 9 timed blocks per implementation (plus the standalone self-check blocks): one pass
# with the default 15 took 11 min 38 s on 2026-11-30 (load average 12-15, this process
# given priority), 9 keeps both passes within about 15-20 minutes. A later --repeat wins.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=docs/performance/generated
for threads in 2 1; do
    python benchmarks/compare.py --dtype float32 --threads "$threads" --rst-dir "$OUT" \
        --plot "$OUT/comparison_${threads}threads.png" --repeat 9 "$@"
done
