#!/usr/bin/env bash
# Installs what building and testing rampart needs beyond the Rust toolchain:
# clang and libelf for the eBPF sensor, and the tools its tests run (curl,
# script). Does nothing when they are already there.
set -euo pipefail
missing=()
command -v clang >/dev/null || ls /usr/bin/clang-1[4-9] >/dev/null 2>&1 || missing+=(clang-14)
[ -e /usr/include/libelf.h ] || missing+=(libelf-dev)
[ -e /usr/include/zlib.h ] || missing+=(zlib1g-dev)
command -v pkg-config >/dev/null || missing+=(pkg-config)
command -v curl >/dev/null || missing+=(curl)
command -v script >/dev/null || missing+=(bsdutils)
[ ${#missing[@]} -eq 0 ] && exit 0
echo "setup: installing ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
if ! command -v apt-get >/dev/null; then
  echo "setup: please install ${missing[*]} (clang 14 or later, libelf and zlib headers) with your package manager" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
