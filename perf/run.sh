#!/bin/sh
# perf/run.sh - the whole Osprey-vs-peers comparison in one command, bounded
# in time: builds pf-load, pf-peer (and Osprey when no built node is found)
# in build-perf/, runs perf/bench/bench.py under a hard timeout, then renders
# perf/results/<UTC date>/report.md with its SVG plots.
#
#   perf/run.sh [bench.py options...]        e.g. --zipf-docs 1000000 --rounds 3
# Environment: PF_OUT (results dir), PF_BUILD (build dir), PF_TIMEOUT (hard
# limit in seconds, default 2400), OSPREY_BIN (an osprey launcher to test).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
build=${PF_BUILD:-$repo/build-perf}
out=${PF_OUT:-$repo/perf/results/$(date -u +%Y-%m-%d)}
limit=${PF_TIMEOUT:-2400}

[ -f "$build/build.ninja" ] || meson setup "$build" "$repo" >/dev/null
ninja -C "$build" -j2 perf/loadgen/pf-load perf/peers/pf-peer perf/corpus/pf-zipfgen \
    perf/storage-search/bench_search >/dev/null
# The node under test is the current tree's; if it does not build, say so and
# let bench.py fall back to build/osprey.
if [ -z "${OSPREY_BIN:-}" ]; then
    ninja -C "$build" -j2 osprey control/osprey-control dataplane/osprey-dataplane \
        >"$build/perf-osprey-build.log" 2>&1 ||
        echo "run.sh: osprey did not build in $build (see perf-osprey-build.log)" >&2
fi
export PF_BUILD="$build"
# The budget inside bench.py ends the run cleanly; timeout is the backstop.
budget=$((limit - 120))
timeout --kill-after=30 "$limit" python3 "$here/bench/bench.py" --out "$out" \
    --budget "$budget" "$@"
python3 "$here/report/report.py" "$out"
