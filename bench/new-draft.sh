#!/usr/bin/env bash
# Creates an empty draft on $URL and prints its id.
set -euo pipefail
curl -sf -X POST "$URL/api/records" -H "Authorization: Bearer $INVENIORDM_TOKEN" -H 'Content-Type: application/json' \
    -d '{"metadata": {"title": "Benchmark", "resource_type": {"id": "dataset"}, "publication_date": "2026-11-26",
         "creators": [{"person_or_org": {"type": "personal", "family_name": "Bench", "given_name": "Mark"}}]}}' |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])'
