# shellcheck shell=bash
# Building Debian guest images on a host without loop mounts, vfat or KVM (see shared/GUEST.md).
# Sourced by the appliance image build (appliance-image/image/build.sh) and by the conformance guest's
# (conformance/guest/build-image.sh): every function takes its inputs as arguments and touches nothing
# outside the paths it is given.

IMAGE_SUITE=${IMAGE_SUITE:-trixie}
IMAGE_MIRROR=${IMAGE_MIRROR:-http://deb.debian.org/debian}

image_log() { printf '[image %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
image_die() { image_log "ERROR: $*"; exit 1; }

# image_host_deps CMD:PACKAGE...: installs with apt-get the packages whose command is missing.
# Idempotent: runs apt-get only when something is missing, and `apt-get update` first.
image_host_deps() {
    local missing=() pair cmd pkg
    for pair in "$@"; do
        cmd=${pair%%:*} pkg=${pair#*:}
        if [[ $cmd == /* ]]; then [[ -e $cmd ]] && continue
        else command -v "$cmd" >/dev/null 2>&1 && continue; fi
        missing+=("$pkg")
    done
    ((${#missing[@]} == 0)) && return 0
    [[ $(id -u) == 0 ]] || image_die "missing host packages (${missing[*]}); install them as root: apt-get install ${missing[*]}"
    command -v apt-get >/dev/null || image_die "missing host packages (${missing[*]}) and no apt-get to install them"
    image_log "installing host packages: ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get update -q >&2 || image_die "apt-get update failed"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >&2 \
        || image_die "apt-get install ${missing[*]} failed"
}

# image_keyring SUITE: prints a keyring file that verifies SUITE's Release file, installing Debian's
# archive keyring (bookworm's point releases carry the trixie keys) when the host's is too old.
image_keyring() {
    local suite=$1 kr=/usr/share/keyrings/debian-archive-keyring.gpg
    if ! image_keyring_verifies "$suite" "$kr"; then
        image_log "host keyring cannot verify $suite; upgrading debian-archive-keyring from Debian"
        DEBIAN_FRONTEND=noninteractive apt-get update -q >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q debian-archive-keyring >&2 \
            || image_die "cannot install debian-archive-keyring"
        image_keyring_verifies "$suite" "$kr" \
            || image_die "debian-archive-keyring $(dpkg-query -W -f='${Version}' debian-archive-keyring) cannot verify $suite"
    fi
    printf '%s\n' "$kr"
}

# image_keyring_verifies SUITE KEYRING: downloads SUITE's InRelease and checks its signature with gpgv.
image_keyring_verifies() {
    local suite=$1 kr=$2 tmp rc
    [[ -r $kr ]] || return 1
    tmp=$(mktemp -d)
    if ! /usr/lib/apt/apt-helper download-file "$IMAGE_MIRROR/dists/$suite/InRelease" "$tmp/InRelease" >/dev/null 2>&1; then
        rm -rf "$tmp"; image_die "cannot download $IMAGE_MIRROR/dists/$suite/InRelease"
    fi
    gpgv --keyring "$kr" "$tmp/InRelease" >/dev/null 2>&1; rc=$?
    rm -rf "$tmp"
    return $rc
}

# image_rootfs ROOTDIR PACKAGES HOOK...: mmdebstrap a minbase SUITE system with PACKAGES (comma list)
# into the directory ROOTDIR; each HOOK is passed as --customize-hook (runs with "$1" = the root).
# Manual pages and translations are left out; man1/ must exist all the same, because the JRE's
# postinst registers java.1.gz as an alternative there.
image_rootfs() {
    local root=$1 pkgs=$2; shift 2
    local hooks=() h kr
    kr=$(image_keyring "$IMAGE_SUITE")
    for h in "$@"; do hooks+=(--customize-hook="$h"); done
    rm -rf "$root"; mkdir -p "$(dirname "$root")"
    image_log "mmdebstrap $IMAGE_SUITE into $root"
    mmdebstrap --variant=minbase --mode=root --format=directory \
        --keyring="$kr" --components=main --include="$pkgs" \
        --aptopt='Acquire::Languages "none"' \
        --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/locale/*' \
        --dpkgopt='path-include=/usr/share/locale/locale.alias' \
        --essential-hook='mkdir -p "$1/usr/share/man/man1"' \
        "${hooks[@]}" \
        "$IMAGE_SUITE" "$root" "$IMAGE_MIRROR" >&2 || image_die "mmdebstrap failed"
}

# image_kernel ROOTDIR OUTDIR: copies the newest kernel and initrd out of ROOTDIR for direct kernel
# boot, as OUTDIR/vmlinuz and OUTDIR/initrd.img; prints the kernel version.
image_kernel() {
    local root=$1 out=$2 k ver
    k=$(ls -1v "$root"/boot/vmlinuz-* 2>/dev/null | tail -n1)
    [[ -n $k ]] || image_die "no kernel in $root/boot"
    ver=${k##*/vmlinuz-}
    [[ -r $root/boot/initrd.img-$ver ]] || image_die "no initrd for kernel $ver"
    install -m 0644 "$k" "$out/vmlinuz"
    install -m 0644 "$root/boot/initrd.img-$ver" "$out/initrd.img"
    printf '%s\n' "$ver"
}

# image_ext4 ROOTDIR RAWFILE SIZE [LABEL]: makes a sparse RAWFILE holding an ext4 file system
# filled from ROOTDIR (mke2fs -d: no loop mount, no root needed for the copy itself).
image_ext4() {
    local root=$1 raw=$2 size=$3 label=${4:-root}
    rm -f "$raw"
    truncate -s "$size" "$raw"
    mke2fs -q -F -t ext4 -L "$label" -E root_owner=0:0 -d "$root" "$raw" \
        || image_die "mke2fs -d $root failed"
}

# image_qcow2 RAWFILE QCOW2: compressed qcow2 copy of RAWFILE (the raw file is left in place).
image_qcow2() {
    qemu-img convert -c -f raw -O qcow2 "$1" "$2.tmp" || image_die "qemu-img convert failed"
    mv -f "$2.tmp" "$2"
}
