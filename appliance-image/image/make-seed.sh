#!/bin/bash
# Makes a NoCloud seed for the appliance: an ISO 9660 image labelled "cidata" holding user-data,
# meta-data and, when given, network-config (the format cloud-localds and virt-install --cloud-init make;
# a vfat disk labelled CIDATA works as well).
#
#   make-seed.sh OUT.iso USER-DATA [META-DATA [NETWORK-CONFIG]]
#
# Without META-DATA, one is written with an instance-id derived from the other files.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib/image.sh
. "$here/lib/image.sh"
(($# >= 2 && $# <= 4)) || { sed -n '2,8p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2; }
out=$1 user=$2 meta=${3:-} net=${4:-}
for f in "$user" $meta $net; do [[ -r $f ]] || image_die "cannot read $f"; done

mkiso=
for tool in genisoimage xorrisofs mkisofs; do
    if command -v "$tool" >/dev/null; then mkiso=$tool; break; fi
done
if [[ -z $mkiso ]]; then
    image_host_deps genisoimage:genisoimage
    mkiso=genisoimage
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp "$user" "$tmp/user-data"
if [[ -n $meta ]]; then
    cp "$meta" "$tmp/meta-data"
else
    printf 'instance-id: nacre-%s\n' "$(cat "$user" $net | sha256sum | cut -c1-12)" >"$tmp/meta-data"
fi
[[ -n $net ]] && cp "$net" "$tmp/network-config"
# Rock Ridge and Joliet keep the file names as they are (plain ISO 9660 would say USER_DAT.;1).
"$mkiso" -quiet -output "$out.tmp" -volid cidata -joliet -rock "$tmp"/* || image_die "$mkiso failed"
mv -f "$out.tmp" "$out"
