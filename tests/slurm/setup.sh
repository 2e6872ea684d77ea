#!/usr/bin/env bash
# Start a real single-node SLURM cluster for the SLURM tests: munged, a private MariaDB on
# 127.0.0.1, slurmdbd (so that `sacct` answers, as on real clusters), slurmctld and slurmd.
#
#   sudo tests/slurm/setup.sh        # then: sinfo, sbatch, sacct ...; stop with teardown.sh
#
# Needs root and Debian's slurm-wlm, slurmdbd, mariadb-server and munge (.ci/slurm installs
# them). Idempotent: a daemon that already runs from an earlier call is kept. Every wait is
# bounded by $SPECMLM_SLURM_WAIT_S. State, logs and PID files live in $SPECMLM_SLURM_STATE
# (default /tmp/specmlm-slurm); the configs go to /etc/slurm, the only place the jobstep plugin
# lets jobs find them. Why each setting is what it is: docs/SLURM.md.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/common.sh"
start_ms=$(date +%s%3N)
elapsed() { local ms=$(($(date +%s%3N) - start_ms)); echo "$((ms / 1000)).$((ms % 1000 / 100))"; }

for tool in munged munge unmunge mariadbd mariadb-install-db mariadb slurmdbd slurmctld slurmd sacctmgr scontrol sinfo runuser; do
    command -v "$tool" >/dev/null || { log "missing $tool: apt-get install slurm-wlm slurmdbd mariadb-server munge"; exit 1; }
done
[ "$(id -u)" = 0 ] || { log "run as root: the daemons and /etc/slurm need it"; exit 1; }
for conf in slurm.conf slurmdbd.conf gres.conf; do
    if [ -e "$CONF_DIR/$conf" ] && ! grep -q "$MARK" "$CONF_DIR/$conf"; then
        log "$CONF_DIR/$conf exists and was not written by this script: refusing to replace a real cluster's config"
        exit 1
    fi
done

mkdir -p "$STATE"/{run,log,ctld,spool,dev} "$CONF_DIR"
for ((i = 0; i < GPUS; i++)); do [ -c "$STATE/dev/gpu$i" ] || mknod "$STATE/dev/gpu$i" c 1 3; done
# munged and mariadbd write their PID files here, and their logs, as their own users.
chmod 1777 "$STATE/run"
mkdir -p "$STATE/log/munge" "$STATE/log/mariadb"
chown munge:munge "$STATE/log/munge" && chmod 700 "$STATE/log/munge"
chown mysql:mysql "$STATE/log/mariadb"
[ -s "$STATE/dbpass" ] || (umask 077 && head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' >"$STATE/dbpass")

# The node as slurmd sees it, with RealMemory at 90 % of what it reports.
read -r -a spec <<<"$(slurmd -C | head -n 1)"
declare -A node
for field in "${spec[@]}"; do node[${field%%=*}]=${field#*=}; done
HOST=${node[NodeName]}
MEMORY=$((node[RealMemory] * 9 / 10))

render() {
    # render TEMPLATE DEST MODE: fill in the @NAME@ placeholders.
    local tmp
    tmp=$(mktemp "$2.XXXXXX")
    sed -e "s|@CLUSTER@|$CLUSTER|g" -e "s|@HOST@|$HOST|g" -e "s|@STATE@|$STATE|g" \
        -e "s|@PARTITION@|$PARTITION|g" -e "s|@CTLD_PORT@|$CTLD_PORT|g" \
        -e "s|@SLURMD_PORT@|$SLURMD_PORT|g" -e "s|@DBD_PORT@|$DBD_PORT|g" \
        -e "s|@DB_PORT@|$DB_PORT|g" -e "s|@DB_PASS@|$(cat "$STATE/dbpass")|g" \
        -e "s|@GPUS@|$GPUS|g" -e "s|@GPU_LAST@|$((GPUS - 1))|g" -e "s|@MEMORY@|$MEMORY|g" -e "s|@CPUS@|${node[CPUs]}|g" \
        -e "s|@BOARDS@|${node[Boards]}|g" -e "s|@SOCKETS@|${node[SocketsPerBoard]}|g" \
        -e "s|@CORES@|${node[CoresPerSocket]}|g" -e "s|@THREADS@|${node[ThreadsPerCore]}|g" \
        "$HERE/$1" >"$tmp"
    grep -q "$MARK" "$tmp" || sed -i "1i # $MARK" "$tmp"
    chmod "$3" "$tmp"
    mv "$tmp" "$2"
}
render slurm.conf.in "$CONF_DIR/slurm.conf" 644
render gres.conf.in "$CONF_DIR/gres.conf" 644
render slurmdbd.conf.in "$CONF_DIR/slurmdbd.conf" 600
render my.cnf.in "$STATE/my.cnf" 644

# munge: reuse a working one (a real node has it), else start ours as the munge user.
if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
    pid_of munged >/dev/null || {
        mkdir -p /run/munge && chown munge:munge /run/munge && chmod 755 /run/munge
        [ -s /etc/munge/munge.key ] || { mungekey --create --keyfile=/etc/munge/munge.key && chown munge:munge /etc/munge/munge.key; }
        runuser -u munge -- munged --pid-file="$STATE/run/munged.pid" --log-file="$STATE/log/munge/munged.log" \
            --seed-file="$STATE/log/munge/munged.seed"
    }
    wait_until "munged" timeout 10 sh -c 'munge -n | unmunge'
fi
log "munge answers ($(elapsed) s)"

# MariaDB with a private datadir, listening on 127.0.0.1 only.
if ! pid_of mariadbd >/dev/null; then
    if [ ! -d "$STATE/mysql/mysql" ]; then
        mariadb-install-db --defaults-file="$STATE/my.cnf" --auth-root-authentication-method=socket \
            --skip-test-db >"$STATE/log/mariadb/install-db.log" 2>&1
    fi
    chown -R mysql:mysql "$STATE/mysql"
    setsid mariadbd --defaults-file="$STATE/my.cnf" </dev/null >>"$STATE/log/mariadb/mariadbd.out" 2>&1 &
fi
wait_until "mariadbd" timeout 10 mariadb-admin --socket="$STATE/run/mysqld.sock" ping
timeout 20 mariadb --socket="$STATE/run/mysqld.sock" <<SQL
CREATE USER IF NOT EXISTS 'slurm'@'127.0.0.1' IDENTIFIED BY '$(cat "$STATE/dbpass")';
GRANT ALL ON slurm_acct_db.* TO 'slurm'@'127.0.0.1';
SQL
log "mariadbd answers ($(elapsed) s)"

pid_of slurmdbd >/dev/null || slurmdbd
wait_until "slurmdbd" timeout 10 sacctmgr -n list cluster
timeout 20 sacctmgr -n -P list cluster format=cluster | grep -qx "$CLUSTER" || timeout 20 sacctmgr -i add cluster "$CLUSTER" >/dev/null
log "slurmdbd answers, cluster $CLUSTER registered ($(elapsed) s)"

pid_of slurmctld >/dev/null || slurmctld
wait_until "slurmctld" timeout 10 sh -c 'scontrol ping | grep -q UP'
log "slurmctld answers ($(elapsed) s)"

pid_of slurmd >/dev/null || slurmd
wait_until "node $HOST idle" timeout 10 sh -c "sinfo -h -n '$HOST' -o %t | grep -Eq '^(idle|mix|alloc)'"

log "cluster $CLUSTER up in $(elapsed) s: node $HOST, ${node[CPUs]} CPUs, ${MEMORY} MB, $GPUS count-only GPUs, partition $PARTITION; state in $STATE"
