#!/usr/bin/env bash
# One verified upload with irdm in one stream (register, stream while md5 runs on another
# thread, commit, compare). MULTIPART=always sends it in parts instead (PARTS_IN_FLIGHT, 4).
set -euo pipefail
. "${BENCH_DIR:?}/env"
ID=$("$ROOT/bench/new-draft.sh")
"$ROOT/target/release/irdm" --quiet upload "$ID" "$BENCH_DIR/file.bin" \
    --multipart "${MULTIPART:-never}" --parallel-parts "${PARTS_IN_FLIGHT:-4}" >/dev/null 2>&1
# DELETE_AFTER=1: the draft is deleted afterwards (as the Python programs do), so that runs do
# not pile up files on the sandbox's disk.
if [ "${DELETE_AFTER:-}" = 1 ]; then
    curl -sf -X DELETE "$URL/api/records/$ID/draft" -H "Authorization: Bearer $INVENIORDM_TOKEN" >/dev/null
fi
