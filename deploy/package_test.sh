#!/usr/bin/env bash
# Builds the Debian package from a build tree and checks it as an operator
# would meet it: its files (and none of the tests' or benchmarks'), its
# control fields and maintainer scripts, that the unit file is valid and
# hardened, and that the programs it unpacks serve with the policies it
# ships.   usage: package_test.sh BUILD_DIR SOURCE_DEPLOY_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
work=$(mktemp -d)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill -9 "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  exit 1
}

(cd "$work" && cpack --config "$build/CPackConfig.cmake" -B "$work/out" >"$work/cpack.log" 2>&1) ||
  { cat "$work/cpack.log" >&2; fail "cpack failed"; }
deb=$(ls "$work"/out/taizhang_*.deb 2>/dev/null | head -1)
[ -n "$deb" ] || { cat "$work/cpack.log" >&2; fail "no taizhang_*.deb written"; }
echo "package: $(basename "$deb"), $(($(stat -c %s "$deb") / 1024)) KiB"

# The files.
dpkg-deb -c "$deb" | awk '{print $1, $2, $NF}' | sed 's| \./| /|' >"$work/contents"
has() { grep -q " $1\$" "$work/contents" || fail "the package lacks $1"; }
for f in /usr/bin/taizhangd /usr/bin/taizhang /usr/bin/taizhang-verify /usr/share/taizhang/make-tokens \
  /lib/systemd/system/taizhangd.service /etc/taizhang/taizhangd.textproto \
  /usr/share/doc/taizhang/operations.md /usr/share/doc/taizhang/storage-format.md \
  /usr/share/doc/taizhang/proof.md /usr/share/doc/taizhang/bundle.md \
  /usr/share/doc/taizhang/README.md /usr/share/doc/taizhang/examples/tokens.example.textproto; do
  has "$f"
done
# Every shipped policy file, the calendars among them.
(cd "$2/../workflows/policies" && find . -type f | sed 's|^\.|/usr/share/taizhang/policies|') |
  while read -r f; do has "$f"; done
has /usr/share/taizhang/policies/calendars/cn-2026.textproto
grep -q "^-rwxr-xr-x root/root /usr/bin/taizhangd$" "$work/contents" ||
  fail "taizhangd is not root-owned mode 0755: $(grep /usr/bin/taizhangd "$work/contents")"
if grep -E "_test$|bench|crash_child|/tests/|\.a$|\.h$" "$work/contents"; then
  fail "the package holds test, benchmark or build files (above)"
fi
# Tokens are made at installation, never shipped.
if grep -q "tokens.textproto$" "$work/contents"; then fail "the package ships a tokens file"; fi
echo "files: $(wc -l <"$work/contents") entries, every policy file among them"

# Control fields and scripts.
field() { dpkg-deb -f "$deb" "$1"; }
[ "$(field Package)" = taizhang ] || fail "Package: $(field Package)"
depends=$(field Depends)
for lib in adduser libgrpc++ libprotobuf libssl3 libtcmalloc-minimal libabsl; do
  case "$depends" in *"$lib"*) ;; *) fail "Depends lacks $lib: $depends" ;; esac
done
case "$(field Recommends)" in *chromium*fonts-noto-cjk*) ;; *) fail "Recommends: $(field Recommends)" ;; esac
mkdir "$work/control"
dpkg-deb -e "$deb" "$work/control"
[ "$(cat "$work/control/conffiles")" = /etc/taizhang/taizhangd.textproto ] ||
  fail "conffiles: $(cat "$work/control/conffiles")"
for s in postinst prerm postrm; do
  [ -x "$work/control/$s" ] || fail "no executable $s"
  sh -n "$work/control/$s" || fail "$s does not parse"
done
grep -q "adduser --system" "$work/control/postinst" || fail "postinst makes no user"
if grep -q "/var/lib/taizhang" "$work/control/postrm" && grep -Eq "rm -[a-z]*r[a-z]* .*/var/lib" "$work/control/postrm"; then
  fail "postrm removes the ledger"
fi
echo "control: Depends $(echo "$depends" | tr ',' '\n' | wc -l) packages; conffiles and scripts in order"

# Unpacked, the programs run as installed: the tokens helper makes a file the
# server takes, the server finds the policies beside itself and serves, the
# command line reaches it.
root="$work/root"
dpkg-deb -x "$deb" "$root"
"$root/usr/bin/taizhangd" --help >/dev/null || fail "taizhangd --help"
"$root/usr/share/taizhang/make-tokens" admin:信息中心 >"$work/tokens.textproto"
chmod 0600 "$work/tokens.textproto"
token=$(grep -o 'admin-[0-9a-f]*' "$work/tokens.textproto")
mkfifo "$work/listening"
"$root/usr/bin/taizhangd" --listen 127.0.0.1:0 --data-dir "$work/data" \
  --tokens "$work/tokens.textproto" >"$work/listening" 2>"$work/taizhangd.log" &
server_pid=$!
read -r -t 60 line <"$work/listening" || { cat "$work/taizhangd.log" >&2; fail "taizhangd did not start"; }
address=${line#listening on }
"$root/usr/bin/taizhang" --server "$address" --token "$token" info >"$work/info" ||
  fail "taizhang info: $(cat "$work/info")"
grep -q "信息中心" "$work/info" || fail "taizhang info does not name the caller: $(cat "$work/info")"
kill -TERM "$server_pid"
wait "$server_pid" || fail "taizhangd did not stop cleanly (exit $?)"
server_pid=""
echo "programs: the unpacked taizhangd served $address with its shipped policies"
# The offline verifier, with the policies installed beside it, on the log the
# server left.
"$root/usr/bin/taizhang-verify" "$work/data" >"$work/verify" 2>&1 ||
  fail "taizhang-verify: $(cat "$work/verify")"
grep -q "核验通过" "$work/verify" || fail "taizhang-verify did not pass: $(cat "$work/verify")"
echo "programs: the unpacked taizhang-verify checked the log it left"

# The unit: valid (with its ExecStart pointed at the unpacked program, since
# nothing is installed here) and hardened.
if command -v systemd-analyze >/dev/null 2>&1; then
  unit="$work/taizhangd.service"
  sed "s|^ExecStart=/usr/bin/taizhangd|ExecStart=$root/usr/bin/taizhangd|" \
    "$root/lib/systemd/system/taizhangd.service" >"$unit"
  grep -q "^ExecStart=$root" "$unit" || fail "the unit's ExecStart is not /usr/bin/taizhangd"
  if ! systemd-analyze verify --man=no "$unit" >"$work/verify" 2>&1; then
    cat "$work/verify" >&2
    fail "systemd-analyze verify"
  fi
  if [ -s "$work/verify" ]; then
    cat "$work/verify" >&2
    fail "systemd-analyze verify warns"
  fi
  systemd-analyze security --offline=true "$unit" >"$work/security" 2>&1 || true
  exposure=$(grep -o 'Overall exposure level for [^:]*: [0-9.]*' "$work/security" | grep -o '[0-9.]*$')
  [ -n "$exposure" ] || { cat "$work/security" >&2; fail "no exposure level from systemd-analyze security"; }
  awk -v e="$exposure" 'BEGIN { exit !(e <= 2.0) }' ||
    { cat "$work/security" >&2; fail "the unit's exposure level is $exposure (above 2.0)"; }
  echo "unit: verifies; systemd-analyze security exposure $exposure"
else
  echo "unit: systemd-analyze not installed; the unit file was not verified"
fi
echo "ok"
