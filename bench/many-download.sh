#!/usr/bin/env bash
# Downloads the ten records of 100 small files with irdm, JOBS files at a time (default 8),
# every file verified.
set -euo pipefail
. "${BENCH_DIR:?}/env"
rm -rf "$BENCH_DIR/dl-many"
for r in $RECORDS; do
    "$ROOT/target/release/irdm" --quiet download "$r" -o "$BENCH_DIR/dl-many/$r" --jobs "${JOBS:-8}" >/dev/null 2>&1
done
