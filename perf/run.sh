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
# The node under test is the current tree's. When the working tree does not
# build (someone's change half done), the node is the last commit's: HEAD is
# exported into $build/head-src (files whose bytes did not change keep their
# time stamps, so ninja rebuilds only what a new commit touched) and built in
# $build/head.
head_node() {
    rev=$(git -C "$repo" rev-parse --short HEAD)
    echo "run.sh: the working tree's osprey does not build; testing HEAD $rev" >&2
    tmp="$build/head-new"
    rm -rf "$tmp" && mkdir -p "$tmp" "$build/head-src"
    git -C "$repo" archive HEAD | tar -x -C "$tmp"
    python3 - "$tmp" "$build/head-src" <<'PY'
import filecmp, os, shutil, sys
new, old = sys.argv[1], sys.argv[2]
for root, _, files in os.walk(new):
    for f in files:
        src = os.path.join(root, f)
        dst = os.path.join(old, os.path.relpath(src, new))
        if not (os.path.isfile(dst) and filecmp.cmp(src, dst, shallow=False)):
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            shutil.copy2(src, dst)
            os.utime(dst)
PY
    rm -rf "$tmp"
    [ -f "$build/head/build.ninja" ] ||
        meson setup "$build/head" "$build/head-src" -Dwerror=false >/dev/null
    ninja -C "$build/head" -j2 osprey control/osprey-control dataplane/osprey-dataplane \
        >"$build/perf-osprey-head.log" 2>&1 &&
        OSPREY_BIN="$build/head/osprey" && export OSPREY_BIN PF_NODE_COMMIT="$rev"
}
if [ -z "${OSPREY_BIN:-}" ]; then
    ninja -C "$build" -j2 osprey control/osprey-control dataplane/osprey-dataplane \
        >"$build/perf-osprey-build.log" 2>&1 || head_node ||
        echo "run.sh: HEAD did not build either (see $build/perf-osprey-head.log)" >&2
fi
export PF_BUILD="$build"
# The budget inside bench.py ends the run cleanly; timeout is the backstop.
budget=$((limit - 120))
timeout --kill-after=30 "$limit" python3 "$here/bench/bench.py" --out "$out" \
    --budget "$budget" "$@"
python3 "$here/report/report.py" "$out"
