"""httpbench.py - Osprey's HTTP layer against nginx, and its cost per search.

1. Requests/s, the same `wrk` command against Osprey and against nginx
   serving a response of the same bytes: `GET /` and a term search (GET
   with a JSON body, which Elasticsearch accepts and nginx's static module
   discards). nginx runs on loopback from a config written into a temporary
   directory (worker_processes = Osprey's network cores, keep-alive,
   access_log off), started and stopped by PID. Runs alternate
   Osprey/nginx, `rounds` times each; the median counts.
2. HTTP overhead per search: the same query on the same data in-process and
   over HTTP. In-process is perf/storage-search's bench_search (top-10 on
   one segment of its synthetic Zipfian corpus, median of its runs); the
   Osprey index is that corpus, regenerated here draw for draw from the same
   xorshift generator, loaded and force-merged to one segment; over HTTP it
   is pf-load, one connection, closed loop (p50). Overhead = HTTP p50 minus
   in-process median: parsing, routing, the rings to the worker, the fetch of
   ten ids, the reply.
Figures go to res['http']."""
import bisect
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import servers

NETWORK_CORES = 1      # the kernel backend runs one network core
SYNTH_DOCS = 10000     # bench_search [docs]: small enough that a search costs tens of us
# bench_search's queries (name as it prints them -> query) measured over HTTP
QUERIES = [
    ('term mid (w50)', {'match': {'body': 'w50'}}),
    ('or 2 frequent+rare', {'match': {'body': 'w2 w900'}}),
    ('or 4 mixed', {'match': {'body': 'w3 w40 w400 w2000'}}),
    ('and 2', {'match': {'body': {'query': 'w5 w60', 'operator': 'and'}}}),
]
# the requests/s comparison: a term search on a rarer word (~2% of docs)
SEARCH = {'match': {'body': 'w900'}}
MASK = (1 << 64) - 1


def synth_corpus(path, ndocs=SYNTH_DOCS):
    """bench_search.c's build(): xorshift64 from its seed, Zipf(1) over 5000
    words by inverse CDF, 20 + rnd(200) words a doc, n = rnd(1000)."""
    if os.path.exists(path):
        return path
    vocab = 5000
    s = 0.0
    for i in range(vocab):
        s += 1.0 / (i + 1)
    cdf, acc = [], 0.0
    for i in range(vocab):
        acc += 1.0 / (i + 1) / s
        cdf.append(acc)
    rng = 88172645463325252
    tmp = path + '.tmp'
    with open(tmp, 'w') as f:
        for d in range(ndocs):
            words = []
            rng ^= (rng << 13) & MASK
            rng ^= rng >> 7
            rng ^= (rng << 17) & MASK
            length = 20 + rng % 200
            for _ in range(length):
                rng ^= (rng << 13) & MASK
                rng ^= rng >> 7
                rng ^= (rng << 17) & MASK
                u = (rng % (1 << 30)) / (1 << 30)
                words.append('w%d' % bisect.bisect_left(cdf, u, 0, vocab - 1))
            rng ^= (rng << 13) & MASK
            rng ^= rng >> 7
            rng ^= (rng << 17) & MASK
            f.write('{"body":"%s","n":%d}\n' % (' '.join(words), rng % 1000))
    os.rename(tmp, path)
    return path


def wrk(url, duration, conns, script=None):
    cmd = ['wrk', '-t1', '-c%d' % conns, '-d%ds' % duration, '--latency']
    if script:
        cmd += ['-s', script]
    p = subprocess.run(cmd + [url], capture_output=True, text=True, timeout=duration + 60)
    m = re.search(r'Requests/sec:\s+([\d.]+)', p.stdout)
    if p.returncode or not m:
        raise RuntimeError('wrk %s: %s' % (url, (p.stderr or p.stdout)[-300:]))
    errs = re.search(r'Non-2xx or 3xx responses: (\d+)', p.stdout)
    lat = re.search(r'50%\s+([\d.]+)(us|ms|s)', p.stdout)
    p50 = None
    if lat:
        p50 = float(lat.group(1)) * {'us': 1e-3, 'ms': 1.0, 's': 1e3}[lat.group(2)]
    return {'rps': float(m.group(1)), 'non2xx': int(errs.group(1)) if errs else 0, 'p50_ms': p50,
            'cmd': ' '.join(cmd + ['URL'])}


class Nginx:
    """nginx on 127.0.0.1 serving fixed bodies at fixed paths, from a
    config in its own temporary directory; stopped by PID."""

    def __init__(self, work, bodies, workers):
        self.tmp = tempfile.mkdtemp(prefix='nginx-perf-', dir=work)
        self.port = servers.free_port()
        self.proc = None
        locs = []
        for i, (path, body) in enumerate(sorted(bodies.items())):
            with open(os.path.join(self.tmp, 'b%d.json' % i), 'wb') as f:
                f.write(body)
            locs.append('location = %s { try_files /b%d.json =404; }' % (path, i))
        # as root, workers would switch to nobody, who may not reach tmp
        user = 'user root;\n' if os.geteuid() == 0 else ''
        conf = user + '''daemon off;
master_process on;
worker_processes %d;
pid %s/nginx.pid;
error_log %s/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  keepalive_timeout 65;
  keepalive_requests 1000000;
  etag off;
  server_tokens off;
  default_type application/json;
  client_body_temp_path %s/body;
  proxy_temp_path %s/proxy;
  fastcgi_temp_path %s/fastcgi;
  uwsgi_temp_path %s/uwsgi;
  scgi_temp_path %s/scgi;
  server {
    listen 127.0.0.1:%d;
    root %s;
    %s
  }
}
''' % ((workers,) + (self.tmp,) * 7 + (self.port, self.tmp, '\n    '.join(locs)))
        self.conf = os.path.join(self.tmp, 'nginx.conf')
        with open(self.conf, 'w') as f:
            f.write(conf)

    def start(self):
        self.proc = subprocess.Popen(['nginx', '-c', self.conf, '-p', self.tmp],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     start_new_session=True)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError('nginx exited: %s' % open(self.tmp + '/error.log').read()[-300:])
            try:
                with socket.create_connection(('127.0.0.1', self.port), timeout=1):
                    return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError('nginx did not listen')

    @property
    def url(self):
        return 'http://127.0.0.1:%d' % self.port

    def stop(self):
        if self.proc and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGQUIT)  # graceful: master stops its workers
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=5)
        shutil.rmtree(self.tmp, ignore_errors=True)


def lua_get_with_body(path, body, out):
    with open(out, 'w') as f:
        f.write('wrk.method = "GET"\nwrk.path = %s\nwrk.body = %s\n'
                'wrk.headers["Content-Type"] = "application/json"\n' % (
                    json.dumps(path), json.dumps(body)))
    return out


def inprocess(bench, runs):
    """bench_search's top-10 median (us) per query name."""
    p = subprocess.run([bench, str(SYNTH_DOCS), str(runs)], capture_output=True, text=True,
                       timeout=900)
    if p.returncode:
        raise RuntimeError('bench_search: %s' % p.stderr[-300:])
    out = {}
    for line in p.stdout.splitlines():
        m = re.match(r'^(.{22}) +(\d+) +([\d.]+) +([\d.]+) +([\d.]+) +([\d.]+)x', line)
        if m:
            out[m.group(1).strip()] = float(m.group(3))
    return out


def run(ctx, osprey, rounds=3, duration=5, conns=16):
    a, res, log = ctx['a'], ctx['res'], ctx['log']
    if not shutil.which('wrk') or not shutil.which('nginx'):
        res['notes'].append('http benchmark: wrk or nginx missing '
                            '(scripts/install-deps.sh --perf)')
        return
    need = 4 * rounds * (duration + 2) + 240
    if not ctx['budget'].allow('http benchmark', need):
        return
    node = osprey.node
    h = res['http'] = {'wrk_conns': conns, 'wrk_duration_s': duration, 'rounds': rounds,
                       'synth_docs': SYNTH_DOCS,
                       'nginx_workers': NETWORK_CORES}
    # the synthetic corpus in Osprey, one segment
    log('http: synthetic corpus (%d docs) into osprey' % SYNTH_DOCS)
    corpus = synth_corpus(os.path.join(a.work, 'corpus', 'synth-%d.ndjson' % SYNTH_DOCS))
    mapping = json.dumps({'settings': {'number_of_shards': 1, 'number_of_replicas': 0,
                                       'refresh_interval': '-1',
                                       'translog': {'durability': 'async'}},
                          'mappings': {'properties': {'body': {'type': 'text'},
                                                      'n': {'type': 'long'}}}})
    h['synth_load_s'] = node.load('pfsynth', mapping, corpus)
    st, body = node.request('POST', '/pfsynth/_forcemerge?max_num_segments=1')
    if st != 200:
        res['notes'].append('http: forcemerge %d %s' % (st, body[:200]))
    # 1. requests/s against nginx with the same bodies
    search = {'size': 10, 'track_total_hits': False, '_source': False, 'query': SEARCH}
    sbody = json.dumps(search)
    st, root = node.request('GET', '/')
    st2, sres = node.request('GET', '/pfsynth/_search', sbody)
    if st != 200 or st2 != 200:
        raise RuntimeError('osprey GET / %d, search %d' % (st, st2))
    h['bytes'] = {'root': len(root), 'search': len(sres)}
    script = lua_get_with_body('/pfsynth/_search', sbody, os.path.join(ctx['work'], 'search.lua'))
    ng = Nginx(ctx['work'], {'/': root, '/pfsynth/_search': sres}, NETWORK_CORES).start()
    try:
        for what, path, scr in (('root', '/', None), ('search', '/pfsynth/_search', script)):
            runs = {'osprey': [], 'nginx': []}
            for _ in range(rounds):
                for name, url in (('osprey', node.url), ('nginx', ng.url)):
                    r = wrk(url + path, duration, conns, scr)
                    runs[name].append(r)
                    log('http %s %s: %.0f req/s' % (what, name, r['rps']))
            h[what] = {n: {'rps': sorted(x['rps'] for x in v)[len(v) // 2],
                           'non2xx': sum(x['non2xx'] for x in v),
                           'all_rps': [x['rps'] for x in v]} for n, v in runs.items()}
            h[what]['ratio'] = h[what]['osprey']['rps'] / h[what]['nginx']['rps']
            h['wrk_cmd'] = runs['osprey'][0]['cmd']
    finally:
        ng.stop()
    # 2. HTTP overhead per search
    bench = os.path.join(ctx['build'], 'perf', 'storage-search', 'bench_search')
    if not os.access(bench, os.X_OK):
        res['notes'].append('http overhead: %s not built' % bench)
        return
    inproc = inprocess(bench, 101)
    rows = []
    for name, q in QUERIES:
        if name not in inproc:
            continue
        req = os.path.join(ctx['work'], 'synth-%d.txt' % len(rows))
        b = json.dumps({'size': 10, 'track_total_hits': False, '_source': False,
                        'query': q}).encode()
        with open(req, 'wb') as f:
            f.write(b'POST /pfsynth/_search %d\n' % len(b) + b + b'\n')
        out = os.path.join(ctx['runs'], 'http-overhead-%d.json' % len(rows))
        subprocess.run([ctx['pf_load'], '-u', node.url, '-f', req, '-q', '-j', out, '-l',
                        'osprey/http/' + name, '-w', '0.5', '-d', str(a.duration), '--closed',
                        '-c', '1'], check=True, capture_output=True, timeout=a.duration + 60)
        with open(out) as f:
            p50 = json.load(f)['latency_us']['p50']
        rows.append({'query': name, 'inprocess_us': inproc[name], 'http_p50_us': p50,
                     'overhead_us': p50 - inproc[name]})
        log('http overhead %s: %.0f - %.0f = %.0f us' % (name, p50, inproc[name],
                                                         p50 - inproc[name]))
    h['overhead'] = rows
    if rows:
        ov = sorted(r['overhead_us'] for r in rows)
        h['overhead_median_us'] = ov[len(ov) // 2]
    node.drop('pfsynth')
