#!/bin/bash
# mmdebstrap customize hook of the appliance's base system ($1 = the new root): trims what an appliance
# does not need. The Nacre-specific files come later (build.sh, stage 2), so that changing them does not
# re-run mmdebstrap.
set -euo pipefail
r=$1
# Documentation, but not the copyright files the licences ask to ship.
find "$r/usr/share/doc" -mindepth 1 \( -type f -o -type l \) ! -name copyright -delete
find "$r/usr/share/doc" -mindepth 1 -type d -empty -delete
rm -rf "$r"/var/lib/apt/lists/* "$r"/var/cache/apt/*.bin "$r"/var/cache/apt/archives/*.deb
