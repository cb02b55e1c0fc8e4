#!/usr/bin/env bash
# The same upload with curl: register, stream the content, commit. With VERIFY=1 also md5sum
# the file and compare with the server's checksum, which is what irdm does.
set -euo pipefail
. "${BENCH_DIR:?}/env"
ID=$("$ROOT/bench/new-draft.sh")
A="Authorization: Bearer $INVENIORDM_TOKEN"
curl -sf -X POST "$URL/api/records/$ID/draft/files" -H "$A" -H 'Content-Type: application/json' -d '[{"key": "file.bin"}]' >/dev/null
curl -sf -X PUT "$URL/api/records/$ID/draft/files/file.bin/content" -H "$A" -H 'Content-Type: application/octet-stream' -T "$BENCH_DIR/file.bin" >/dev/null
SERVER=$(curl -sf -X POST "$URL/api/records/$ID/draft/files/file.bin/commit" -H "$A" | python3 -c 'import json, sys; print(json.load(sys.stdin)["checksum"])')
if [ "${VERIFY:-0}" = 1 ]; then
    LOCAL=md5:$(md5sum "$BENCH_DIR/file.bin" | cut -d' ' -f1)
    [ "$LOCAL" = "$SERVER" ] || { echo "checksum mismatch" >&2; exit 1; }
fi
