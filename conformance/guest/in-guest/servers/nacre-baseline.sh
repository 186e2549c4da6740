# shellcheck shell=bash
# Nacre from a second distribution, for a before/after comparison in one boot (`kernel-client.sh
# --baseline-dist DIR bench knfsd nacre-baseline nacre`): shared read-only at /mnt/baseline, with its own
# data directory, log, JVM options and environment (NACRE_BASELINE_JVM_OPTS and NACRE_BASELINE_ENV, default
# NACRE_JVM_OPTS and NACRE_ENV; the same
# distribution twice with different options compares JVM settings); otherwise exactly nacre.sh. Each bench
# row runs in a subshell, so the two adapters' settings never mix.
NACRE_HOME=${NACRE_BASELINE_HOME:-/mnt/baseline}
NACRE_JVM_OPTS=${NACRE_BASELINE_JVM_OPTS:-${NACRE_JVM_OPTS:-}}
NACRE_ENV=${NACRE_BASELINE_ENV:-${NACRE_ENV:-}}
NACRE_DATA=${NACRE_BASELINE_DATA:-/scratch/nacre-baseline}
if [[ -d /mnt/host && -w /mnt/host ]]; then NACRE_LOG=/mnt/host/nacre-baseline-server.log; fi
# shellcheck source=nacre.sh
. "$TOOLS/servers/nacre.sh"
