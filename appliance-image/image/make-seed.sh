#!/bin/bash
# Makes a NoCloud seed for the appliance: a disk image labelled "cidata" holding user-data, meta-data and,
# when given, network-config. ISO 9660 by default (what cloud-localds and virt-install --cloud-init make);
# --vfat makes a FAT disk labelled CIDATA instead (cloud-init's other NoCloud form), with mkfs.vfat and
# mtools' mcopy writing straight into the file: no loop mount, no vfat in the host's kernel.
#
#   make-seed.sh [--vfat] OUT USER-DATA [META-DATA [NETWORK-CONFIG]]
#
# Without META-DATA, one is written with an instance-id derived from the other files.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib/image.sh
. "$here/lib/image.sh"
vfat=
if [[ ${1-} == --vfat ]]; then vfat=1; shift; fi
(($# >= 2 && $# <= 4)) || { sed -n '2,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2; }
out=$1 user=$2 meta=${3:-} net=${4:-}
for f in "$user" $meta $net; do [[ -r $f ]] || image_die "cannot read $f"; done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp "$user" "$tmp/user-data"
if [[ -n $meta ]]; then
    cp "$meta" "$tmp/meta-data"
else
    printf 'instance-id: nacre-%s\n' "$(cat "$user" $net | sha256sum | cut -c1-12)" >"$tmp/meta-data"
fi
[[ -n $net ]] && cp "$net" "$tmp/network-config"

if [[ -n $vfat ]]; then
    image_host_deps mkfs.vfat:dosfstools mcopy:mtools
    rm -f "$out.tmp"
    # 2 MiB: the seed's few files with room to spare; FAT12 at this size, which every kernel mounts.
    mkfs.vfat -n CIDATA -C "$out.tmp" 2048 >/dev/null || image_die "mkfs.vfat failed"
    MTOOLS_SKIP_CHECK=1 mcopy -i "$out.tmp" "$tmp"/* :: || image_die "mcopy into $out failed"
else
    mkiso=
    for tool in genisoimage xorrisofs mkisofs; do
        if command -v "$tool" >/dev/null; then mkiso=$tool; break; fi
    done
    if [[ -z $mkiso ]]; then
        image_host_deps genisoimage:genisoimage
        mkiso=genisoimage
    fi
    # Rock Ridge and Joliet keep the file names as they are (plain ISO 9660 would say USER_DAT.;1).
    "$mkiso" -quiet -output "$out.tmp" -volid cidata -joliet -rock "$tmp"/* || image_die "$mkiso failed"
fi
mv -f "$out.tmp" "$out"
