#!/usr/bin/env bash
# Installs the Debian (bookworm) packages Taizhang builds and runs with.
# Idempotent: when every package is already present it installs nothing and
# does not touch the network.
set -euo pipefail

packages=(
  build-essential cmake pkg-config clang-format
  ninja-build lld  # the build's generator and linker (deploy/dev): a clean build in less time
  clang libclang-rt-14-dev  # the fuzz build: libFuzzer and the sanitizers (deploy/fuzz)
  libgrpc++-dev libgrpc-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  librocksdb-dev libboost-dev libssl-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libcli11-dev libspdlog-dev libgoogle-perftools-dev
  libxlsxwriter-dev libminizip-dev libexpat1-dev libkainjow-mustache-dev
  chromium fonts-noto-cjk poppler-utils python3-openpyxl nodejs
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

# npm: Debian's package, unless the nodejs installed brings its own.
if ! command -v npm >/dev/null 2>&1; then missing+=(npm); fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The browser tests' puppeteer-core, as pinned by tests/browser/package-lock.json
# (it downloads no browser: the tests drive Debian's /usr/bin/chromium).
browser_tests="$(cd "$(dirname "$0")/.." && pwd)/tests/browser"
if [ ! -f "$browser_tests/node_modules/.package-lock.json" ] ||
   [ "$browser_tests/package-lock.json" -nt "$browser_tests/node_modules/.package-lock.json" ]; then
  echo "installing the browser tests' node modules (npm ci in tests/browser)" >&2
  (cd "$browser_tests" && PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund --ignore-scripts \
     --loglevel=error >/dev/null)
fi
