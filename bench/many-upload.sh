#!/usr/bin/env bash
# Uploads the 1 000 small files with irdm, a folder of 100 to a new draft each, JOBS files at
# a time (default 8).
set -euo pipefail
. "${BENCH_DIR:?}/env"
for d in $(seq 0 9); do
    ID=$("$ROOT/bench/new-draft.sh")
    "$ROOT/target/release/irdm" --quiet upload "$ID" "$BENCH_DIR/many/$d" --jobs "${JOBS:-8}" >/dev/null 2>&1
done
