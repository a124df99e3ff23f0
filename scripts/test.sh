#!/bin/sh
# test.sh - install what is missing, build, and run every test suite:
#   build/       gcc, -O2 -g: unit, integration, conformance, clients, crash
#   build-asan/  gcc with AddressSanitizer + UndefinedBehaviorSanitizer: unit, and
#                the REST conformance suite against a sanitized node
#   build-fuzz/  clang with libFuzzer: short runs of every fuzz target
# Prints meson's summaries, then one closing line "N passed, N failed, N skipped".
# Exit status is non-zero when anything failed.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
scripts/install-deps.sh || exit 1
jobs=$(nproc 2>/dev/null || echo 2)
status=0

build() { # dir, setup args...
	dir=$1; shift
	if [ ! -f "$dir/build.ninja" ]; then
		meson setup "$dir" "$@" >"$dir.setup.log" 2>&1 || { cat "$dir.setup.log"; return 1; }
		rm -f "$dir.setup.log"
	fi
	ninja -C "$dir" -j "$jobs" >"$dir.ninja.log" 2>&1 || { tail -50 "$dir.ninja.log"; return 1; }
	rm -f "$dir.ninja.log"
}

suite() { # dir, meson test args...
	dir=$1; shift
	echo "== meson test -C $dir $*"
	meson test -C "$dir" --num-processes "$jobs" --print-errorlogs "$@" || status=1
}

build build || exit 1
suite build --no-suite fuzz
build build-asan -Db_sanitize=address,undefined -Db_lundef=false || exit 1
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	suite build-asan --suite unit --suite conformance
CC=clang build build-fuzz -Dfuzz=true -Db_lundef=false || exit 1
suite build-fuzz --suite fuzz

/usr/bin/python3 scripts/test-summary.py build build-asan build-fuzz || status=1
exit $status
