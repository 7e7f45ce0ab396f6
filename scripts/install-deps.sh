#!/usr/bin/env bash
# Installs the Debian packages runtime-updater needs to build, test and
# benchmark. Does nothing when they are all present already. Needs root (or
# sudo) only when something is missing.
set -euo pipefail

packages=(
  cmake ninja-build g++ pkg-config
  llvm-19-dev clang-19 clang-14 libclang-rt-19-dev
  libpistache-dev rapidjson-dev
  libgoogle-glog-dev libgflags-dev
  googletest libgtest-dev libbenchmark-dev
  libcurl4-openssl-dev curl
  libseccomp-dev liburcu-dev
  libssl-dev
  wrk
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
      grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "installing: ${missing[*]}"
sudo_cmd=()
[ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
