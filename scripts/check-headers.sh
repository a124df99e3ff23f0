#!/bin/sh
# Compile every public header alone (DPDK's check_includes): a header must
# include what it uses. Usage: check-headers.sh SRCROOT CC
set -eu
root=$1; cc=${2:-cc}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
n=0
for h in "$root"/include/osprey/*.h; do
	name=$(basename "$h")
	printf '#include "osprey/%s"\n#include "osprey/%s"\n' "$name" "$name" > "$tmp/t.c"
	"$cc" -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Werror -fsyntax-only -I"$root/include" \
		$(pkg-config --cflags libdpdk 2>/dev/null) "$tmp/t.c" || { echo "FAIL: $name"; exit 1; }
	n=$((n + 1))
done
echo "$n headers compile alone"
