#!/usr/bin/env bash
# The same download with curl; with VERIFY=1 also md5sum it and compare with the server's.
set -euo pipefail
. "${BENCH_DIR:?}/env"
rm -rf "$BENCH_DIR/dl-curl"; mkdir -p "$BENCH_DIR/dl-curl"
curl -sf -o "$BENCH_DIR/dl-curl/file.bin" "$URL/api/records/$RECORD/files/file.bin/content"
if [ "${VERIFY:-0}" = 1 ]; then
    SERVER=$(curl -sf "$URL/api/records/$RECORD/files/file.bin" | python3 -c 'import json, sys; print(json.load(sys.stdin)["checksum"])')
    LOCAL=md5:$(md5sum "$BENCH_DIR/dl-curl/file.bin" | cut -d' ' -f1)
    [ "$LOCAL" = "$SERVER" ] || { echo "checksum mismatch" >&2; exit 1; }
fi
