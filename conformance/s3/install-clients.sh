#!/bin/sh
# Installs the unmodified S3 clients the conformance tests drive (Debian's packages): aws-cli, s3cmd,
# rclone and boto3. Idempotent; needs root (apt-get). Usage: conformance/s3/install-clients.sh
set -eu

# Debian's own packages, checked with dpkg: a client on PATH from elsewhere (pip, pyenv) does not count.
missing=""
for pkg in awscli s3cmd rclone python3-boto3; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing="$missing $pkg"
done

if [ -z "$missing" ]; then
    echo "S3 clients already installed"
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    echo "need root to install:$missing" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
echo "installed:$missing"
