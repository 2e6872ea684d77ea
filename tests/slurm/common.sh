# Shared by setup.sh and teardown.sh: where the test cluster keeps its state, and the
# helpers both need. Sourced, not run.

STATE=${SPECMLM_SLURM_STATE:-/tmp/specmlm-slurm}
CLUSTER=${SPECMLM_SLURM_CLUSTER:-specmlm}
PARTITION=${SPECMLM_SLURM_PARTITION:-debug}
CTLD_PORT=${SPECMLM_SLURM_CTLD_PORT:-6817}
SLURMD_PORT=${SPECMLM_SLURM_SLURMD_PORT:-6818}
DBD_PORT=${SPECMLM_SLURM_DBD_PORT:-6819}
DB_PORT=${SPECMLM_SLURM_DB_PORT:-33306}
GPUS=${SPECMLM_SLURM_GPUS:-2}
WAIT_S=${SPECMLM_SLURM_WAIT_S:-60}
# The jobstep plugin strips SLURM_CONF from jobs, so the config must be at the default path.
CONF_DIR=/etc/slurm
# Every file setup.sh writes outside $STATE carries this line; teardown removes only those.
MARK="written by tests/slurm/setup.sh"
# Daemons in the order they start; teardown stops them in reverse. A PID file under
# $STATE/run exists only for a daemon setup.sh started, so teardown never stops another's.
DAEMONS=(munged mariadbd slurmdbd slurmctld slurmd)

log() { printf '[slurm-test %s] %s\n' "$(date +%T)" "$*" >&2; }

pid_of() {
    # The PID in a daemon's PID file, if that process is alive and still that daemon.
    local name=$1 file="$STATE/run/$1.pid" pid
    [ -s "$file" ] || return 1
    pid=$(tr -dc '0-9' <"$file")
    [ -n "$pid" ] && [ -r "/proc/$pid/comm" ] || return 1
    [ "$(cat "/proc/$pid/comm")" = "$name" ] || return 1
    echo "$pid"
}

wait_until() {
    # wait_until WHAT CMD...: poll CMD every 0.2 s for at most $WAIT_S s.
    local what=$1 deadline=$((SECONDS + WAIT_S))
    shift
    until "$@" >/dev/null 2>&1; do
        if [ "$SECONDS" -ge "$deadline" ]; then
            log "timed out after ${WAIT_S} s waiting for: $what"
            return 1
        fi
        sleep 0.2
    done
}
