# shellcheck shell=bash
# Shared settings of inveniordm-up and inveniordm-down. Sourced, not run.
#
# Resolves which InvenioRDM release is meant (first argument or RDM_VERSION:
# "13", "14" or a full version such as "13.1.2") and where its venv and its
# work folder live. Both scripts must agree on these, so they live here.

irdm_log() { printf '[inveniordm] %s\n' "$*" >&2; }
irdm_die() { printf '[inveniordm] ERROR: %s\n' "$*" >&2; exit 1; }

# irdm_select_version [ARG]: sets RDM_VERSION (full) and RDM_MAJOR.
irdm_select_version() {
    local want=${1:-${RDM_VERSION:-13}}
    case "$want" in
        13) RDM_VERSION=13.1.2 ;;
        14) RDM_VERSION=14.0.5 ;;
        1[3-9].*.*) RDM_VERSION=$want ;;
        *) irdm_die "unknown InvenioRDM version '$want' (use 13, 14 or a full version like 13.1.2)" ;;
    esac
    RDM_MAJOR=${RDM_VERSION%%.*}
    export RDM_VERSION RDM_MAJOR
}

# irdm_paths: sets INVENIORDM_CACHE, VENV and INVENIORDM_WORK for RDM_VERSION.
irdm_paths() {
    INVENIORDM_CACHE=${INVENIORDM_CACHE:-$HOME/.cache/inveniordm-ci}
    VENV=${INVENIORDM_VENV:-$INVENIORDM_CACHE/venv-$RDM_VERSION}
    INVENIORDM_WORK=${INVENIORDM_WORK:-$INVENIORDM_CACHE/run-$RDM_VERSION}
    # shellcheck disable=SC2034  # used by the scripts that source this file
    PID_DIR=$INVENIORDM_WORK/pids LOG_DIR=$INVENIORDM_WORK/logs
    export INVENIORDM_CACHE VENV INVENIORDM_WORK
}

# Run a command as the postgres OS user, from / (the caller's folder may be closed to that user).
irdm_as_postgres() {
    if [ "$(id -u)" = 0 ]; then
        (cd / && runuser -u postgres -- "$@")
    else
        (cd / && sudo -n -u postgres -- "$@")
    fi
}

# irdm_stat_field PID N: field N of /proc/PID/stat, counted after the
# parenthesised command name (which may hold spaces): 1 = state, 20 = start time.
irdm_stat_field() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    stat=${stat##*) }
    awk -v n="$2" '{print $n}' <<<"$stat"
}

# irdm_starttime PID: when PID started (clock ticks since boot). Saved next to
# each PID so that a PID reused by an unrelated process is never signalled.
irdm_starttime() { irdm_stat_field "$1" 20; }

# irdm_pid_alive PID: true if PID names a live (non-zombie) process.
irdm_pid_alive() {
    local state
    [[ "$1" =~ ^[0-9]+$ ]] || return 1
    state=$(irdm_stat_field "$1" 1) || return 1
    [ -n "$state" ] && [ "$state" != Z ]
}

# irdm_stop_recorded NAME: stops the process whose "PID STARTTIME" is in
# $PID_DIR/NAME.pid, together with its process group, if that PID is still
# the process that was started then. TERM first, KILL after STOP_TIMEOUT
# seconds (default 20). Removes the pid file.
irdm_stop_recorded() {
    local name=$1 pidfile=$PID_DIR/$1.pid pid started i
    [ -f "$pidfile" ] || return 0
    read -r pid started <"$pidfile" || true
    if ! irdm_pid_alive "$pid"; then
        irdm_log "$name: not running any more"
        rm -f "$pidfile"
        return 0
    fi
    if [ -n "$started" ] && [ "$(irdm_starttime "$pid")" != "$started" ]; then
        irdm_log "$name: pid $pid now belongs to another process, leaving it alone"
        rm -f "$pidfile"
        return 0
    fi
    # Every service is started by setsid, so it leads its own session and
    # process group: signalling the group also reaches gunicorn and celery
    # worker children, and `ps -s PID` lists whatever of it is left (zombies aside).
    local group=0
    [ "$(ps -o sid= -p "$pid" | tr -d ' ')" = "$pid" ] && group=1
    irdm_left() {
        # shellcheck disable=SC2009  # by session id, not by name
        if [ "$group" = 1 ]; then ps -o stat= -s "$pid" 2>/dev/null | grep -qv '^Z'; else irdm_pid_alive "$pid"; fi
    }
    irdm_signal() {
        if [ "$group" = 1 ]; then kill "-$1" -- "-$pid" 2>/dev/null || true; else kill "-$1" "$pid" 2>/dev/null || true; fi
    }
    irdm_signal TERM
    for ((i = 0; i < ${STOP_TIMEOUT:-20} * 10; i++)); do
        irdm_left || break
        sleep 0.1
    done
    if irdm_left; then
        irdm_log "$name: pid $pid still running ${STOP_TIMEOUT:-20}s after TERM, sending KILL"
        irdm_signal KILL
        for ((i = 0; i < 50; i++)); do irdm_left || break; sleep 0.1; done
    fi
    if irdm_left; then irdm_log "$name: pid $pid is STILL alive"; else irdm_log "stopped $name (pid $pid)"; fi
    rm -f "$pidfile"
}
