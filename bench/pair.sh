#!/usr/bin/env bash
# Times two commands as whole processes, side by side: W warm-up rounds, then N rounds of A
# then B (alternating, so that a drift of the machine's speed touches both), each run measured
# by /usr/bin/time (wall seconds, user + system seconds, peak resident memory of the largest
# process). Prints the median, minimum and maximum of each figure, and the median of the
# ratios A/B taken pair by pair.
#
#   bench/pair.sh [-n N] [-w W] 'COMMAND A' 'COMMAND B'      (defaults: N 5, W 1)
set -euo pipefail
n=5
w=1
while [ $# -gt 2 ]; do
    case $1 in
        -n) n=$2; shift 2 ;;
        -w) w=$2; shift 2 ;;
        *) echo "usage: bench/pair.sh [-n N] [-w W] 'COMMAND A' 'COMMAND B'" >&2; exit 2 ;;
    esac
done
[ $# -eq 2 ] || { echo "usage: bench/pair.sh [-n N] [-w W] 'COMMAND A' 'COMMAND B'" >&2; exit 2; }
a=$1
b=$2
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
run() { # run LABEL COMMAND: one measured run, appended to $out/LABEL
    /usr/bin/time -f '%e %U %S %M' -o "$out/one" sh -c "$2" > /dev/null 2>&1 ||
        { echo "$1 failed: $2" >&2; exit 1; }
    cat "$out/one" >> "$out/$1"
}
for _ in $(seq "$w"); do run warm "$a"; run warm "$b"; done
for _ in $(seq "$n"); do run A "$a"; run B "$b"; done
stats() { # stats LABEL: median, min and max of wall s, cpu s, peak MiB
    awk '{print $1, $2 + $3, $4 / 1024}' "$out/$1" > "$out/$1.f"
    for col in 1 2 3; do
        cut -d' ' -f$col "$out/$1.f" | sort -g | awk -v name="$1 $(echo "wall_s cpu_s peak_MiB" | cut -d' ' -f$col)" \
            '{v[NR]=$1} END {printf "%-14s median %8.3f   min %8.3f   max %8.3f\n", name, v[int((NR+1)/2)], v[1], v[NR]}'
    done
}
stats A
stats B
paste -d' ' "$out/A" "$out/B" | awk '{print $1 / $5}' | sort -g |
    awk '{v[NR]=$1} END {printf "A/B wall       median %8.3f   min %8.3f   max %8.3f\n", v[int((NR+1)/2)], v[1], v[NR]}'
