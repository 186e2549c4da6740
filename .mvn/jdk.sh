# Sourced by ./mvnw and ./nacre: points JAVA_HOME at a JDK >= 21 (javac included), or explains what to
# install. Order: $JAVA_HOME, the java on PATH, then the usual install roots, newest first.
# POSIX sh; mvnw runs with `set -euf`, so globbing is switched on only for the search below.

nacre_jdk_major() { # $1 = a JDK home; prints its feature version, or nothing
  if [ -r "$1/release" ]; then
    sed -n 's/^JAVA_VERSION="\([0-9][0-9]*\).*/\1/p' "$1/release" | sed 's/^1$/8/'
  elif [ -x "$1/bin/java" ]; then
    "$1/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9][0-9]*\).*/\1/p' | head -n 1
  fi
}

nacre_jdk_ok() { # $1 = a JDK home; true when it is a full JDK >= 21
  [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ] || return 1
  nacre_v=$(nacre_jdk_major "$1")
  [ -n "$nacre_v" ] && [ "$nacre_v" -ge 21 ]
}

nacre_find_jdk() {
  if [ -n "${JAVA_HOME-}" ] && nacre_jdk_ok "$JAVA_HOME"; then return 0; fi
  nacre_java=$(command -v java 2>/dev/null || true)
  if [ -n "$nacre_java" ]; then
    nacre_home=$(dirname "$(dirname "$(readlink -f "$nacre_java")")")
    if nacre_jdk_ok "$nacre_home"; then JAVA_HOME=$nacre_home; export JAVA_HOME; return 0; fi
  fi
  nacre_best="" nacre_best_v=0
  case $- in *f*) nacre_noglob=1; set +f ;; *) nacre_noglob=0 ;; esac
  for nacre_home in /usr/lib/jvm/* /usr/java/* /opt/java/* /opt/jdk* "${HOME-}"/.sdkman/candidates/java/* \
      /Library/Java/JavaVirtualMachines/*/Contents/Home; do
    nacre_jdk_ok "$nacre_home" || continue
    nacre_v=$(nacre_jdk_major "$nacre_home")
    if [ "$nacre_v" -gt "$nacre_best_v" ]; then nacre_best=$nacre_home nacre_best_v=$nacre_v; fi
  done
  [ "$nacre_noglob" = 1 ] && set -f
  if [ -n "$nacre_best" ]; then JAVA_HOME=$nacre_best; export JAVA_HOME; return 0; fi
  cat >&2 <<'MSG'
Nacre needs a Java Development Kit, version 21 or newer (java and javac), and found none
(looked at $JAVA_HOME, the java on PATH, /usr/lib/jvm, /usr/java, /opt/java, ~/.sdkman).
Install one, then run this again (or set JAVA_HOME to it):
  Debian 13 / Ubuntu 24.04:  sudo apt-get install openjdk-21-jdk-headless
  Fedora / RHEL 9:           sudo dnf install java-21-openjdk-devel
  Anywhere:                  Eclipse Temurin 21 from https://adoptium.net
MSG
  return 1
}

nacre_find_jdk || exit 1
NACRE_JDK_MAJOR=$(nacre_jdk_major "$JAVA_HOME")
export NACRE_JDK_MAJOR
