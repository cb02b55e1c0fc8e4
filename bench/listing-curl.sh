#!/usr/bin/env bash
# The same pages with curl: for each first character of an id, page through id:C* oldest
# first, 100 a page, until a page has no next link; one page document per line (counted
# afterwards, outside the timing: python3 -c ... in docs/benchmarks.md).
set -euo pipefail
. "${BENCH_DIR:?}/env"
OUT="$BENCH_DIR/list-curl.jsonl"
: > "$OUT"
for c in 0 1 2 3 4 5 6 7 8 9 a b c d e f g h i j k l m n o p q r s t u v w x y z; do
    for page in $(seq 1 100); do
        BODY=$(curl -sf "$URL/api/records?q=id:$c*&sort=oldest&size=100&page=$page")
        echo "$BODY" >> "$OUT"
        case "$BODY" in *'"next"'*) ;; *) break ;; esac
    done
done
