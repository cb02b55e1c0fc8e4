#!/usr/bin/env bash
# Sourced by setup.sh and many-setup.sh: sets URL and TOKEN to the server the benchmark runs
# against. With SERVER_URL (and SERVER_TOKEN_FILE, a file holding a token) that server, e.g. a
# real InvenioRDM from scripts/inveniordm-up; otherwise a release sandbox started on a free
# loopback port with its data in $BENCH_DIR/data and the extra arguments given (its PID in
# $BENCH_DIR/sandbox.pid, for teardown.sh).
bench_server() {
    if [ -n "${SERVER_URL:-}" ]; then
        URL=$SERVER_URL
        TOKEN=$(cat "${SERVER_TOKEN_FILE:?set SERVER_TOKEN_FILE with SERVER_URL}")
        return
    fi
    local sb="$ROOT/target/release/inveniordm-sandbox"
    [ -x "$sb" ] || { echo "build first: cargo build --release -p irdm -p inveniordm-sandbox" >&2; exit 1; }
    # shellcheck disable=SC2086 # SANDBOX_ARGS holds several arguments (e.g. "--conn-rate 50MiB")
    "$sb" --listen 127.0.0.1:0 --data-dir "$BENCH_DIR/data" --token bench-token --rate-limit 1000000 ${SANDBOX_ARGS:-} "$@" > "$BENCH_DIR/sandbox.out" 2>&1 &
    echo $! > "$BENCH_DIR/sandbox.pid"
    for _ in $(seq 100); do grep -q '^listening on' "$BENCH_DIR/sandbox.out" && break; sleep 0.1; done
    URL=$(sed -n 's/^listening on //p' "$BENCH_DIR/sandbox.out")
    [ -n "$URL" ] || { echo "the sandbox did not start" >&2; exit 1; }
    TOKEN=bench-token
}
