#!/bin/sh
# install-deps.sh - the only install step: every Debian package Osprey needs to
# build, run and test, plus the npm client used by the client tests.
# Idempotent: apt-get update runs once, and only when something is missing;
# quiet when everything is present. Run as root (or through sudo).
set -eu

PKGS="gcc libc6-dev make pkg-config meson ninja-build git ca-certificates
dpdk-dev liburing-dev libjemalloc-dev libroaring-dev libcmocka-dev liblwip-dev
node-llhttp libhttp-parser-dev libstemmer-dev libutf8proc-dev libzstd-dev
liblz4-dev zlib1g-dev libssl-dev libcurl4-openssl-dev libyaml-dev
libjansson-dev libcjson-dev libjson-c-dev
clang libclang-rt-14-dev
g++ libsqlite3-dev libxapian-dev libpq-dev
python3 python3-yaml python3-elasticsearch
curl iproute2 ethtool procps etcd-server"

# Packages only the perf/ suite's runs need (peer servers, plotting, corpora);
# `--perf` adds them. The peers' client libraries above are always installed
# because perf/ is built with everything else.
PERF_PKGS="sqlite3 postgresql wrk nginx-light gnuplot-nox linux-doc hyperfine"

want="$PKGS"
for arg in "$@"; do
	case "$arg" in
	--perf) want="$want $PERF_PKGS" ;;
	*) echo "install-deps.sh: unknown argument $arg (known: --perf)" >&2; exit 2 ;;
	esac
done

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	SUDO="sudo"
fi

missing=""
for p in $want; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
# The Node client tests need node and npm; use Debian's only when none is present.
if ! command -v npm >/dev/null 2>&1; then
	missing="$missing nodejs npm"
fi

if [ -n "$missing" ]; then
	echo "install-deps: installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	$SUDO apt-get update -qq
	# shellcheck disable=SC2086
	$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

# npm packages of the client tests (pinned by package-lock.json).
root=$(cd "$(dirname "$0")/.." && pwd)
if [ -f "$root/tests/clients/node/package-lock.json" ] &&
   [ ! -d "$root/tests/clients/node/node_modules/@elastic/elasticsearch" ]; then
	echo "install-deps: npm ci in tests/clients/node"
	# A failure is reported, not fatal: only the Node client test needs it,
	# and that test fails clearly without it.
	npm ci --loglevel=error --no-audit --no-fund --prefix "$root/tests/clients/node" >/dev/null ||
		echo "install-deps: WARNING: npm ci failed; the Node client test will fail" >&2
fi
exit 0
