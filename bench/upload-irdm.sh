#!/usr/bin/env bash
# One verified upload with irdm (register, stream with md5 in the same pass, commit, compare).
set -euo pipefail
. "${BENCH_DIR:?}/env"
ID=$("$ROOT/bench/new-draft.sh")
"$ROOT/target/release/irdm" --quiet upload "$ID" "$BENCH_DIR/file.bin" >/dev/null 2>&1
