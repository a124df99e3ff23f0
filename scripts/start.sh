#!/bin/sh
# start.sh - install what is missing, build, and run one node in the
# foreground on 127.0.0.1:9200 (kernel backend). Extra arguments go to the
# launcher, e.g. scripts/start.sh -E http.port=9201 -E path.data=/tmp/n2.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
scripts/install-deps.sh
if [ ! -f build/build.ninja ]; then
	meson setup build >build.setup.log 2>&1 || { cat build.setup.log; exit 1; }
fi
ninja -C build >build.ninja.log 2>&1 || { tail -50 build.ninja.log; exit 1; }
exec build/osprey -c config/osprey.yml "$@"
