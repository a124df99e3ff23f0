#!/bin/sh
# perf/storage-bench/run.sh - the storage-level side by side in one command:
# Osprey's storage engine, Xapian and SQLite FTS5, all in-process (no HTTP),
# on the same corpora and queries as perf/run.sh.
#
#   perf/storage-bench/run.sh [--corpora debian,zipf] [--zipf-docs N]
#       [--rounds R] [--queries N] [--work DIR] [--out FILE] [--source]
#
# Builds storage-bench in build-storage-bench/ (or $STORAGE_BENCH_BUILD),
# builds (once, cached in
# WORK/corpus as perf/bench does) each corpus and its queries, runs
# storage-bench per corpus and appends its Markdown tables to FILE
# (default perf/results/<UTC date>/storage-side-by-side.md). Indexes go to
# WORK/storage-bench/<corpus>/ and are rebuilt every run. Every step is
# bounded by timeout(1).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
corpora=debian,zipf
zipf_docs=1000000
rounds=5
queries=50
work=/var/tmp/osprey-perf
out=
source_flag=
while [ $# -gt 0 ]; do
	case "$1" in
	--corpora) corpora=$2; shift 2 ;;
	--zipf-docs) zipf_docs=$2; shift 2 ;;
	--rounds) rounds=$2; shift 2 ;;
	--queries) queries=$2; shift 2 ;;
	--work) work=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--source) source_flag=-s; shift ;;
	*) echo "usage: $0 [--corpora debian,zipf] [--zipf-docs N] [--rounds R]" \
		"[--queries N] [--work DIR] [--out FILE] [--source]" >&2; exit 1 ;;
	esac
done
[ -n "$out" ] || out=$root/perf/results/$(date -u +%F)/storage-side-by-side.md
mkdir -p "$(dirname "$out")" "$work/corpus" "$work/storage-bench"
build=${STORAGE_BENCH_BUILD:-$root/build-storage-bench}
[ -f "$build/build.ninja" ] || meson setup "$build" "$root" >/dev/null
timeout 1800 ninja -C "$build" -j2 perf/storage-bench/storage-bench >&2
py=/usr/bin/python3
for c in $(echo "$corpora" | tr , ' '); do
	case "$c" in
	zipf) dir=$work/corpus/zipf-$zipf_docs-42; docs_arg="--docs $zipf_docs" ;;
	*) dir=$work/corpus/$c-all-42; docs_arg= ;;
	esac
	if [ ! -f "$dir/meta.json" ]; then
		# shellcheck disable=SC2086
		timeout 1800 $py "$root/perf/corpus/build_corpus.py" "$c" "$dir" --seed 42 $docs_arg
	fi
	if [ ! -f "$dir/queries/stats.json" ]; then
		timeout 1800 $py "$root/perf/workload/make_queries.py" "$dir" "$dir/queries"
	fi
	echo "storage-bench: $c ($dir)" >&2
	# shellcheck disable=SC2086
	timeout 5400 "$build/perf/storage-bench/storage-bench" -c "$dir" \
		-w "$work/storage-bench/$c" -r "$rounds" -n "$queries" -l "$c" -o "$out" $source_flag
done
echo "storage-bench: results appended to $out" >&2
