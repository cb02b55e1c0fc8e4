#!/usr/bin/env bash
# Runs bench/download-inveniordm-py.py with the settings of bench/setup.sh; PYTHON names an
# interpreter that has inveniordm-py installed.
set -euo pipefail
. "${BENCH_DIR:?}/env"
exec "${PYTHON:-python3}" "$ROOT/bench/download-inveniordm-py.py"
