#!/usr/bin/env bash
# Runs one of the Python benchmark programs (bench/py-*.py) with the settings of
# bench/setup.sh: PYTHON names an interpreter with irdm-client, requests and inveniordm-py
# installed.  Usage: bench/py.sh download-irdm-client
set -euo pipefail
. "${BENCH_DIR:?}/env"
exec "${PYTHON:-python3}" "$ROOT/bench/py-$1.py"
