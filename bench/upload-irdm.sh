#!/usr/bin/env bash
# One verified upload with irdm in one stream (register, stream while md5 runs on another
# thread, commit, compare). MULTIPART=always sends it in parts instead (PARTS_IN_FLIGHT, 4).
set -euo pipefail
. "${BENCH_DIR:?}/env"
ID=$("$ROOT/bench/new-draft.sh")
"$ROOT/target/release/irdm" --quiet upload "$ID" "$BENCH_DIR/file.bin" \
    --multipart "${MULTIPART:-never}" --parallel-parts "${PARTS_IN_FLIGHT:-4}" >/dev/null 2>&1
