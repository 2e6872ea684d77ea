#!/usr/bin/env bash
# Stop the test cluster that setup.sh started, and remove what it wrote.
#
#   tests/slurm/teardown.sh          # safe to call twice, or when setup.sh failed half-way
#
# Jobs still queued are cancelled first, then each daemon is stopped by the PID in its PID file
# (SIGTERM, then SIGKILL after a bounded wait): a daemon setup.sh did not start has no PID file
# there and is left alone. The configs in /etc/slurm are removed only if setup.sh wrote them;
# $SPECMLM_SLURM_STATE is removed unless SPECMLM_SLURM_KEEP_STATE=1 (to read the logs).
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/common.sh"

no_jobs() { [ -z "$(timeout 10 squeue -h -o %i 2>/dev/null)" ]; }
if pid_of slurmctld >/dev/null; then
    timeout 20 scancel --cluster="$CLUSTER" --full --partition="$PARTITION" 2>/dev/null
    WAIT_S=15 wait_until "queued jobs to end" no_jobs || true
fi

# Ended, or a zombie that init has not reaped yet.
gone() { ! kill -0 "$1" 2>/dev/null || grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; }
for ((i = ${#DAEMONS[@]} - 1; i >= 0; i--)); do
    name=${DAEMONS[i]}
    if pid=$(pid_of "$name"); then
        kill -TERM "$pid"
        WAIT_S=20 wait_until "$name ($pid) to stop" gone "$pid" || kill -KILL "$pid"
        log "stopped $name ($pid)"
    fi
    rm -f "$STATE/run/$name.pid"
done

for conf in slurm.conf slurmdbd.conf gres.conf; do
    [ -e "$CONF_DIR/$conf" ] && grep -q "$MARK" "$CONF_DIR/$conf" && rm -f "$CONF_DIR/$conf"
done
[ "${SPECMLM_SLURM_KEEP_STATE:-0}" = 1 ] || rm -rf "$STATE"
exit 0
