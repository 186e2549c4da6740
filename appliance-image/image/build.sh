#!/bin/bash
# Builds the Nacre appliance VM image: a self-booting disk (GPT, BIOS boot partition, GRUB, one ext4 root)
# with Debian trixie's kernel, systemd and Java 21 runtime, Nacre under /opt/nacre run by systemd as the
# `nacre` user, and the first-boot configuration from a NoCloud seed. Debian's packages only; nothing is
# downloaded when the image boots. Prints the image directory as the last line on stdout:
#   nacre-appliance.qcow2 (compressed), nacre-appliance.raw (sparse), manifest.
#
#   build.sh [--dist DIR] [--out DIR] [--size 4G]
#     --dist DIR   the Nacre distribution to install (lib/*.jar, bin/nacre); default: the one this script
#                  belongs to (nacre-dist/image/..), else appliance-image/target/nacre-dist
#     --out DIR    also copy the two images into DIR
#     --size SIZE  virtual size of the disk (default 4G; the root file system grows at boot when the
#                  disk is enlarged)
#   NACRE_CACHE    cache root (default ~/.cache/nacre)
#
# Two cached stages: the Debian base system (mmdebstrap; rebuilt only when the package list or its hook
# change) and the image (rebuilt when the distribution or the appliance files change). GRUB is installed
# from inside the guest during one direct-kernel boot under QEMU, so the host needs no loop mount.
# Root is needed for mmdebstrap (root mode) and for copying the base system with its owners
# (cp -a, chroot to add the nacre user and enable the units); QEMU, sfdisk, mke2fs and qemu-img would run
# unprivileged.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib/image.sh
. "$here/lib/image.sh"
# shellcheck source=lib/qemu.sh
. "$here/lib/qemu.sh"

APPLIANCE_PACKAGES=(
    linux-image-amd64 systemd systemd-sysv systemd-resolved systemd-timesyncd udev kmod dbus
    grub-pc-bin grub2-common
    openjdk-21-jre-headless
    e2fsprogs fdisk util-linux iproute2 procps curl ca-certificates netbase
)
HOST_DEPS=(
    qemu-system-x86_64:qemu-system-x86 qemu-img:qemu-utils mmdebstrap:mmdebstrap mke2fs:e2fsprogs
    sfdisk:fdisk gpgv:gpgv /usr/lib/apt/apt-helper:apt flock:util-linux sha256sum:coreutils unzip:unzip zip:zip
    /usr/share/keyrings/debian-archive-keyring.gpg:debian-archive-keyring
)
NACRE_UID=900   # fixed, so a data disk moved to a newer image keeps its owner
# The image runs on linux x86_64 (glibc) only: the jars' native code for every other platform stays out of it.
# Whole jars by their platform in the name (Netty's classifier jars), entries by their path inside the jars
# that carry every platform (jffi, lmdbjava, Ratis's shaded Netty). Matched against native libraries only.
OTHER_PLATFORM_JAR='-(osx|macos|windows)-|-linux-(aarch_?64|arm[a-z0-9_]*|ppc64le|s390_?x|riscv64|loongarch64)[-.]'
OTHER_PLATFORM_LIB='osx|macos|darwin|kqueue|windows|win32|aarch_?64|arm|i386|x86_32|ppc|sparc|s390|mips|loongarch|riscv|freebsd|openbsd|dragonfly|sunos|aix|musl'

main() {
    local dist= out= size=4G
    while (($#)); do
        case $1 in
            --dist) dist=$2; shift 2 ;;
            --out) out=$2; shift 2 ;;
            --size) size=$2; shift 2 ;;
            --host-deps) image_host_deps "${HOST_DEPS[@]}"; return 0 ;;
            -h|--help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; return 0 ;;
            *) image_die "unknown argument $1 (see --help)" ;;
        esac
    done
    if [[ -z $dist ]]; then
        if [[ -d $here/../lib ]]; then dist=$here/..
        elif [[ -d $here/../target/nacre-dist/lib ]]; then dist=$here/../target/nacre-dist
        else image_die "no Nacre distribution: build it first (./mvnw -B -q -DskipTests -pl appliance-image -am package) or give --dist DIR"
        fi
    fi
    dist=$(cd "$dist" && pwd)
    [[ -x $dist/bin/nacre ]] && compgen -G "$dist/lib/nacre-appliance-*.jar" >/dev/null \
        || image_die "$dist is not a Nacre distribution (bin/nacre, lib/nacre-appliance-*.jar)"
    [[ $(id -u) == 0 ]] || image_die "the image build needs root (mmdebstrap, and copying the base system with its owners)"
    image_host_deps "${HOST_DEPS[@]}"

    local cache=${NACRE_CACHE:-$HOME/.cache/nacre}/appliance
    mkdir -p "$cache"
    exec 9>"$cache/.lock"
    flock 9   # one build at a time; a second caller waits, then finds the image built

    local base_key img_key base img start=$SECONDS
    base_key=$( { printf '%s\n' "${APPLIANCE_PACKAGES[@]}" "$IMAGE_SUITE"; cat "$here/customize.sh" "$here/lib/image.sh"; } \
        | sha256sum | cut -c1-16)
    base=$cache/base-$base_key
    if [[ ! -e $base/.complete ]]; then
        build_base "$base"
    fi
    touch "$base/.complete"
    img_key=$( { echo "$base_key $size $NACRE_UID"; cat "$here/build.sh"
        (cd "$here/rootfs" && find . -print0 | LC_ALL=C sort -z | xargs -0 stat -c '%n %a %F' && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 cat)
        dist_fingerprint "$dist"; } | sha256sum | cut -c1-16)
    img=$cache/img-$img_key
    if [[ ! -e $img/complete ]]; then
        build_image "$base" "$dist" "$img" "$size"
    fi
    touch "$img/complete"
    # Keep the two most recently used of each stage: worktrees on other versions share the cache.
    ls -1td "$cache"/img-*/complete 2>/dev/null | tail -n +3 | while read -r old; do rm -rf "$(dirname "$old")"; done
    ls -1td "$cache"/base-*/.complete 2>/dev/null | tail -n +3 | while read -r old; do rm -rf "$(dirname "$old")"; done
    if [[ -n $out ]]; then
        mkdir -p "$out"
        cp --sparse=always "$img/nacre-appliance.raw" "$out/"
        cp "$img/nacre-appliance.qcow2" "$img/manifest" "$out/"
        image_log "copied the images to $out"
    fi
    image_log "image ready in $((SECONDS - start)) s: $img"
    grep -E '^(qcow2|raw)_' "$img/manifest" | sed 's/^/  /' >&2
    printf '%s\n' "$img"
}

# The distribution's identity: the CRC of every class and resource in each jar (not the jars' bytes,
# whose zip timestamps change at every Maven build), and the launcher. No {8} in the regular expression:
# Debian's default awk (mawk) has no interval expressions, and every line would silently drop out.
dist_fingerprint() {
    local d=$1 j
    for j in "$d"/lib/*.jar; do
        printf '%s\n' "${j##*/}"
        unzip -v "$j" | awk 'NF >= 8 && length($7) == 8 && $7 ~ /^[0-9a-f]+$/ {print $7, $8}'
    done
    cat "$d/bin/nacre"
}

build_base() {
    local base=$1 t=$SECONDS
    rm -rf "$base" "$base.tmp"
    local pkgs
    pkgs=$(IFS=,; echo "${APPLIANCE_PACKAGES[*]}")
    image_rootfs "$base.tmp" "$pkgs" "$here/customize.sh \"\$1\""
    touch "$base.tmp/.complete"
    mv "$base.tmp" "$base"
    image_log "base system built in $((SECONDS - t)) s: $(du -sm --exclude=.complete "$base" | cut -f1) MiB"
}

# install_lib FROM TO: copies the distribution's jars, without the native code for other platforms than
# linux x86_64; says how much that left out (the manifest keeps the line).
install_lib() {
    local from=$1 to=$2 j name entries=() dropped_jars=0 dropped_entries=0 before after
    install -d -m 0755 "$to"
    before=$(du -sb "$from" | cut -f1)
    for j in "$from"/*.jar; do
        name=${j##*/}
        if [[ $name =~ $OTHER_PLATFORM_JAR ]]; then
            dropped_jars=$((dropped_jars + 1))
            continue
        fi
        install -m 0644 "$j" "$to/$name"
        mapfile -t entries < <(unzip -Z1 "$j" | grep -E '\.(so|dll|dylib|jnilib|a)$' | grep -iE "$OTHER_PLATFORM_LIB")
        if ((${#entries[@]})); then
            zip -q -d "$to/$name" "${entries[@]}" || image_die "cannot drop other platforms' natives from $name"
            dropped_entries=$((dropped_entries + ${#entries[@]}))
        fi
    done
    after=$(du -sb "$to" | cut -f1)
    LIB_TRIM="lib_bytes=$after lib_bytes_untrimmed=$before other_platform_jars_dropped=$dropped_jars other_platform_natives_dropped=$dropped_entries"
    image_log "libraries: $((after / 1048576)) MiB of $((before / 1048576)) MiB; left out $dropped_jars jars and $dropped_entries native libraries for other platforms"
}

build_image() {
    local base=$1 dist=$2 img=$3 size=$4 t=$SECONDS
    local work=$img.work
    rm -rf "$work" "$img"
    mkdir -p "$work"
    trap 'rm -rf "'"$work"'"' EXIT
    local root=$work/root
    image_log "assembling the root file system"
    cp -a "$base" "$root"
    rm -f "$root/.complete"
    cp -r --preserve=mode "$here/rootfs/." "$root/"
    install -d -m 0755 "$root/opt/nacre"
    cp -r --preserve=mode "$dist/bin" "$root/opt/nacre/"
    install_lib "$dist/lib" "$root/opt/nacre/lib"
    ln -sfn /opt/nacre/bin/nacre "$root/usr/local/bin/nacre"
    mkdir -p "$root/etc/issue.d"
    ln -sfn /run/nacre/issue "$root/etc/issue.d/nacre.issue"
    chroot "$root" groupadd --system --gid "$NACRE_UID" nacre
    chroot "$root" useradd --system --uid "$NACRE_UID" --gid nacre --home-dir /var/lib/nacre --no-create-home \
        --shell /usr/sbin/nologin --comment "Nacre appliance" nacre
    install -d -m 0750 -o "$NACRE_UID" -g "$NACRE_UID" "$root/var/lib/nacre"
    chroot "$root" systemctl enable --quiet systemd-networkd systemd-resolved systemd-timesyncd \
        nacre-configure nacre-data nacre nacre-banner nacre-runcmd nacre-image-install
    ln -sfn ../run/systemd/resolve/stub-resolv.conf "$root/etc/resolv.conf"
    echo nacre >"$root/etc/hostname"
    : >"$root/etc/machine-id"

    # The disk: GPT with a 1 MiB BIOS boot partition for GRUB's core image and the root partition after it.
    local raw=$work/disk.raw uuid start sectors
    truncate -s "$size" "$raw"
    sfdisk -q "$raw" <<'EOF' || image_die "sfdisk failed"
label: gpt
start=2048, size=2048, type=21686148-6449-6E6F-744E-656564454649, name="bios-boot"
start=4096, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name="nacre-root"
EOF
    read -r start sectors < <(sfdisk -d "$raw" | sed -n 's/^.*2 : start= *\([0-9]*\), size= *\([0-9]*\),.*/\1 \2/p')
    [[ -n $start && -n $sectors ]] || image_die "cannot read the root partition from the partition table"
    uuid=$(cat /proc/sys/kernel/random/uuid)
    printf 'UUID=%s / ext4 errors=remount-ro,noatime 0 1\n' "$uuid" >"$root/etc/fstab"
    local kver
    kver=$(image_kernel "$root" "$work")
    local rootsize
    rootsize=$(du -sm "$root" | cut -f1)
    image_log "root file system: $rootsize MiB; writing it into partition 2 (mke2fs -d, no mount)"
    mke2fs -q -F -t ext4 -b 4096 -L nacre-root -U "$uuid" -E "offset=$((start * 512)),root_owner=0:0,nodiscard" -d "$root" \
        "$raw" "$((sectors / 8))" || image_die "mke2fs -d failed"
    rm -rf "$root"

    # One direct-kernel boot runs grub-install and update-grub inside the guest, then powers off.
    image_log "installing GRUB from inside the guest (one boot under QEMU)"
    local console=$work/install-console.log args=() rc=0
    while IFS= read -r -d '' a; do args+=("$a"); done < <(qemu_machine_args 1536 2)
    args+=(-kernel "$work/vmlinuz" -initrd "$work/initrd.img"
        -append "root=/dev/vda2 rw console=ttyS0 quiet loglevel=4 systemd.show_status=error panic=1 nacre.install"
        -drive "file=$raw,if=virtio,format=raw,cache=unsafe,discard=unmap")
    qemu_start "$console" "${args[@]}"
    trap 'qemu_stop 0; rm -rf "'"$work"'"' EXIT
    qemu_wait "$console" '^NACRE-IMAGE-INSTALL rc=[0-9]+' $(($(date +%s) + 1200)) || rc=$?
    qemu_stop 120
    if ((rc != 0)) || ! grep -aq '^NACRE-IMAGE-INSTALL rc=0' "$console"; then
        tail -n 40 "$console" >&2
        image_die "the install boot failed (console above)"
    fi
    image_log "GRUB installed; compressing the qcow2"
    mkdir -p "$img.tmp"
    image_qcow2 "$raw" "$img.tmp/nacre-appliance.qcow2"
    mv "$raw" "$img.tmp/nacre-appliance.raw"
    {
        echo "suite=$IMAGE_SUITE"
        echo "kernel=$kver"
        echo "built=$(date -u +%FT%TZ)"
        echo "root_fs_uuid=$uuid"
        echo "rootfs_mib=$rootsize"
        echo "qcow2_bytes=$(stat -c %s "$img.tmp/nacre-appliance.qcow2")"
        echo "raw_virtual_bytes=$(stat -c %s "$img.tmp/nacre-appliance.raw")"
        echo "raw_allocated_bytes=$(($(stat -c %b "$img.tmp/nacre-appliance.raw") * $(stat -c %B "$img.tmp/nacre-appliance.raw")))"
        echo "image_build_seconds=$((SECONDS - t))"
        echo "nacre_jars=$(cd "$dist/lib" && ls nacre-*.jar | paste -sd' ')"
        tr ' ' '\n' <<<"$LIB_TRIM"
        chroot "$base" dpkg-query -W -f='pkg ${Package} ${Version}\n' | sort
    } >"$img.tmp/manifest"
    touch "$img.tmp/complete"
    mv "$img.tmp" "$img"
    rm -rf "$work"
    trap - EXIT
    image_log "image built in $((SECONDS - t)) s"
}

main "$@"
