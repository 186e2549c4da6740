#!/bin/sh
# Installs the unmodified S3 clients the conformance tests drive (Debian's packages): aws-cli, s3cmd,
# rclone and boto3. Idempotent; needs root (apt-get). Usage: conformance/s3/install-clients.sh
set -eu

missing=""
command -v aws >/dev/null 2>&1 || missing="$missing awscli"
command -v s3cmd >/dev/null 2>&1 || missing="$missing s3cmd"
command -v rclone >/dev/null 2>&1 || missing="$missing rclone"
python3 -c 'import boto3' >/dev/null 2>&1 || missing="$missing python3-boto3"

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
