#!/usr/bin/env bash
# Stops the sandbox started by setup.sh (by its PID) and removes the scratch folder.
set -euo pipefail
BENCH_DIR=${BENCH_DIR:?}
[ -f "$BENCH_DIR/sandbox.pid" ] && kill "$(cat "$BENCH_DIR/sandbox.pid")" 2>/dev/null || true
rm -rf "$BENCH_DIR"
