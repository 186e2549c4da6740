# shellcheck shell=bash
# Booting Debian guests under QEMU on these hosts (see shared/GUEST.md): TCG only (KVM here is PVM and
# cannot run a stock kernel), no AVX and no fast string copies advertised (both crawl under TCG), direct
# kernel boot, serial console to a file as the result channel. Sourced by the appliance image's build.sh
# and boot.sh, and by conformance/guest/run.sh.

qemu_log() { printf '[qemu %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }

# qemu_machine_args MEM_MIB CPUS: prints (NUL-separated) the machine, accelerator and CPU arguments.
# TCG runs every vCPU in one host thread (NACRE_TCG_THREAD=single, the default): with thread=multi a vCPU
# may translate guest code while another vCPU rewrites it, and QEMU 7.2 then decodes an instruction made of
# old and new bytes. A guest JVM rewrites its JIT code all the time (a C1 method made not entrant gets a
# jmp over its entry) and died of it here: a SIGILL and a SIGSEGV whose faulting addresses are exactly what
# the torn instructions compute (conformance/guest/README.md, "Why TCG runs single-threaded"), and a torn
# store may corrupt the heap silently instead. NACRE_TCG_THREAD=multi brings back the parallel mode and its risk.
# The CPU (NACRE_TCG_CPU, default max,-avx,-avx2,-erms,-fsrm) is QEMU's "max" without two kinds of feature
# that are fast on hardware and slow here: AVX (the JVM's AVX intrinsics ran ~20x slower, shared/GUEST.md) and
# ERMS/FSRM. With ERMS, Linux zeroes a page with `rep stosb` and copies to and from user memory with `rep movsb`
# (glibc's large memcpy and memset too), and QEMU 7.2 runs those one byte per iteration: without it they go 8
# bytes at a time (`rep stosq`, `rep movsq`). In the guest, dd of 256 MiB into ext4 took 705 ms instead of
# 1,324, a cached read 214 instead of 545, and every NFS server streamed faster (conformance/guest/README.md,
# "A stream, per MiB").
qemu_machine_args() {
    local thread=${NACRE_TCG_THREAD:-single}
    case $thread in single|multi) ;; *) echo "qemu_machine_args: NACRE_TCG_THREAD must be single or multi, not '$thread'" >&2; return 2 ;; esac
    printf '%s\0' -machine pc -accel "tcg,thread=$thread,tb-size=512" -cpu "${NACRE_TCG_CPU:-max,-avx,-avx2,-erms,-fsrm}" \
        -m "$1" -smp "$2" -nodefaults -display none -vga none -no-reboot \
        -rtc base=utc -device virtio-rng-pci
}

# qemu_overlay BASE OVERLAY: a throwaway qcow2 whose backing file is BASE (BASE stays untouched).
qemu_overlay() {
    qemu-img create -q -f qcow2 -F qcow2 -b "$1" "$2"
}

# qemu_start CONSOLE ARGS...: starts qemu-system-x86_64 in the background with the serial console
# written to CONSOLE; sets QEMU_PID.
qemu_start() {
    local console=$1; shift
    : >"$console"
    qemu-system-x86_64 -serial "file:$console" "$@" </dev/null &
    QEMU_PID=$!
}

# qemu_wait CONSOLE REGEX DEADLINE_EPOCH: waits until a console line matches REGEX (returns 0), QEMU
# exits (1) or the deadline passes (2). Polls once a second; the console is a plain file.
qemu_wait() {
    local console=$1 regex=$2 deadline=$3
    while :; do
        grep -qaE "$regex" "$console" 2>/dev/null && return 0
        kill -0 "$QEMU_PID" 2>/dev/null || { grep -qaE "$regex" "$console" 2>/dev/null && return 0; return 1; }
        (( $(date +%s) >= deadline )) && return 2
        sleep 1
    done
}

# qemu_stop GRACE_SECONDS: waits up to GRACE_SECONDS for QEMU (the guest powering itself off), then
# kills it by its PID.
qemu_stop() {
    local grace=$1 i
    [[ -n ${QEMU_PID:-} ]] || return 0
    for ((i = 0; i < grace; i++)); do
        kill -0 "$QEMU_PID" 2>/dev/null || break
        sleep 1
    done
    if kill -0 "$QEMU_PID" 2>/dev/null; then
        qemu_log "killing QEMU (pid $QEMU_PID)"
        kill -TERM "$QEMU_PID" 2>/dev/null || true
        for ((i = 0; i < 10; i++)); do kill -0 "$QEMU_PID" 2>/dev/null || break; sleep 1; done
        kill -KILL "$QEMU_PID" 2>/dev/null || true   # already gone after TERM: fine
    fi
    wait "$QEMU_PID" 2>/dev/null || true   # QEMU's own status (143 when killed) is not ours
    QEMU_PID=
}
