#!/usr/bin/env bash
# The verified, durable download with standard tools side by side: curl writes the file
# through tee while md5sum hashes the same bytes, then the file is flushed to disk (sync FILE)
# and the md5 compared with the server's: the limit a verified download can reach here.
set -euo pipefail
. "${BENCH_DIR:?}/env"
rm -rf "$BENCH_DIR/dl-curl"; mkdir -p "$BENCH_DIR/dl-curl"
F="$BENCH_DIR/dl-curl/file.bin"
LOCAL=md5:$(curl -sf "$URL/api/records/$RECORD/files/file.bin/content" | tee "$F" | md5sum | cut -d' ' -f1)
sync "$F"
SERVER=$(curl -sf "$URL/api/records/$RECORD/files/file.bin" | python3 -c 'import json, sys; print(json.load(sys.stdin)["checksum"])')
[ "$LOCAL" = "$SERVER" ] || { echo "checksum mismatch" >&2; exit 1; }
