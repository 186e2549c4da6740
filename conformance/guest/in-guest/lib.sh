# shellcheck shell=bash
# Shared by the in-guest workload and bench: the server adapter, the NFS mount, PASS/FAIL steps.
# The server under test is chosen by SERVER (knfsd, ganesha, nacre, ...): servers/$SERVER.sh defines
#   server_start              start it, exporting its root on 127.0.0.1:2049 (NFSv4.1)
#   server_stop               stop it (its data stays)
#   server_source             the mount source, e.g. 127.0.0.1:/
#   server_setstripe DIR N    make new files in DIR striped over N targets (no-op where unsupported)

TOOLS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
MNT=${MNT:-/mnt/nfs}
NFS_OPTS=${NFS_OPTS:-vers=4.1,proto=tcp,port=2049}

log() { printf '%(%H:%M:%S)T %s\n' -1 "$*"; }
die() { log "ERROR: $*"; exit 1; }

load_server() {
    SERVER=$1
    [[ -r $TOOLS/servers/$SERVER.sh ]] || die "unknown server '$SERVER' (have: $(cd "$TOOLS/servers" && ls | sed 's/\.sh$//' | xargs))"
    # shellcheck source=/dev/null
    . "$TOOLS/servers/$SERVER.sh"
}

# For servers started in the background: `setsid bash -c "$CLOSE_FDS; exec CMD"` runs CMD with only
# descriptors 0-2 of the caller's (a file the workload holds open on the mount must not stay open in the
# server for good). They are closed by number and never looked at: a stat through /proc/PID/fd of a file on
# the mount goes to the NFS server, and while that server is the one being restarted (server-restart keeps
# a file open across a restart) it waits for good on a hard mount, and the server never starts.
# shellcheck disable=SC2016 # expanded by the bash -c that runs it
CLOSE_FDS='for fd in /proc/$$/fd/*; do n=${fd##*/}; [ "$n" -gt 2 ] && eval "exec $n<&-"; done'

# NFS_DEBUG=1: every COMPOUND a Nacre JVM sees, at TRACE in its log (call before load_server: the adapter
# builds its java command line from NACRE_JVM_OPTS), and the client's pNFS debug messages (after the mount).
nfs_debug_server() {
    mkdir -p /scratch
    cat >/scratch/logback-debug.xml <<'XML'
<configuration>
  <appender name="STDERR" class="ch.qos.logback.core.ConsoleAppender">
    <target>System.err</target>
    <encoder><pattern>%d{HH:mm:ss.SSS} %-5level [%thread] %logger{0} - %msg%n</pattern></encoder>
  </appender>
  <logger name="io.nacre" level="INFO"/>
  <logger name="io.nacre.nfs" level="TRACE"/>
  <root level="WARN"><appender-ref ref="STDERR"/></root>
</configuration>
XML
    NACRE_JVM_OPTS="${NACRE_JVM_OPTS:-} -Dlogback.configurationFile=/scratch/logback-debug.xml"
}

nfs_debug_client() {
    modprobe nfs_layout_nfsv41_files 2>/dev/null || true
    [[ -w /proc/sys/sunrpc/nfs_debug ]] || return 0
    # NFSDBG_PNFS | NFSDBG_PNFS_LD (per-call RPC messages would overflow the ring buffer)
    echo $((0x1000 | 0x2000)) >/proc/sys/sunrpc/nfs_debug
    log "  client debug on: nfs_debug=$(cat /proc/sys/sunrpc/nfs_debug)"
}

# stop_pidfile FILE [SECONDS]: stops the process whose PID FILE holds (TERM, then KILL after SECONDS, 60) and
# removes FILE; nothing to do without FILE.
stop_pidfile() {
    local pid deadline=$((SECONDS + ${2:-60}))
    pid=$(cat "$1" 2>/dev/null) || return 0
    kill -TERM "$pid" 2>/dev/null
    while kill -0 "$pid" 2>/dev/null; do
        ((SECONDS < deadline)) || { kill -KILL "$pid"; break; }
        sleep 0.5
    done
    rm -f "$1"
}

# wait_port PORT SECONDS: polls until something accepts TCP connections on 127.0.0.1:PORT.
wait_port() {
    local port=$1 deadline=$((SECONDS + $2))
    until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
        ((SECONDS < deadline)) || return 1
        sleep 0.5
    done
}

# The client's dirty pages of the mount are capped (NFS_DIRTY_CAP_MIB, default 64; 0 leaves the kernel's
# limits): client and server share one kernel here, and when the client's dirty pages fill the global
# dirty limit, the kernel throttles every writer, the server's own writes to its disk too, which then never
# clean the client's pages (the loopback-NFS deadlock; knfsd's threads are exempt, a user-space server's
# are not). A real client sits on another machine; this keeps the guest's loopback from deadlocking.
NFS_DIRTY_CAP_MIB=${NFS_DIRTY_CAP_MIB:-64}
# The mount's readahead window (NFS_READ_AHEAD_KB; 0, the default, leaves the kernel's, 128 KiB for NFS since
# Linux 5.4): a sequential reader keeps about this much in flight, so a striped file needs several stripe
# units of it to keep every stripe's server busy (Lustre clients read ahead up to 64 MiB per file).
NFS_READ_AHEAD_KB=${NFS_READ_AHEAD_KB:-0}

nfs_mount() {
    mkdir -p "$MNT"
    mount -t nfs -o "$NFS_OPTS" "$(server_source)" "$MNT" || return 1
    grep -q " $MNT nfs4 .*vers=4.1" /proc/mounts || { log "mount is not NFSv4.1: $(grep " $MNT " /proc/mounts)"; return 1; }
    nfs_cap_dirty
    nfs_read_ahead
}

nfs_read_ahead() {
    ((NFS_READ_AHEAD_KB > 0)) || return 0
    local bdi
    bdi=/sys/class/bdi/$(mountpoint -d "$MNT")
    echo "$NFS_READ_AHEAD_KB" >"$bdi/read_ahead_kb" || log "  (cannot set $bdi/read_ahead_kb)"
}

# Caps the mount's share of the page cache's dirty pages (its backing device's strict limit).
nfs_cap_dirty() {
    ((NFS_DIRTY_CAP_MIB > 0)) || return 0
    local bdi
    bdi=/sys/class/bdi/$(mountpoint -d "$MNT")
    if [[ -w $bdi/max_bytes && -w $bdi/strict_limit ]]; then
        echo $((NFS_DIRTY_CAP_MIB << 20)) >"$bdi/max_bytes" && echo 1 >"$bdi/strict_limit"
    else
        log "  (no $bdi/max_bytes: the client's dirty pages are not capped)"
    fi
}

nfs_umount() {
    mountpoint -q "$MNT" || return 0
    umount "$MNT"
}

# mountstats_report LABEL: what the client sent on this mount so far (the per-op counts of the pNFS and I/O
# operations, the MDS transport's line, the client's servers: one per data server it was sent to), printed and
# kept in /mnt/host/mountstats-LABEL when there is a run directory. Call it before an unmount drops them.
mountstats_report() {
    local stats
    stats=$(awk -v m=" $MNT " 'index($0, "device ") == 1 { on = index($0, m) > 0 } on' /proc/self/mountstats)
    [[ -d /mnt/host && -w /mnt/host ]] && printf '%s\n' "$stats" >"/mnt/host/mountstats-$1"
    printf '%s\n' "$stats" | sed -n '/per-op statistics/,$p' \
        | awk '$1 ~ /^(LAYOUTGET|LAYOUTCOMMIT|LAYOUTRETURN|GETDEVICEINFO|OPEN|READ|WRITE|COMMIT):$/ { printf " %s %s", $1, $2 } END { print "" }' \
        | sed "s/^/  mountstats $1:/"
    printf '%s\n' "$stats" | awk '$1 == "xprt:" { print "  MDS transport: sends " $8 ", receives " $9 }'
    local v host port rest line=
    if [[ -r /proc/fs/nfsfs/servers ]]; then
        while read -r v host port rest; do
            [[ $v == NV ]] || line+=" $host:$((16#$port))"
        done </proc/fs/nfsfs/servers
        echo "  nfs_clients (MDS on 2049, data servers on theirs):$line"
    fi
}

# Cold caches: unmount (flushes and forgets the client's caches), drop the page cache, mount again.
nfs_remount_cold() {
    nfs_umount && sync && echo 3 >/proc/sys/vm/drop_caches && nfs_mount
}

STEPS_PASSED=() STEPS_FAILED=()
# step NAME FUNCTION: runs FUNCTION in a subshell with errexit; prints PASS/FAIL with the time taken.
step() {
    local name=$1 fn=$2 t0=$SECONDS rc=0
    log "---- $name"
    # Not "( ... ) || rc=$?": errexit is off inside anything on the left of || or &&.
    (set -eEuo pipefail; trap 'echo "  failed at line $LINENO: $BASH_COMMAND" >&2' ERR; "$fn")
    rc=$?
    if ((rc == 0)); then
        printf 'PASS %s (%d s)\n' "$name" $((SECONDS - t0)); STEPS_PASSED+=("$name")
    else
        printf 'FAIL %s (status %d, %d s)\n' "$name" "$rc" $((SECONDS - t0)); STEPS_FAILED+=("$name")
    fi
    return 0
}

# check DESCRIPTION COMMAND...: fails the step with a readable message when COMMAND fails.
check() {
    local what=$1; shift
    "$@" || { echo "  check failed: $what" >&2; return 1; }
}

# expect_eq DESCRIPTION EXPECTED ACTUAL
expect_eq() {
    [[ $2 == "$3" ]] || { echo "  check failed: $1: expected '$2', got '$3'" >&2; return 1; }
}

steps_summary() {
    printf 'SUMMARY %s: %d steps, %d PASS, %d FAIL%s\n' "$SERVER" \
        $((${#STEPS_PASSED[@]} + ${#STEPS_FAILED[@]})) ${#STEPS_PASSED[@]} ${#STEPS_FAILED[@]} \
        "${STEPS_FAILED[*]:+ (failed: ${STEPS_FAILED[*]})}"
    ((${#STEPS_FAILED[@]} == 0))
}
