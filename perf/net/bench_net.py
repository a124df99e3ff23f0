#!/usr/bin/python3
"""bench_net.py - the dpdk backend against the kernel backend on the same veth path.

Two nodes run side by side in a server network namespace, each on its own
veth pair to a client namespace (tests/integration/dpdk_net.py): one on the
dpdk backend (net_af_packet on its veth end, lwIP), one on the kernel backend
(io_uring sockets on the other veth's address). Checksum offloads are off on
both pairs (lwIP needs real checksums), so both see the same path. From the
client namespace the same wrk command loads each node in turn, interleaved,
for several rounds:

    GET /                       the HTTP + network floor
    POST /bench/_search         a term query on a 2,000-document index

and prints requests/s, p50 and p99 per run, the median and spread per
(backend, workload), and the network core's busy TSC cycles per request
taken from _nodes/stats (osprey.network.cycles) before and after each run.
A benchmark, not a test: it asserts nothing about speed. Needs root, ip,
ethtool and wrk; bounded by --duration x rounds x 4 runs.

    perf/net/bench_net.py [--build DIR] [--rounds 3] [--duration 8]
        [--connections 32] [--threads 1] [--dpdk-idle-us -1] [--json FILE]
"""
import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, 'tests', 'integration'))
os.environ['OSPREY_TEST_NET'] = 'dpdk'
import dpdk_net  # noqa: E402
import harness  # noqa: E402

WORDS = ('alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike '
         'november oscar papa quebec romeo sierra tango uniform victor whiskey xray').split()
SEARCH = {'query': {'term': {'title': 'kilo'}}, 'size': 10}
WORKLOADS = ('root', 'search')
UNIT_MS = {'us': 0.001, 'ms': 1.0, 's': 1000.0}


def http(url, method='GET', body=None, ctype='application/json'):
    req = urllib.request.Request(url, data=body, method=method, headers={'Content-Type': ctype})
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.loads(r.read())


def load_index(url):
    http(url + '/bench', 'PUT', json.dumps({'settings': {'number_of_shards': 1,
                                                          'number_of_replicas': 0}}).encode())
    lines = []
    for i in range(2000):
        title = ' '.join(WORDS[(i * 7 + k * 5) % len(WORDS)] for k in range(6))
        lines.append(json.dumps({'index': {'_index': 'bench', '_id': str(i)}}))
        lines.append(json.dumps({'title': title, 'n': i}))
    r = http(url + '/_bulk?refresh=true', 'POST', ('\n'.join(lines) + '\n').encode(),
             'application/x-ndjson')
    assert not r['errors'], 'bulk load failed'


def net_stats(url):
    nodes = http(url + '/_nodes/stats')['nodes']
    return list(nodes.values())[0]['osprey']['network']


def parse_ms(s):
    m = re.match(r'([\d.]+)(us|ms|s)$', s)
    return float(m.group(1)) * UNIT_MS[m.group(2)] if m else float('nan')


def wrk(url, workload, args, script_dir):
    cmd = ['wrk', '-t%d' % args.threads, '-c%d' % args.connections, '-d%ds' % args.duration,
           '--latency', '--timeout', '5s']
    if workload == 'search':
        cmd += ['-s', os.path.join(script_dir, 'search.lua'), url + '/bench/_search']
    else:
        cmd += [url + '/']
    out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                         timeout=args.duration + 60).stdout
    res = {'rps': float('nan'), 'p50': float('nan'), 'p99': float('nan'), 'errors': 0}
    for line in out.splitlines():
        parts = line.split()
        if line.startswith('Requests/sec:'):
            res['rps'] = float(parts[1])
        elif len(parts) == 2 and parts[0] == '50%':
            res['p50'] = parse_ms(parts[1])
        elif len(parts) == 2 and parts[0] == '99%':
            res['p99'] = parse_ms(parts[1])
        elif 'Non-2xx' in line or 'Socket errors' in line:
            res['errors'] += sum(int(x) for x in re.findall(r'\d+', line))
    if res['rps'] != res['rps']:
        sys.stderr.write('wrk output not understood:\n' + out)
    return res


def spread(vals):
    vals = [v for v in vals if v == v]
    if not vals:
        return 'n/a'
    return '%.0f [%.0f-%.0f]' % (statistics.median(vals), min(vals), max(vals)) if max(vals) >= 100 \
        else '%.3f [%.3f-%.3f]' % (statistics.median(vals), min(vals), max(vals))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--build', default=os.path.join(REPO, 'build'), help='meson build dir with osprey')
    ap.add_argument('--rounds', type=int, default=3)
    ap.add_argument('--duration', type=int, default=8, help='seconds per wrk run')
    ap.add_argument('--connections', type=int, default=32)
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--dpdk-idle-us', default='-1',
                    help='dataplane.idle_sleep_us of the dpdk node (-1: the default; 0: busy poll)')
    ap.add_argument('--kernel-idle-us', default='-1', help='dataplane.idle_sleep_us of the kernel node')
    ap.add_argument('--json', help='write every run here')
    args = ap.parse_args()
    if shutil.which('wrk') is None:
        print('bench_net: wrk is not installed')
        return 1
    why = dpdk_net.missing()
    if why:
        print('bench_net: needs network namespaces: %s' % why)
        return 1
    os.environ['OSPREY_BUILD_ROOT'] = os.path.abspath(args.build)
    script_dir = tempfile.mkdtemp(prefix='bench-net-')
    with open(os.path.join(script_dir, 'search.lua'), 'w') as f:
        f.write('wrk.method = "POST"\nwrk.body = %s\nwrk.headers["Content-Type"] = "application/json"\n'
                % json.dumps(json.dumps(SEARCH)))
    nodes = {}
    runs = []
    try:
        nodes['dpdk'] = harness.Node(name='bench-dpdk', settings={
            'dataplane.idle_sleep_us': args.dpdk_idle_us})
        k = harness.Node(name='bench-kernel')
        k.settings.update(k.link.kernel_settings())
        k.settings['dataplane.idle_sleep_us'] = args.kernel_idle_us
        nodes['kernel'] = k
        for name, n in nodes.items():
            n.start()
            load_index(n.url)
            print('%s node: %s (%s)' % (name, n.url, net_stats(n.url)['driver']))
        sys.stdout.flush()
        for r in range(args.rounds):
            order = ('dpdk', 'kernel') if r % 2 == 0 else ('kernel', 'dpdk')
            for wl in WORKLOADS:
                for name in order:
                    url = nodes[name].url
                    before = net_stats(url)
                    res = wrk(url, wl, args, script_dir)
                    after = net_stats(url)
                    reqs = after['requests'] - before['requests']
                    busy = after['cycles']['busy'] - before['cycles']['busy']
                    idle = after['cycles']['idle'] - before['cycles']['idle']
                    res.update(round=r, backend=name, workload=wl,
                               cycles_per_req=busy / reqs if reqs else float('nan'),
                               busy_pct=100.0 * busy / (busy + idle) if busy + idle else float('nan'))
                    runs.append(res)
                    print('round %d %-6s %-6s %9.0f req/s  p50 %7.3f ms  p99 %7.3f ms  '
                          '%7.0f cycles/req  busy %5.1f%%  errors %d'
                          % (r, name, wl, res['rps'], res['p50'], res['p99'], res['cycles_per_req'],
                             res['busy_pct'], res['errors']))
                    sys.stdout.flush()
    finally:
        for n in nodes.values():
            n.stop()
            n.cleanup()
        shutil.rmtree(script_dir, ignore_errors=True)
        dpdk_net.drop()
    print('\nmedian [min-max] over %d rounds, wrk -t%d -c%d -d%ds:' % (
        args.rounds, args.threads, args.connections, args.duration))
    print('%-7s %-7s %22s %22s %22s %22s' % ('wl', 'backend', 'req/s', 'p50 ms', 'p99 ms', 'cycles/req'))
    for wl in WORKLOADS:
        for name in ('dpdk', 'kernel'):
            rs = [x for x in runs if x['workload'] == wl and x['backend'] == name]
            print('%-7s %-7s %22s %22s %22s %22s' % (
                wl, name, spread([x['rps'] for x in rs]), spread([x['p50'] for x in rs]),
                spread([x['p99'] for x in rs]), spread([x['cycles_per_req'] for x in rs])))
        d = [x['rps'] for x in runs if x['workload'] == wl and x['backend'] == 'dpdk']
        kr = [x['rps'] for x in runs if x['workload'] == wl and x['backend'] == 'kernel']
        if d and kr:
            print('%-7s dpdk/kernel req/s (median of per-round ratios): %.2f' % (
                wl, statistics.median(a / b for a, b in zip(d, kr))))
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(runs, f, indent=1)
    return 0


if __name__ == '__main__':
    sys.exit(main())
