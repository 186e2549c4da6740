# shellcheck shell=bash
# The reference server: the guest kernel's own knfsd exporting an ext4 directory of the scratch disk,
# NFSv4 only, with lease and grace cut to 15 s so that restarts do not stall the run.
KNFSD_EXPORT=${KNFSD_EXPORT:-/scratch/knfsd}
KNFSD_LEASE=${KNFSD_LEASE:-15}

server_start() {
    mkdir -p "$KNFSD_EXPORT" /etc/nfs.conf.d
    printf '[nfsd]\nlease-time=%s\ngrace-time=%s\nvers3=n\n' "$KNFSD_LEASE" "$KNFSD_LEASE" \
        >/etc/nfs.conf.d/nacre-test.conf
    printf '%s 127.0.0.1(rw,sync,no_root_squash,no_subtree_check,insecure,fsid=0)\n' "$KNFSD_EXPORT" >/etc/exports
    systemctl start nfs-server.service || { systemctl status --no-pager nfs-server.service; return 1; }
    wait_port 2049 60 || { echo "knfsd does not listen on 2049" >&2; return 1; }
    local lease
    lease=$(cat /proc/fs/nfsd/nfsv4leasetime)
    [[ $lease == "$KNFSD_LEASE" ]] || { echo "knfsd lease is $lease s, not $KNFSD_LEASE s" >&2; return 1; }
}

server_stop() {
    systemctl stop nfs-server.service
}

server_source() { echo 127.0.0.1:/; }

# knfsd has no striping: the striped variants run unstriped against it.
server_setstripe() { :; }
