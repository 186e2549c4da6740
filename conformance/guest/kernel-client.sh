#!/bin/bash
# Host side of the kernel NFS client runs: boots the guest once and runs the workload or the bench
# in it (the in-guest scripts are shared read-only at /mnt/tools, a Nacre distribution at /mnt/dist).
#
#   kernel-client.sh workload [SERVER]        SERVER = knfsd (default) | nacre | nacre-pnfs (pNFS on, the
#                                             OSS nodes separate data-server processes)
#   kernel-client.sh bench [SERVER...]        default: knfsd, plus nacre when --dist is given;
#                                             the first server is the baseline of the ratios
#   kernel-client.sh pnfs [nacre|nacre-pnfs]  Nacre with --pnfs: file layouts, data-server I/O
#                                             (nacre-pnfs: separate OSS/data-server processes)
#   kernel-client.sh pnfs-bench               streaming knfsd / Nacre / Nacre pNFS, throttled OST scaling
# Options (before the subcommand): --dist DIR (Nacre distribution: appliance-image/target/nacre-dist),
# --baseline-dist DIR (a second one, e.g. of main, for the server nacre-baseline), --out DIR (run
# directory shared as /mnt/host; default conformance/target/guest/<subcommand>-<time>),
# --timeout SECONDS (default 3600), --env NAME=VALUE (passed to the in-guest script, repeatable).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# All in one function: bash parses it whole before running, so editing this file cannot
# derail a run in flight.
main() {
    dist= baseline= out= timeout=3600 extra=()
    while (($#)); do
        case $1 in
            --dist) dist=$(cd "$2" && pwd); shift 2 ;;
            --baseline-dist) baseline=$(cd "$2" && pwd); shift 2 ;;
            --out) out=$2; shift 2 ;;
            --timeout) timeout=$2; shift 2 ;;
            --env) extra+=(--env "$2"); shift 2 ;;
            *) break ;;
        esac
    done
    what=${1:-}; shift || true
    case $what in
        workload) servers=("${1:-knfsd}") ;;
        pnfs) servers=("${1:-nacre}") ;;
        pnfs-bench) servers=() ;;
        bench) servers=("$@"); ((${#servers[@]})) || { servers=(knfsd); [[ -n $dist ]] && servers+=(nacre); } ;;
        *) sed -n '2,15s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
    esac
    [[ -n $dist ]] && extra+=(--share-ro "dist=$dist")
    [[ -n $baseline ]] && extra+=(--share-ro "baseline=$baseline")
    [[ -n $out ]] || out=$here/../target/guest/$what-$(date +%Y%m%d-%H%M%S)
    mkdir -p "$out"
    # A snapshot of the in-guest scripts: bash reads a script as it runs, so editing the live copy would
    # change a run in flight.
    rm -rf "$out/tools" && cp -r "$here/in-guest" "$out/tools"
    rc=0
    "$here/run.sh" --share "$out" --share-ro "tools=$out/tools" --timeout "$timeout" "${extra[@]}" \
        -- bash "/mnt/tools/$what.sh" "${servers[@]}" || rc=$?
    echo "kernel-client $what ${servers[*]}: status $rc; output in $out/.nacre/output.log" >&2
    [[ $what == bench && -s $out/bench.txt ]] && cat "$out/bench.txt"
    [[ $what == pnfs-bench && -s $out/pnfs-bench.txt ]] && cat "$out/pnfs-bench.txt"
    exit "$rc"
}
main "$@"
