#!/usr/bin/env bash
# Runs `irdm mirror --everything` again over the folder mirror-irdm.sh filled: nothing has
# changed, so it lists and compares, and writes nothing.
set -euo pipefail
. "${BENCH_DIR:?}/env"
OUT="$BENCH_DIR/mirror-kept"
[ -f "$OUT/mirror.json" ] || "$ROOT/target/release/irdm" --quiet mirror --everything "$OUT"
"$ROOT/target/release/irdm" --quiet --json mirror --everything "$OUT" | tail -1 > "$BENCH_DIR/again.json"
grep -q "\"unchanged\":$RECORDS" "$BENCH_DIR/again.json" || { cat "$BENCH_DIR/again.json" >&2; exit 1; }
