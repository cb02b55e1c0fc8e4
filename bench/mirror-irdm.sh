#!/usr/bin/env bash
# Mirrors every record of the server (set up by listing-setup.sh) into a fresh folder with
# `irdm mirror --everything`, and checks that each record got its record.json.
set -euo pipefail
. "${BENCH_DIR:?}/env"
OUT="$BENCH_DIR/mirror"
rm -rf "$OUT"
"$ROOT/target/release/irdm" --quiet --json mirror --everything "$OUT" > "$BENCH_DIR/mirror.jsonl"
N=$(find "$OUT" -mindepth 2 -maxdepth 2 -name record.json | wc -l)
[ "$N" = "$RECORDS" ] || { echo "mirrored $N of $RECORDS" >&2; exit 1; }
