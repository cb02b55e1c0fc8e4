#!/usr/bin/env bash
# Starts a release sandbox (see server.sh) and publishes $RECORDS (default 25 000) metadata-only
# records on it, four at a time; writes the settings to $BENCH_DIR/env.
# Usage: BENCH_DIR=/tmp/listing RECORDS=25000 bench/listing-setup.sh
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BENCH_DIR=${BENCH_DIR:?set BENCH_DIR to a scratch folder}
RECORDS=${RECORDS:-25000}
mkdir -p "$BENCH_DIR"
# shellcheck source=server.sh
. "$ROOT/bench/server.sh"
bench_server
cat > "$BENCH_DIR/env" <<ENV
export URL=$URL INVENIORDM_URL=$URL INVENIORDM_TOKEN=$TOKEN BENCH_DIR=$BENCH_DIR ROOT=$ROOT RECORDS=$RECORDS
ENV
# shellcheck source=/dev/null
. "$BENCH_DIR/env"
export URL INVENIORDM_TOKEN
# One worker publishes the records of its share, one create and one publish each.
publish_some() {
    local n=$1 id
    for _ in $(seq "$n"); do
        id=$(curl -sf -X POST "$URL/api/records" -H "Authorization: Bearer $INVENIORDM_TOKEN" -H 'Content-Type: application/json' \
            -d '{"metadata": {"title": "Listing", "resource_type": {"id": "dataset"}, "publication_date": "2026-12-03",
                 "creators": [{"person_or_org": {"type": "personal", "family_name": "List", "given_name": "Ing"}}]},
                 "files": {"enabled": false}}' | grep -o '/api/records/[a-z0-9-]*/draft"' | head -1 | cut -d/ -f4)
        [ -n "$id" ] || { echo "a create failed" >&2; return 1; }
        curl -sf -o /dev/null -X POST "$URL/api/records/$id/draft/actions/publish" -H "Authorization: Bearer $INVENIORDM_TOKEN"
    done
}
export -f publish_some
HAVE=$(curl -sf "$URL/api/records?size=1" | python3 -c 'import json, sys; print(json.load(sys.stdin)["hits"]["total"])')
LEFT=$((RECORDS - HAVE))
if [ "$LEFT" -gt 0 ]; then
    PER=$(((LEFT + 3) / 4))
    PIDS=()
    for w in 0 1 2 3; do
        N=$((LEFT - w * PER)); [ "$N" -gt "$PER" ] && N=$PER
        if [ "$N" -gt 0 ]; then bash -c "publish_some $N" & PIDS+=($!); fi
    done
    # The workers only: the sandbox started above is a child of this shell too.
    wait "${PIDS[@]}"
fi
echo "server at $URL holds $(curl -sf "$URL/api/records?size=1" | python3 -c 'import json, sys; print(json.load(sys.stdin)["hits"]["total"])') records"
