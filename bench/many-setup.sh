#!/usr/bin/env bash
# Starts a release sandbox (LATENCY_MS added to every answer, default 0) with a data folder in
# $BENCH_DIR (or uses SERVER_URL, see server.sh), makes 1 000 files of $FILE_KIB KiB (default
# 32) in ten folders of 100 (a record holds at most 100 files, as on a stock InvenioRDM) under
# $BENCH_DIR/many, and publishes ten records holding them; writes the settings to
# $BENCH_DIR/env.
# Usage: BENCH_DIR=/tmp/many LATENCY_MS=20 bench/many-setup.sh
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BENCH_DIR=${BENCH_DIR:?set BENCH_DIR to a scratch folder}
FILE_KIB=${FILE_KIB:-32}
mkdir -p "$BENCH_DIR/many"
# shellcheck source=server.sh
. "$ROOT/bench/server.sh"
bench_server --latency-ms "${LATENCY_MS:-0}"
if [ "$(find "$BENCH_DIR/many" -type f | wc -l)" != 1000 ]; then
    rm -rf "$BENCH_DIR/many"
    for d in $(seq 0 9); do
        mkdir -p "$BENCH_DIR/many/$d"
        for i in $(seq -w 1 100); do head -c $((FILE_KIB * 1024)) /dev/urandom > "$BENCH_DIR/many/$d/f$i.bin"; done
    done
fi
cat > "$BENCH_DIR/env" <<ENV
export URL=$URL INVENIORDM_URL=$URL INVENIORDM_TOKEN=$TOKEN BENCH_DIR=$BENCH_DIR ROOT=$ROOT
ENV
# shellcheck source=/dev/null
. "$BENCH_DIR/env"
RECORDS=""
for d in $(seq 0 9); do
    ID=$("$ROOT/bench/new-draft.sh")
    "$ROOT/target/release/irdm" --quiet upload "$ID" "$BENCH_DIR/many/$d" --jobs 8 >/dev/null
    "$ROOT/target/release/irdm" --quiet draft publish "$ID" >/dev/null
    RECORDS="$RECORDS $ID"
done
echo "export RECORDS=\"${RECORDS# }\"" >> "$BENCH_DIR/env"
echo "server at $URL (latency ${LATENCY_MS:-0} ms): ten records of 100 files of $FILE_KIB KiB"
