#!/usr/bin/env bash
# The verified upload with standard tools side by side: md5sum reads the file while curl
# sends it (register, content, commit), then the md5 is compared with the server's.
set -euo pipefail
. "${BENCH_DIR:?}/env"
ID=$("$ROOT/bench/new-draft.sh")
A="Authorization: Bearer $INVENIORDM_TOKEN"
curl -sf -X POST "$URL/api/records/$ID/draft/files" -H "$A" -H 'Content-Type: application/json' -d '[{"key": "file.bin"}]' >/dev/null
md5sum "$BENCH_DIR/file.bin" > "$BENCH_DIR/upload.md5" &
HASH=$!
curl -sf -X PUT "$URL/api/records/$ID/draft/files/file.bin/content" -H "$A" -H 'Content-Type: application/octet-stream' -T "$BENCH_DIR/file.bin" >/dev/null
SERVER=$(curl -sf -X POST "$URL/api/records/$ID/draft/files/file.bin/commit" -H "$A" | python3 -c 'import json, sys; print(json.load(sys.stdin)["checksum"])')
wait "$HASH"
LOCAL=md5:$(cut -d' ' -f1 "$BENCH_DIR/upload.md5")
[ "$LOCAL" = "$SERVER" ] || { echo "checksum mismatch" >&2; exit 1; }
