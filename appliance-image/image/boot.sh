#!/bin/bash
# Boots the appliance disk under QEMU through its own boot loader (BIOS, GRUB), as a hypervisor would:
# to try the image, and for the boot test. Exits when the guest powers off.
#
#   boot.sh [options] DISK
#     DISK                the appliance disk (qcow2 or raw); it is the VM's disk and changes as the VM runs
#     --overlay FILE      boot a qcow2 overlay FILE of DISK instead (made if missing): DISK stays untouched
#     --data-disk FILE    a second disk for the data (raw; made sparse when missing, --data-size big)
#     --data-size SIZE    size of a new data disk (default 16G)
#     --seed FILE         the NoCloud seed (make-seed.sh), attached as a read-only disk
#     --forward [H:[A:]]G forward tcp 127.0.0.1:H on the host to port G of the guest (repeatable); A is the
#                         guest's address when it is not the one QEMU's DHCP hands out (a static network)
#     --isolated          the guest reaches nothing beyond the host's forwards (QEMU restrict=on)
#     --mem MIB --cpus N  guest size (default 3072 MiB, 2 CPUs)
#     --kvm               use KVM (where it runs stock kernels; not on the PVM hosts of shared/GUEST.md)
#     --console FILE      serial console to FILE (default: this terminal; Ctrl-A X quits)
#     --monitor SOCKET    QEMU's monitor on a unix socket: "system_powerdown" shuts the guest down cleanly
#     --timeout SECONDS   kill QEMU after this long (default: never)
# Exit status: 0 when the guest powered off, 124 when the timeout killed it, QEMU's status otherwise.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib/qemu.sh
. "$here/lib/qemu.sh"

main() {
    local disk= overlay= data= data_size=16G seed= isolated= mem=3072 cpus=2 kvm= console= monitor= timeout=
    local forwards=()
    while (($#)); do
        case $1 in
            --overlay) overlay=$2; shift 2 ;;
            --data-disk) data=$2; shift 2 ;;
            --data-size) data_size=$2; shift 2 ;;
            --seed) seed=$2; shift 2 ;;
            --forward) forwards+=("$2"); shift 2 ;;
            --isolated) isolated=1; shift ;;
            --mem) mem=$2; shift 2 ;;
            --cpus) cpus=$2; shift 2 ;;
            --kvm) kvm=1; shift ;;
            --console) console=$2; shift 2 ;;
            --monitor) monitor=$2; shift 2 ;;
            --timeout) timeout=$2; shift 2 ;;
            -h|--help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; return 0 ;;
            -*) qemu_log "unknown option $1 (see --help)"; return 2 ;;
            *) disk=$1; shift ;;
        esac
    done
    [[ -n $disk && -r $disk ]] || { qemu_log "no disk to boot (see --help)"; return 2; }
    disk=$(realpath "$disk")
    local format
    format=$(qemu-img info --output=json "$disk" | sed -n 's/.*"format": *"\([a-z0-9]*\)".*/\1/p' | head -n1)

    local args=()
    if [[ -n $kvm ]]; then
        args+=(-machine pc,accel=kvm -cpu host -m "$mem" -smp "$cpus" -nodefaults -display none -vga none
            -no-reboot -rtc base=utc -device virtio-rng-pci)
    else
        while IFS= read -r -d '' a; do args+=("$a"); done < <(qemu_machine_args "$mem" "$cpus")
    fi
    if [[ -n $overlay ]]; then
        [[ -e $overlay ]] || qemu-img create -q -f qcow2 -F "$format" -b "$disk" "$overlay"
        args+=(-drive "file=$overlay,if=none,id=root,format=qcow2,discard=unmap")
    else
        args+=(-drive "file=$disk,if=none,id=root,format=$format,discard=unmap")
    fi
    args+=(-device virtio-blk-pci,drive=root,bootindex=0)
    if [[ -n $data ]]; then
        [[ -e $data ]] || truncate -s "$data_size" "$data"
        args+=(-drive "file=$data,if=virtio,format=raw,discard=unmap")
    fi
    [[ -z $seed ]] || args+=(-drive "file=$(realpath "$seed"),if=virtio,format=raw,readonly=on")
    local net=user,id=n0 f
    [[ -z $isolated ]] || net+=,restrict=on
    for f in "${forwards[@]}"; do
        [[ $f == *:* ]] || f=$f:$f
        [[ ${f#*:} == *:* ]] || f=${f%%:*}::${f#*:}   # H:G is H::G, the guest's DHCP address
        net+=",hostfwd=tcp:127.0.0.1:${f%%:*}-${f#*:}"
    done
    args+=(-netdev "$net" -device virtio-net-pci,netdev=n0)
    [[ -z $monitor ]] || args+=(-monitor "unix:$monitor,server,nowait")

    if [[ -z $console ]]; then
        exec qemu-system-x86_64 -serial mon:stdio "${args[@]}"
    fi
    QEMU_PID=
    trap 'qemu_stop 0' EXIT
    trap 'exit 143' TERM
    trap 'exit 130' INT
    qemu_start "$console" "${args[@]}"
    if [[ -n $timeout ]]; then
        local deadline=$(($(date +%s) + timeout))
        while kill -0 "$QEMU_PID" 2>/dev/null; do
            if (($(date +%s) >= deadline)); then
                qemu_log "deadline of $timeout s passed; killing QEMU"
                qemu_stop 0
                return 124
            fi
            sleep 1
        done
    fi
    local rc=0
    wait "$QEMU_PID" || rc=$?
    QEMU_PID=
    return "$rc"
}
main "$@"
