#!/bin/sh
# fuzz-long.sh TARGET SECONDS [BUILD_DIR] - run one libFuzzer target for longer
# than the short run of `meson test --suite fuzz`.
# Builds BUILD_DIR (default build-fuzz: CC=clang -Dfuzz=true) if needed, grows a
# working corpus in BUILD_DIR/tests/fuzz/corpus-TARGET seeded from
# tests/fuzz/corpus/TARGET, and leaves crashes as BUILD_DIR/tests/fuzz/crash-TARGET-*.
# One fuzzing process: the machine is shared. Exit status is libFuzzer's.
set -eu
if [ $# -lt 2 ]; then
	echo "usage: $0 TARGET SECONDS [BUILD_DIR]" >&2
	exit 2
fi
target=$1; secs=$2
root=$(cd "$(dirname "$0")/.." && pwd)
build=${3:-$root/build-fuzz}
cd "$root"
if [ ! -f "$build/build.ninja" ]; then
	CC=clang meson setup "$build" -Dfuzz=true -Db_lundef=false
fi
ninja -C "$build" -j2 "tests/fuzz/fuzz_$target"
work="$build/tests/fuzz/corpus-$target"
mkdir -p "$work"
dict=
[ -f "tests/fuzz/$target.dict" ] && dict="-dict=tests/fuzz/$target.dict"
exec "$build/tests/fuzz/fuzz_$target" -max_total_time="$secs" -timeout=10 $dict \
	-rss_limit_mb=2048 -print_final_stats=1 \
	-artifact_prefix="$build/tests/fuzz/crash-$target-" \
	"$work" "tests/fuzz/corpus/$target"
