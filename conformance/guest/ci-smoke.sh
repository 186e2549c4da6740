#!/bin/bash
# The kernel-client guest smoke that .ci/run runs after the README's test command: installs QEMU and the
# image tools (apt-get) when missing, builds the guest image (cached), boots it with the freshly built
# distribution and runs a subset of the workload against `nacre up` with small sizes. A failing step fails it.
#
#   conformance/guest/ci-smoke.sh [--dist DIR] [--out DIR]
#
# --dist: the Nacre distribution (default appliance-image/target/nacre-dist, made by ./mvnw verify or
# package); --out: the run directory (default conformance/target/guest/ci-smoke-<time>).
# Environment: SMOKE_STEPS (the workload steps, comma-separated), SMOKE_BIG_MIB, SMOKE_FIO_MIB (sizes),
# SMOKE_TIMEOUT (hard limit in seconds for everything here, default 2400: QEMU and all are killed after
# it), NACRE_CACHE (image cache, see build-image.sh), NACRE_GUEST_LOCK (a file to flock before starting,
# to serialize guests on a shared host; waiting for it does not count against SMOKE_TIMEOUT).
#
# It skips, with one line "guest smoke: SKIP: <why>" and status 0, only when QEMU cannot run here at all:
#   - the host is not x86-64 Linux (the image is an amd64 Debian built on the host);
#   - QEMU is missing and cannot be installed: not root, no apt-get, or apt-get has no qemu-system-x86
#     candidate or cannot download it (no package reachable);
#   - the installed QEMU cannot create a TCG x86-64 machine at all (a paused machine, no guest code run).
# Anything after that is a failure, never a skip: tools that are reachable but do not install, the image
# build, the guest not booting or not reporting, the server not starting, any workload step, the time limit.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)

SMOKE_STEPS=${SMOKE_STEPS:-namespace-ops,sparse-file,mmap,locks,unlink-while-open,big-file-striped,fio-verify,unmount}
SMOKE_BIG_MIB=${SMOKE_BIG_MIB:-32}
SMOKE_FIO_MIB=${SMOKE_FIO_MIB:-16}
SMOKE_TIMEOUT=${SMOKE_TIMEOUT:-2400}

say() { printf '[smoke %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
skip() { echo "guest smoke: SKIP: $*"; exit 0; }
fail() { echo "guest smoke: FAIL: $*"; exit 1; }
have() { command -v "$1" >/dev/null 2>&1; }

main() {
    local dist=$repo/appliance-image/target/nacre-dist out=
    while (($#)); do
        case $1 in
            --dist) dist=$2; shift 2 ;;
            --out) out=$2; shift 2 ;;
            *) sed -n '2,13s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
        esac
    done
    [[ -n $out ]] || out=$repo/conformance/target/guest/ci-smoke-$(date +%Y%m%d-%H%M%S)
    mkdir -p "$out"
    out=$(cd "$out" && pwd)

    if [[ -z ${NACRE_SMOKE_LIMITED:-} ]]; then
        if [[ -n ${NACRE_GUEST_LOCK:-} ]]; then
            exec 8>>"$NACRE_GUEST_LOCK"
            say "waiting for the guest lock $NACRE_GUEST_LOCK"
            flock 8
        fi
        # The hard limit: timeout signals its whole process group (this script, run.sh, QEMU), then kills it.
        local rc=0
        NACRE_SMOKE_LIMITED=$(($(date +%s) + SMOKE_TIMEOUT)) \
            timeout -k 60 "$SMOKE_TIMEOUT" "$0" --dist "$dist" --out "$out" || rc=$?
        if ((rc == 124 || rc == 137)); then
            echo "guest smoke: FAIL: the hard limit of $SMOKE_TIMEOUT s passed; everything was killed (logs in $out)"
            exit 1
        fi
        exit "$rc"
    fi
    smoke "$dist" "$out" "$NACRE_SMOKE_LIMITED"
}

# host_tools LOG: QEMU and the image tools installed, or a skip when QEMU cannot be installed here.
host_tools() {
    local log=$1 cand
    [[ $(uname -s) == Linux && $(uname -m) == x86_64 ]] || skip "the guest needs an x86-64 Linux host, this is $(uname -sm)"
    # build-image.sh installs what is missing (apt-get update, then install).
    if "$here/build-image.sh" --host-deps 2> >(tee "$log" >&2); then
        return 0
    fi
    # It failed: is QEMU itself out of reach (skip), or did something else go wrong (fail)?
    if have qemu-system-x86_64 && have qemu-img; then
        fail "QEMU is installed but the other image tools could not be installed (see $log)"
    fi
    [[ $(id -u) == 0 ]] || skip "QEMU is not installed and installing it needs root (conformance/guest/build-image.sh --host-deps as root)"
    have apt-get || skip "QEMU is not installed and this host has no apt-get"
    for p in qemu-system-x86 qemu-utils; do
        cand=$(apt-cache policy "$p" 2>/dev/null | awk '$1 == "Candidate:" { print $2 }')
        [[ -n $cand && $cand != "(none)" ]] || skip "QEMU is not installed and no $p package is reachable from this host's apt sources"
    done
    if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q --download-only --no-install-recommends \
            qemu-system-x86 qemu-utils >>"$log" 2>&1; then
        skip "QEMU is not installed and its packages cannot be downloaded from this host's apt sources (see $log)"
    fi
    fail "QEMU's packages are reachable but installing the host tools failed (see $log)"
}

# qemu_can_start: QEMU creates a plain TCG x86-64 machine, paused (no guest code runs), and quits.
qemu_can_start() {
    local probe rc=0
    probe=$(timeout 60 qemu-system-x86_64 -machine pc -accel tcg -m 64 -nodefaults -display none -S \
        -monitor stdio <<<quit 2>&1) || rc=$?
    ((rc != 124)) || fail "QEMU did not quit a paused TCG machine within 60 s"
    ((rc == 0)) || skip "QEMU cannot create a TCG x86-64 machine here: $(grep -v '^(qemu)' <<<"$probe" | tail -n1)"
}

smoke() {
    local dist=$1 out=$2 deadline=$3 t0 tools_s img_s guest_start guest_s rc=0 first boot_s
    t0=$SECONDS
    host_tools "$out/host-tools.log"
    qemu_can_start
    tools_s=$((SECONDS - t0))
    say "host tools ready in $tools_s s"

    [[ -d $dist/lib ]] && compgen -G "$dist/lib/*.jar" >/dev/null \
        || fail "no Nacre distribution at $dist (./mvnw -B verify or ./mvnw -B -pl appliance-image -am package -DskipTests makes it)"
    dist=$(cd "$dist" && pwd)

    t0=$SECONDS
    say "building the guest image (cached in ${NACRE_CACHE:-~/.cache/nacre/guest})"
    "$here/build-image.sh" >"$out/image-dir" 2> >(tee "$out/build-image.log" >&2) \
        || fail "build-image.sh failed (see $out/build-image.log)"
    img_s=$((SECONDS - t0))
    say "guest image $(tail -n1 "$out/image-dir") ready in $img_s s"

    guest_start=$(date +%s)
    t0=$SECONDS
    # run.sh's own deadline comes first (it kills QEMU and says so); the hard limit is the backstop.
    "$here/kernel-client.sh" --dist "$dist" --out "$out" --timeout $((deadline - guest_start - 90)) \
        --env "STEPS=$SMOKE_STEPS" --env "BIG_MIB=$SMOKE_BIG_MIB" --env "FIO_MIB=$SMOKE_FIO_MIB" \
        workload nacre || rc=$?
    guest_s=$((SECONDS - t0))

    # Timings: the boot is from QEMU's start to the workload's first line (the guest clock is the host's, UTC).
    first=$(grep -aom1 -E '^[0-9]{2}:[0-9]{2}:[0-9]{2} workload against' "$out/.nacre/output.log" 2>/dev/null | cut -c1-8) || true
    boot_s=?
    [[ -n $first ]] && boot_s=$(($(date -u -d "$(date -u -d "@$guest_start" +%F) $first" +%s) - guest_start))
    echo "guest smoke timings: host tools $tools_s s, image $img_s s (built or from the cache), guest $guest_s s in all (boot to the workload's start $boot_s s)"
    grep -aE '^(PASS|FAIL) |^SUMMARY ' "$out/.nacre/output.log" 2>/dev/null | sed 's/^/  /' || true

    case $rc in
        0) echo "guest smoke: PASS (steps: mount,$SMOKE_STEPS; BIG_MIB=$SMOKE_BIG_MIB FIO_MIB=$SMOKE_FIO_MIB; logs in $out)" ;;
        124) fail "the guest did not finish before the deadline; QEMU killed (console: $out/.nacre/console.log)" ;;
        125) fail "the guest stopped without reporting a status (console: $out/.nacre/console.log)" ;;
        *)
            if [[ -s $out/nacre-server.log ]]; then
                echo "last lines of the server's log ($out/nacre-server.log):"
                tail -n 40 "$out/nacre-server.log" | sed 's/^/  /'
            fi
            fail "the workload exited with status $rc (output: $out/.nacre/output.log)" ;;
    esac
}

main "$@"
