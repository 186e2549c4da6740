# shellcheck shell=bash
# A second reference: NFS-Ganesha, the user-space NFS server (C), from Debian's packages, exporting an ext4
# directory of the scratch disk through its VFS backend, NFSv4.1 only, lease and grace 15 s as knfsd's, listening
# inside the guest only. It shows what a user-space server pays in this guest that knfsd, inside the kernel, does
# not (a system call per receive and send, a switch of address space per request, which under TCG empties the
# emulated TLB): the ratios ganesha/knfsd and nacre/knfsd separate that from what is Nacre's own.
GANESHA_EXPORT=${GANESHA_EXPORT:-/scratch/ganesha}
GANESHA_LEASE=${GANESHA_LEASE:-15}
GANESHA_DIR=/run/ganesha-under-test
GANESHA_LOG=${GANESHA_LOG:-}
if [[ -z $GANESHA_LOG ]]; then
    if [[ -d /mnt/host && -w /mnt/host ]]; then GANESHA_LOG=/mnt/host/ganesha.log; else GANESHA_LOG=/scratch/ganesha.log; fi
fi

server_start() {
    command -v ganesha.nfsd >/dev/null || { echo "no ganesha.nfsd in this guest (package nfs-ganesha)" >&2; return 1; }
    mkdir -p "$GANESHA_EXPORT" "$GANESHA_DIR" /var/lib/nfs/ganesha
    cat >"$GANESHA_DIR/ganesha.conf" <<CONF
NFS_CORE_PARAM {
    Protocols = 4;
    NFS_Port = 2049;
    Enable_NLM = false;
    Enable_RQUOTA = false;
}
NFSV4 {
    Lease_Lifetime = $GANESHA_LEASE;
    Grace_Period = $GANESHA_LEASE;
    Minor_Versions = 1;
    Graceless = true;
}
EXPORT {
    Export_Id = 1;
    Path = $GANESHA_EXPORT;
    Pseudo = /;
    Access_Type = RW;
    Squash = No_Root_Squash;
    SecType = sys;
    Protocols = 4;
    Transports = TCP;
    FSAL { Name = VFS; }
}
CONF
    # ganesha.nfsd daemonizes and writes its PID file; -N NIV_EVENT keeps its log to events.
    ganesha.nfsd -f "$GANESHA_DIR/ganesha.conf" -L "$GANESHA_LOG" -p "$GANESHA_DIR/pid" -N NIV_EVENT </dev/null ||
        { echo "ganesha.nfsd did not start; last lines of its log:" >&2; tail -n 30 "$GANESHA_LOG" >&2; return 1; }
    if ! wait_port 2049 120; then
        echo "Ganesha does not listen on 2049 after 120 s; last lines of its log:" >&2
        tail -n 30 "$GANESHA_LOG" >&2
        return 1
    fi
}

server_stop() { stop_pidfile "$GANESHA_DIR/pid"; }

server_source() { echo 127.0.0.1:/; }

# Ganesha's VFS backend does not stripe: the striped variants run unstriped against it.
server_setstripe() { :; }
