#!/usr/bin/env bash
# Starts a release-build sandbox on a free loopback port with a data folder in $BENCH_DIR
# (or uses SERVER_URL, see server.sh), creates a test file of $SIZE_MIB MiB and one published record holding it, and writes the
# settings the other scripts read to $BENCH_DIR/env.
# Usage: BENCH_DIR=/tmp/bench SIZE_MIB=512 bench/setup.sh
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BENCH_DIR=${BENCH_DIR:?set BENCH_DIR to a scratch folder}
SIZE_MIB=${SIZE_MIB:-512}
mkdir -p "$BENCH_DIR"
# shellcheck source=server.sh
. "$ROOT/bench/server.sh"
bench_server
[ -f "$BENCH_DIR/file.bin" ] && [ "$(stat -c %s "$BENCH_DIR/file.bin")" = $((SIZE_MIB * 1048576)) ] ||
    head -c $((SIZE_MIB * 1048576)) /dev/urandom > "$BENCH_DIR/file.bin"
cat > "$BENCH_DIR/env" <<ENV
export URL=$URL INVENIORDM_URL=$URL INVENIORDM_TOKEN=$TOKEN BENCH_DIR=$BENCH_DIR ROOT=$ROOT
ENV
# shellcheck source=/dev/null
. "$BENCH_DIR/env"
ID=$("$ROOT/bench/new-draft.sh")
"$ROOT/target/release/irdm" --quiet upload "$ID" "$BENCH_DIR/file.bin" >/dev/null 2>&1
"$ROOT/target/release/irdm" --quiet draft publish "$ID" >/dev/null
echo "export RECORD=$ID" >> "$BENCH_DIR/env"
echo "server at $URL, record $ID holds a $SIZE_MIB MiB file; settings in $BENCH_DIR/env"
