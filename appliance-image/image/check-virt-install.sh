#!/bin/bash
# Runs the virt-install line of a README ("Import into libvirt") without a hypervisor, so that the documented
# line cannot rot: against libvirt's built-in test driver (test:///default: no daemon, no VM defined) with
# --dry-run --print-xml, the disks it names replaced by empty stand-ins in a temporary directory. Prints the
# domain XML virt-install would define; fails with virt-install's message when it refuses the line.
# Installs virt-install (Debian's virtinst) with apt-get when it is missing (root only).
#
#   check-virt-install.sh README.md
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib/image.sh
. "$here/lib/image.sh"
(($# == 1)) || { sed -n '2,8p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2; }
readme=$1
image_host_deps virt-install:virtinst

# The command: the indented line starting with virt-install and its backslash continuations.
line=$(awk '/^ +virt-install / {on = 1} on {sub(/^ +/, ""); if (sub(/\\$/, "")) {printf "%s", $0} else {print; exit}}' "$readme")
[[ -n $line ]] || image_die "no virt-install line in $readme"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
dir=/var/lib/libvirt/images
line=${line//$dir\//$tmp\/}
[[ $line != *"$dir"* ]] || image_die "the line names $dir in a way this check does not rewrite: $line"
# Every path the line names under the images directory exists, as a stand-in of the right format.
for f in $(grep -o "$tmp/[^ ,]*" <<<"$line" | sort -u); do
    case $f in
        *.qcow2) qemu-img create -q -f qcow2 "$f" 4G ;;
        *) truncate -s 1M "$f" ;;
    esac
done
declare -a args
eval "args=($line)"
[[ ${args[0]} == virt-install ]] || image_die "not a virt-install line: $line"
virt-install --connect test:///default "${args[@]:1}" --dry-run --print-xml
