#!/bin/bash
# Builds (once, then from cache) the Debian trixie guest that runs the kernel NFS client conformance
# workload: stock kernel, systemd, nfs-common, knfsd as the reference server, a Java 21 runtime, perf.
# Prints the image directory (base.qcow2, vmlinuz, initrd.img, manifest) as the last line on stdout.
#
#   conformance/guest/build-image.sh            # build if the script, rootfs/ or package list changed
#   NACRE_CACHE=/elsewhere build-image.sh       # cache root (default ~/.cache/nacre/guest)
#   build-image.sh --host-deps                  # only install what the host needs (qemu, mmdebstrap...)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# The image library belongs to the appliance image build (conformance may use appliance-image, not the reverse).
lib=$(cd "$here/../../appliance-image/image/lib" && pwd)
# shellcheck source=../../appliance-image/image/lib/image.sh
. "$lib/image.sh"

GUEST_PACKAGES=(
    linux-image-amd64 systemd systemd-sysv udev kmod
    nfs-common nfs-kernel-server nfs-ganesha nfs-ganesha-vfs
    openjdk-21-jre-headless
    fio rsync procps util-linux coreutils diffutils findutils python3 iproute2 e2fsprogs netbase
    linux-perf
)
# Command (or path) : Debian package, for everything the build and run.sh use on the host.
HOST_DEPS=(
    qemu-system-x86_64:qemu-system-x86 qemu-img:qemu-utils mmdebstrap:mmdebstrap mke2fs:e2fsprogs
    gpgv:gpgv /usr/lib/apt/apt-helper:apt flock:util-linux sha256sum:coreutils
    /usr/share/keyrings/debian-archive-keyring.gpg:debian-archive-keyring
)

image_host_deps "${HOST_DEPS[@]}"
[[ ${1:-} == --host-deps ]] && exit 0

cache=${NACRE_CACHE:-$HOME/.cache/nacre/guest}
key=$(
    cd "$here"
    { cat build-image.sh customize.sh "$lib/image.sh"; find rootfs -type f | LC_ALL=C sort | while read -r f; do
        printf '%s %s\n' "$f" "$(stat -c %a "$f")"; cat "$f"; done
      printf '%s\n' "${GUEST_PACKAGES[@]}" "$IMAGE_SUITE"; } | sha256sum | cut -c1-16
)
out=$cache/img-$key
mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9   # one build at a time; a second caller waits, then finds the image built
if [[ -e $out/complete ]]; then
    touch "$out/complete"   # marks it as recently used (see the pruning below)
    printf '%s\n' "$out"
    exit 0
fi

start=$SECONDS
work=$cache/work-$key
rm -rf "$work" "$out"
mkdir -p "$work" "$out.tmp"
trap 'rm -rf "$work" "$out.tmp"' EXIT


pkgs=$(IFS=,; echo "${GUEST_PACKAGES[*]}")
image_rootfs "$work/root" "$pkgs" "$here/customize.sh \"\$1\""
kver=$(image_kernel "$work/root" "$out.tmp")
rootsize=$(du -sm "$work/root" | cut -f1)
image_ext4 "$work/root" "$work/root.raw" 4G root
image_qcow2 "$work/root.raw" "$out.tmp/base.qcow2"
{
    echo "suite=$IMAGE_SUITE"
    echo "kernel=$kver"
    echo "built=$(date -u +%FT%TZ)"
    echo "rootfs_mib=$rootsize"
    echo "qcow2_bytes=$(stat -c %s "$out.tmp/base.qcow2")"
    echo "build_seconds=$((SECONDS - start))"
    chroot "$work/root" dpkg-query -W -f='pkg ${Package} ${Version}\n' | sort
} >"$out.tmp/manifest"
touch "$out.tmp/complete"
mv "$out.tmp" "$out"
# Keep the three most recently used images: worktrees on other versions of these scripts share the cache.
ls -1td "$cache"/img-*/complete 2>/dev/null | tail -n +4 | while read -r old; do rm -rf "$(dirname "$old")"; done
image_log "built $out in $((SECONDS - start)) s: kernel $kver, root $rootsize MiB, qcow2 $(du -h "$out/base.qcow2" | cut -f1)"
printf '%s\n' "$out"
