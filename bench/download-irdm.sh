#!/usr/bin/env bash
# One verified download with irdm (streamed to a .part file, md5 while writing, renamed).
set -euo pipefail
. "${BENCH_DIR:?}/env"
rm -rf "$BENCH_DIR/dl-irdm"
"$ROOT/target/release/irdm" --quiet download "$RECORD" -o "$BENCH_DIR/dl-irdm" >/dev/null 2>&1
