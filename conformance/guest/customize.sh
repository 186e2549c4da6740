#!/bin/bash
# mmdebstrap customize hook for the conformance guest: $1 is the new root directory.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
r=$1
cp -r --preserve=mode "$here/rootfs/." "$r/"
chroot "$r" systemctl enable nacre-guest-run.service
# knfsd is started by the workload's server adapter, with short lease and grace, not at boot.
chroot "$r" systemctl disable nfs-server.service
# NFS-Ganesha (the bench's user-space reference) is started by its adapter too; its units would take port 2049.
# A masked unit never starts, whether or not the package enabled it.
chroot "$r" systemctl mask nfs-ganesha.service nfs-ganesha-lock.service nfs-ganesha-config.service
chroot "$r" systemctl mask serial-getty@ttyS0.service getty@tty1.service
chroot "$r" passwd -d root >/dev/null
printf '127.0.0.1 localhost\n127.0.1.1 nacre-guest\n' >"$r/etc/hosts"
rm -rf "$r"/var/lib/apt/lists/* "$r"/var/cache/apt/*.bin "$r"/var/cache/apt/archives/*.deb
