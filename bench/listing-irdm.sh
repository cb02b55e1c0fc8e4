#!/usr/bin/env bash
# Lists every record with irdm (past the 10 000-result window: split by id prefix, each part
# paged oldest first, 100 a page) as JSON lines, and checks the count.
set -euo pipefail
. "${BENCH_DIR:?}/env"
"$ROOT/target/release/irdm" --quiet search --all --json > "$BENCH_DIR/list-irdm.jsonl"
N=$(wc -l < "$BENCH_DIR/list-irdm.jsonl")
[ "$N" = "$RECORDS" ] || { echo "listed $N of $RECORDS" >&2; exit 1; }
