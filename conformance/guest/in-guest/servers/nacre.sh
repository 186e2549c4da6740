# shellcheck shell=bash
# The server under test: Nacre, run from the distribution the host shares read-only at /mnt/dist
# (run-workload.sh --dist DIR), with its data on the scratch disk. The three commands below are the
# hooks to adjust to Nacre's CLI; {count} and {dir} are substituted in NACRE_SETSTRIPE_CMD.
NACRE_HOME=${NACRE_HOME:-/mnt/dist}
NACRE_DATA=${NACRE_DATA:-/scratch/nacre}
NACRE_START_CMD=${NACRE_START_CMD:-"$NACRE_HOME/bin/nacre up --data $NACRE_DATA --nfs-port 2049"}
NACRE_SETSTRIPE_CMD=${NACRE_SETSTRIPE_CMD:-"$NACRE_HOME/bin/nacre setstripe -c {count} {dir}"}
NACRE_START_SECONDS=${NACRE_START_SECONDS:-180}   # a JVM under TCG starts slowly
NACRE_PIDFILE=/run/nacre-under-test.pid

server_start() {
    [[ -d $NACRE_HOME ]] || { echo "no Nacre distribution at $NACRE_HOME (run-workload.sh --dist DIR)" >&2; return 1; }
    mkdir -p "$NACRE_DATA"
    # setsid: the server outlives the step's subshell and is stopped by its PID. It must not inherit the
    # step's descriptors: a file the workload holds open on the mount (server-restart's fd 6) would stay
    # open in the server for good and keep the mount busy at umount.
    setsid bash -c "for fd in /proc/\$\$/fd/*; do n=\${fd##*/}; [ \"\$n\" -gt 2 ] && [ -e \"\$fd\" ] && eval \"exec \$n<&-\"; done
        exec $NACRE_START_CMD" >>"$NACRE_DATA/server.log" 2>&1 </dev/null &
    echo $! >"$NACRE_PIDFILE"
    if ! wait_port 2049 "$NACRE_START_SECONDS"; then
        echo "Nacre does not listen on 2049 after $NACRE_START_SECONDS s; last lines of its log:" >&2
        tail -n 30 "$NACRE_DATA/server.log" >&2
        return 1
    fi
}

server_stop() {
    local pid deadline=$((SECONDS + 60))
    pid=$(cat "$NACRE_PIDFILE" 2>/dev/null) || return 0
    kill -TERM "$pid" 2>/dev/null
    while kill -0 "$pid" 2>/dev/null; do
        ((SECONDS < deadline)) || { kill -KILL "$pid"; break; }
        sleep 0.5
    done
    rm -f "$NACRE_PIDFILE"
}

server_source() { echo 127.0.0.1:/; }

server_setstripe() {
    local cmd=${NACRE_SETSTRIPE_CMD//\{count\}/$2}
    cmd=${cmd//\{dir\}/$1}
    bash -c "$cmd"
}
