# shellcheck shell=bash
# Nacre as a pNFS cluster on the guest's loopback, every node its own JVM: the MDS node
# (`nacre up --pnfs --osts 0`: metadata and the NFS metadata server on 2049, admin on 9001, no OST of its
# own) and OSS_NODES OSS nodes (`nacre oss`), node i with OSTS_PER_NODE OSTs from index i*OSTS_PER_NODE, its
# OSS service on 9100+i and its pNFS data server on 2050+i, data in /scratch/nacre-oss<i>, log beside it.
# OSS_BANDWIDTH throttles every OST (bytes/s, e.g. 8M; 0 = off). Beyond the adapter interface:
#   oss_start I / oss_kill I (SIGKILL) / oss_stop I / oss_data I / oss_log I
# Three JVMs start at once on the guest's TCG CPUs: the MDS node took over 600 s to listen on a busy host.
NACRE_START_SECONDS=${NACRE_START_SECONDS:-1500}
. "$TOOLS/servers/nacre.sh"
OSS_NODES=${OSS_NODES:-2}
OSTS_PER_NODE=${OSTS_PER_NODE:-2}
OSS_BANDWIDTH=${OSS_BANDWIDTH:-0}
NACRE_START_CMD="$NACRE_JAVA up --data $NACRE_DATA --nfs-port 2049 --nfs-lease 15 --pnfs --osts 0 ${NACRE_UP_EXTRA:-}"
eval "nacre_up_start() $(declare -f server_start | tail -n +2)"
eval "nacre_up_stop() $(declare -f server_stop | tail -n +2)"

OSS_DATA_PREFIX=${OSS_DATA_PREFIX:-/scratch/nacre-oss}
oss_data() { echo "$OSS_DATA_PREFIX$1"; }
# Logs in the run directory when there is one (as the MDS node's): they must outlive a run killed from the host.
oss_log() {
    if [[ -z ${OSS_LOG_PREFIX:-} ]]; then
        if [[ -d /mnt/host && -w /mnt/host ]]; then OSS_LOG_PREFIX=/mnt/host/nacre-oss; else OSS_LOG_PREFIX=$OSS_DATA_PREFIX; fi
    fi
    echo "$OSS_LOG_PREFIX$1.log"
}

# oss_start I: starts node I (in the background; it waits for the MDS node itself) and returns.
oss_start() {
    local i=$1
    mkdir -p "$(oss_data "$i")"
    : >"$(oss_log "$i").out"
    setsid bash -c "$CLOSE_FDS
        exec $NACRE_JAVA oss --data $(oss_data "$i") --join http://127.0.0.1:9001 --join-wait 1200 \
            --oss-port $((9100 + i)) --nfs-ds-port $((2050 + i)) --first-ost $((i * OSTS_PER_NODE)) \
            --osts $OSTS_PER_NODE --ost-bandwidth $OSS_BANDWIDTH --nfs-lease 15" \
        >"$(oss_log "$i").out" 2>>"$(oss_log "$i")" </dev/null &
    echo $! >"/run/nacre-oss$i.pid"
}

# oss_wait I SECONDS: until node I has joined ("Stop with" on its stdout) and its data server listens.
oss_wait() {
    local i=$1 deadline=$((SECONDS + $2))
    until grep -q '^Stop with' "$(oss_log "$i").out" 2>/dev/null; do
        kill -0 "$(cat "/run/nacre-oss$i.pid")" 2>/dev/null || { tail -n 20 "$(oss_log "$i")" >&2; return 1; }
        ((SECONDS < deadline)) || { echo "OSS node $i did not join in $2 s" >&2; tail -n 20 "$(oss_log "$i")" >&2; return 1; }
        sleep 1
    done
    wait_port $((2050 + i)) 60
}

oss_kill() { kill -KILL "$(cat "/run/nacre-oss$1.pid")"; }

oss_stop() { stop_pidfile "/run/nacre-oss$1.pid"; }

server_start() {
    local i
    for ((i = 0; i < OSS_NODES; i++)); do
        oss_start "$i"
    done
    nacre_up_start || return 1
    for ((i = 0; i < OSS_NODES; i++)); do
        oss_wait "$i" "$NACRE_START_SECONDS" || return 1
    done
}

server_stop() {
    local i
    for ((i = 0; i < OSS_NODES; i++)); do
        oss_stop "$i"
    done
    nacre_up_stop
}
