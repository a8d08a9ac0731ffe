#!/usr/bin/env bash
# Installs the Debian (bookworm) packages Taizhang builds and runs with.
# Idempotent: when every package is already present it installs nothing and
# does not touch the network.
set -euo pipefail

packages=(
  build-essential cmake pkg-config clang-format
  libgrpc++-dev libgrpc-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  librocksdb-dev libboost-dev libssl-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libcli11-dev libspdlog-dev libgoogle-perftools-dev
  libxlsxwriter-dev libminizip-dev libexpat1-dev libkainjow-mustache-dev
  chromium fonts-noto-cjk poppler-utils python3-openpyxl
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "installing: ${missing[*]}" >&2
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
