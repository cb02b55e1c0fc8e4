#!/usr/bin/env bash
# A long run against a busy, rate-limited server: the release sandbox as Zenodo
# (--profile zenodo: 1 000 requests and 30 searches a window per client, multipart parts
# refused, at most 100 files a record), with the window shortened to WINDOW seconds (default
# 10) so that the run takes minutes. Two phases, each timed as a whole process with its peak
# memory: 2 000 small files uploaded to 20 drafts (100 each, Zenodo's limit) with --jobs 8,
# then a listing of 25 000 published records (`irdm search --all`). Run once with pacing (the
# default) and once with --no-pacing; the sandbox reports how many requests it answered and
# how many of them it refused with 429.
#
# The physical limit of a polite client is the announced budget: the uploads need at least
# (requests / 1 000) windows and the listing (searches / 30) windows. The ratio printed is the
# phase's time over that bound.
#
# Usage: BENCH_DIR=/tmp/long-run bench/long-run.sh [WINDOW]   (build first:
#        cargo build --release -p irdm -p inveniordm-sandbox)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BENCH_DIR=${BENCH_DIR:?set BENCH_DIR to a scratch folder}
WINDOW=${1:-10}
IRDM=$ROOT/target/release/irdm
SB=$ROOT/target/release/inveniordm-sandbox
[ -x "$IRDM" ] && [ -x "$SB" ] || { echo "build first: cargo build --release -p irdm -p inveniordm-sandbox" >&2; exit 1; }
mkdir -p "$BENCH_DIR"

# 25 000 published records, made once on an unlimited sandbox and kept in $BENCH_DIR/data.
if [ ! -f "$BENCH_DIR/records-made" ]; then
    RECORDS=25000 BENCH_DIR=$BENCH_DIR "$ROOT/bench/listing-setup.sh" >&2
    kill "$(cat "$BENCH_DIR/sandbox.pid")" 2>/dev/null || true
    while kill -0 "$(cat "$BENCH_DIR/sandbox.pid")" 2>/dev/null; do sleep 0.2; done
    touch "$BENCH_DIR/records-made"
fi
# 2 000 small files in 20 folders of 100.
if [ ! -d "$BENCH_DIR/files" ]; then
    for d in $(seq -w 1 20); do
        mkdir -p "$BENCH_DIR/files/$d"
        for f in $(seq -w 1 100); do printf 'file %s of folder %s\n' "$f" "$d" > "$BENCH_DIR/files/$d/f$f.txt"; done
    done
fi
cat > "$BENCH_DIR/meta.yaml" <<'YAML'
title: Long run
resource_type: {id: dataset}
publication_date: '2026-12-06'
creators:
  - person_or_org: {type: personal, family_name: Long, given_name: Run}
YAML

run() { # run NAME [irdm flags...]
    local name=$1; shift
    "$SB" --listen 127.0.0.1:0 --data-dir "$BENCH_DIR/data" --token bench-token \
        --profile zenodo --rate-window-secs "$WINDOW" > "$BENCH_DIR/$name.sandbox.out" 2> "$BENCH_DIR/$name.sandbox.err" &
    local pid=$!
    for _ in $(seq 100); do grep -q '^listening on' "$BENCH_DIR/$name.sandbox.out" && break; sleep 0.1; done
    local url
    url=$(sed -n 's/^listening on //p' "$BENCH_DIR/$name.sandbox.out")
    export INVENIORDM_URL=$url INVENIORDM_TOKEN=bench-token IRDM_STATE_DIR=$BENCH_DIR/state-$name
    # A fresh window for each phase.
    sleep "$WINDOW"
    local drafts=()
    for _ in $(seq 20); do
        drafts+=("$("$IRDM" "$@" --json draft create --metadata "$BENCH_DIR/meta.yaml" |
            python3 -c 'import json, sys; print(json.loads(sys.stdin.readline())["id"])')")
    done
    # Each phase starts as a window begins (the sandbox's windows are multiples of WINDOW
    # seconds since the epoch), so the bound below is exact.
    to_window() { sleep "$(python3 -c "import time; w=$WINDOW; print(w - time.time() % w + 0.05)")"; }
    to_window
    local t0 t1 t2 tu
    t0=$(date +%s.%N)
    local i=0 peak_up=0 m
    for d in $(seq -w 1 20); do
        /usr/bin/time -f '%M' -o "$BENCH_DIR/$name.up.mem" "$IRDM" "$@" --quiet upload "${drafts[$i]}" \
            "$BENCH_DIR/files/$d" --jobs 8 > /dev/null 2>> "$BENCH_DIR/$name.upload.err" || echo "upload to ${drafts[$i]} failed" >&2
        m=$(tail -1 "$BENCH_DIR/$name.up.mem")
        [ "$m" -gt "$peak_up" ] && peak_up=$m
        i=$((i + 1))
    done
    tu=$(date +%s.%N)
    to_window
    t1=$(date +%s.%N)
    /usr/bin/time -f '%M' -o "$BENCH_DIR/$name.list.mem" "$IRDM" "$@" --json search --all > "$BENCH_DIR/$name.list.json" 2> "$BENCH_DIR/$name.list.err" || true
    t2=$(date +%s.%N)
    local listed
    listed=$(wc -l < "$BENCH_DIR/$name.list.json")
    kill -INT "$pid"; wait "$pid" || true
    local served searches refused
    served=$(sed -n 's/^served \([0-9]*\) requests.*/\1/p' "$BENCH_DIR/$name.sandbox.err")
    searches=$(sed -n 's/.*(\([0-9]*\) searches).*/\1/p' "$BENCH_DIR/$name.sandbox.err")
    refused=$(sed -n 's/.*, \([0-9]*\) answered 429.*/\1/p' "$BENCH_DIR/$name.sandbox.err")
    python3 - "$name" "$WINDOW" "$t0" "$tu" "$t1" "$t2" "$served" "$searches" "$refused" "$listed" "$peak_up" "$(cat "$BENCH_DIR/$name.list.mem" | tail -1)" <<'PY'
import math, sys
name, window, t0, tu, t1, t2, served, searches, refused, listed, peak_up, peak_list = sys.argv[1:]
window, t0, tu, t1, t2 = float(window), float(t0), float(tu), float(t1), float(t2)
served, searches, refused, listed = int(served), int(searches), int(refused), int(listed)
others = served - searches - 20  # the 20 creates come before the timed phases
up, lst = tu - t0, t2 - t1
# Starting as a window begins, n requests under a budget of L a window cannot end before
# (ceil(n / L) - 1) windows have passed: the polite client's physical limit.
bound = lambda n, limit: (math.ceil(n / limit) - 1) * window
bu, bl = bound(others, 1000), bound(searches, 30)
print(f"{name}: uploads {up:.1f} s for {others} requests (bound {bu:.0f} s, x{up / bu:.2f}), "
      f"listing {lst:.1f} s of {listed} records, {searches} searches (bound {bl:.0f} s, x{lst / bl:.2f}); "
      f"{refused} answered 429; peak memory upload {int(peak_up) / 1024:.1f} MiB, listing {int(peak_list) / 1024:.1f} MiB")
PY
}

run paced
run unpaced --no-pacing
