# shellcheck shell=bash
# The server under test: Nacre's own distribution (appliance-image/target/nacre-dist: lib/ with every jar)
# shared read-only at /mnt/dist (kernel-client.sh --dist DIR), run as `nacre up` with its data on the
# scratch disk (NACRE_UP_ARGS: more options of `nacre up`; NACRE_JVM_OPTS: of its JVM; NACRE_ENV: NAME=VALUE
# words put into its environment, glibc's MALLOC_* tunables say). The hooks below can be overridden from the environment; in NACRE_SETSTRIPE_CMD, {count}
# is the stripe count, {dir} the directory on the mount and {path} the same directory in Nacre's namespace.
NACRE_HOME=${NACRE_HOME:-/mnt/dist}
NACRE_DATA=${NACRE_DATA:-/scratch/nacre}
# The log goes to the run directory (the read-write share, /mnt/host) when there is one: a run that stalls
# is killed from the host with the guest's disks, and the log must outlive them.
if [[ -z ${NACRE_LOG:-} ]]; then
    if [[ -d /mnt/host && -w /mnt/host ]]; then NACRE_LOG=/mnt/host/nacre-server.log; else NACRE_LOG=$NACRE_DATA/server.log; fi
fi
# As ./nacre runs it: through the distribution's bin/nacre (its JVM options; on this emulated CPU its
# NACRE_JIT=auto picks C1 alone), with the guest's Java 21 and the parallel collector as every Nacre
# guest run had. Lease (and grace) cut to 15 s as knfsd's in this guest.
NACRE_JAVA=${NACRE_JAVA:-"env NACRE_JAVA_OPTS='${NACRE_JVM_OPTS:-} -XX:+UseParallelGC' $NACRE_HOME/bin/nacre"}
NACRE_START_CMD=${NACRE_START_CMD:-"${NACRE_ENV:+env $NACRE_ENV }$NACRE_JAVA up --data $NACRE_DATA --nfs-port 2049 --nfs-lease 15 ${NACRE_UP_ARGS:-}"}
NACRE_SETSTRIPE_CMD=${NACRE_SETSTRIPE_CMD:-"$NACRE_JAVA setstripe -c {count} {path}"}
NACRE_START_SECONDS=${NACRE_START_SECONDS:-600}   # a JVM under TCG starts slowly
NACRE_PIDFILE=/run/nacre-under-test.pid

server_start() {
    [[ -x $NACRE_HOME/bin/nacre ]] || { echo "no Nacre distribution (bin/nacre) at $NACRE_HOME (kernel-client.sh --dist DIR)" >&2; return 1; }
    mkdir -p "$NACRE_DATA" "$(dirname "$NACRE_LOG")"
    # setsid: the server outlives the step's subshell and is stopped by its PID. It must not inherit the
    # step's descriptors: a file the workload holds open on the mount (server-restart's fd 6) would stay
    # open in the server for good and keep the mount busy at umount.
    setsid bash -c "$CLOSE_FDS
        exec $NACRE_START_CMD" >>"$NACRE_LOG" 2>&1 </dev/null &
    echo $! >"$NACRE_PIDFILE"
    # what the kernel does with the server's threads, into the run directory (see kernel-watch.sh)
    if [[ -d /mnt/host && -w /mnt/host ]]; then
        setsid bash -c "$CLOSE_FDS
            exec bash '$TOOLS/kernel-watch.sh' $! /mnt/host/nacre-kernel.log" >/dev/null 2>&1 </dev/null &
    fi
    if ! wait_port 2049 "$NACRE_START_SECONDS"; then
        echo "Nacre does not listen on 2049 after $NACRE_START_SECONDS s; last lines of its log:" >&2
        tail -n 30 "$NACRE_LOG" >&2
        return 1
    fi
}

server_stop() { stop_pidfile "$NACRE_PIDFILE"; }

server_source() { echo 127.0.0.1:/; }

server_setstripe() {
    local cmd=${NACRE_SETSTRIPE_CMD//\{count\}/$2} path=${1#"$MNT"}
    cmd=${cmd//\{dir\}/$1}
    cmd=${cmd//\{path\}/${path:-/}}
    bash -c "$cmd"
}
