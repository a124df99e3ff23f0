#!/usr/bin/python3
"""bench.py - the whole comparison in one run, bounded in time.

Steps (each skipped, and said so in the results, once the time budget is
spent): build the corpora (cached by name/size/seed in the work directory);
draw the queries; index every corpus in every engine (indexing time, index
size); run every category on every engine, interleaved (category by
category, the engine order rotating each round) so drift on a shared
machine hits all engines alike; Osprey's _bulk ingest; latency against
offered load up to saturation; Osprey's HTTP layer against nginx
(httpbench.py); cost against corpus size on prefixes of one Zipfian corpus
(scale.py, planned by time and disk left). --steps picks the steps (a
separate `--steps scale --scale 1000000,10000000` run writes into a
subdirectory of the day's results, which report.py merges). Writes
OUT/results.json, then perf/report renders it.

usage: bench.py --out DIR [--corpora debian,linuxdoc,zipf] [--zipf-docs N]
                [--scale N,N,...] [--engines osprey,sqlite-fts5,xapian,postgresql]
                [--steps categories,bulk,http,curve,scale]
                [--duration S] [--warmup S] [--rounds N] [--budget S]
"""
import argparse
import datetime
import json
import os
import platform
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PERF = os.path.dirname(HERE)
REPO = os.path.dirname(PERF)
sys.path.insert(0, HERE)
import engines  # noqa: E402
import httpbench  # noqa: E402
import scale  # noqa: E402
import servers  # noqa: E402


def log(msg):
    print('[%s] %s' % (time.strftime('%H:%M:%S'), msg), flush=True)


def machine():
    info = {'kernel': platform.release(), 'cpus': os.cpu_count(), 'python': platform.python_version()}
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    info['cpu'] = line.split(':', 1)[1].strip()
                    break
        with open('/proc/meminfo') as f:
            info['mem_gib'] = round(int(f.readline().split()[1]) / 1048576, 1)
        info['loadavg_start'] = open('/proc/loadavg').read().split()[:3]
    except OSError:
        pass
    info['node_commit'] = os.environ.get('PF_NODE_COMMIT', 'the working tree')
    try:
        info['commit'] = subprocess.run(['git', '-C', REPO, 'rev-parse', '--short', 'HEAD'],
                                        capture_output=True, text=True).stdout.strip()
    except OSError:
        pass
    return info


class Budget:
    def __init__(self, seconds):
        self.end = time.monotonic() + seconds
        self.skipped = []

    def left(self):
        return self.end - time.monotonic()

    def allow(self, what, need):
        if self.left() >= need:
            return True
        self.skipped.append(what)
        log('budget: skipping %s' % what)
        return False


def build_corpus(work, name, docs, seed, queries=True):
    d = os.path.join(work, 'corpus', '%s-%s-%d' % (name, docs or 'all', seed))
    if not os.path.exists(os.path.join(d, 'meta.json')):
        args = [sys.executable, os.path.join(PERF, 'corpus', 'build_corpus.py'), name, d,
                '--seed', str(seed)]
        if docs:
            args += ['--docs', str(docs)]
        subprocess.run(args, check=True, timeout=3600)
    if queries and not os.path.exists(os.path.join(d, 'queries', 'stats.json')):
        subprocess.run([sys.executable, os.path.join(PERF, 'workload', 'make_queries.py'), d,
                        os.path.join(d, 'queries')], check=True, timeout=1800)
    return d


def summary(r):
    lat = r['latency_us']
    return {'p50_ms': lat['p50'] / 1000, 'p90_ms': lat['p90'] / 1000, 'p99_ms': lat['p99'] / 1000,
            'p999_ms': lat['p99_9'] / 1000, 'max_ms': lat['max'] / 1000,
            'mean_ms': lat['mean'] / 1000, 'throughput': r['throughput'],
            'requests': r['requests'], 'errors': r['errors'] + r.get('non2xx', 0),
            'rate': r.get('rate', 0)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--out', required=True)
    ap.add_argument('--work', default='/var/tmp/osprey-perf')
    ap.add_argument('--corpora', default='debian,linuxdoc,zipf')
    ap.add_argument('--zipf-docs', type=int, default=100000)
    ap.add_argument('--scale', default='10000,100000,1000000')
    ap.add_argument('--steps', default='categories,bulk,http,curve,scale')
    ap.add_argument('--engines', default='osprey,sqlite-fts5,xapian,postgresql')
    ap.add_argument('--duration', type=float, default=2.0)
    ap.add_argument('--warmup', type=float, default=0.5)
    ap.add_argument('--rounds', type=int, default=1)
    ap.add_argument('--curve-category', default='MedTerm')
    ap.add_argument('--curve-start', type=float, default=25)
    ap.add_argument('--curve-steps', type=int, default=12)
    ap.add_argument('--budget', type=float, default=1500)
    ap.add_argument('--seed', type=int, default=42)
    a = ap.parse_args()
    budget = Budget(a.budget)
    os.makedirs(a.out, exist_ok=True)
    os.makedirs(a.work, exist_ok=True)
    runs = os.path.join(a.out, 'runs')
    os.makedirs(runs, exist_ok=True)
    build_dir = os.environ.get('PF_BUILD', os.path.join(REPO, 'build-perf'))
    pf_load = os.path.join(build_dir, 'perf', 'loadgen', 'pf-load')
    pf_peer = os.path.join(build_dir, 'perf', 'peers', 'pf-peer')
    scratch = os.path.join(a.work, 'run-%d' % os.getpid())
    os.makedirs(scratch, exist_ok=True)
    res = {'started': datetime.datetime.now(datetime.timezone.utc).isoformat(timespec='seconds'),
           'machine': machine(), 'config': vars(a), 'notes': [], 'corpora': {}, 'curve': {},
           'scaling': []}
    want = a.engines.split(',')
    steps = set(a.steps.split(','))
    # the engines index the corpora only for the steps that query them
    index_corpora = bool(steps & {'categories', 'bulk', 'curve'})
    eng = []
    try:
        # -- engines -----------------------------------------------------------
        if 'osprey' in want:
            binary = servers.find_osprey(REPO)
            if binary:
                with open(os.path.join(PERF, 'workloads', 'osprey', 'mapping.json')) as f:
                    mapping = f.read()
                eng.append(engines.OspreyEngine(binary, pf_load, scratch, mapping))
                res['machine']['osprey'] = binary
                dp = os.path.join(os.path.dirname(binary), 'dataplane', 'osprey-dataplane')
                res['machine']['osprey_built'] = datetime.datetime.fromtimestamp(
                    os.path.getmtime(dp), datetime.timezone.utc).isoformat(timespec='minutes')
            else:
                res['notes'].append('osprey binary not found (build it, or set OSPREY_BIN)')
        for n in ('sqlite-fts5', 'xapian'):
            if n in want:
                eng.append(engines.PeerEngine(n, pf_peer, scratch))
        if 'postgresql' in want:
            if servers.Postgres.available():
                try:
                    eng.append(engines.PgEngine(pf_peer, scratch))
                except RuntimeError as e:
                    res['notes'].append('postgresql not started: %s' % e)
            else:
                res['notes'].append('postgresql not installed')
        log('engines: %s' % ', '.join(e.name for e in eng))
        # -- corpora, indexing ---------------------------------------------------
        corpora = {}
        for name in a.corpora.split(','):
            if not budget.allow('corpus %s' % name, 60):
                continue
            log('corpus %s' % name)
            docs = a.zipf_docs if name == 'zipf' else 0
            corpora[name] = build_corpus(a.work, name, docs, a.seed)
            with open(os.path.join(corpora[name], 'meta.json')) as f:
                meta = json.load(f)
            if not index_corpora:
                continue
            c = res['corpora'][name] = {'docs': meta['docs'], 'builds': {}, 'categories': {}}
            for e in eng:
                if not budget.allow('index %s/%s' % (e.name, name), 30):
                    continue
                log('index %s in %s' % (name, e.name))
                try:
                    c['builds'][e.name] = e.build(name, corpora[name])
                except (RuntimeError, subprocess.SubprocessError) as ex:
                    res['notes'].append('index %s/%s failed: %s' % (e.name, name, ex))
        # -- categories, interleaved ---------------------------------------------
        for rnd in range(a.rounds if 'categories' in steps else 0):
            for name, cdir in corpora.items():
                c = res['corpora'][name]
                for cat in engines.CATEGORIES:
                    order = eng[rnd % max(1, len(eng)):] + eng[:rnd % max(1, len(eng))]
                    for e in order:
                        if e.name not in c['builds']:
                            continue
                        if not budget.allow('%s/%s/%s round %d' % (e.name, name, cat, rnd),
                                            a.duration + a.warmup + 5):
                            continue
                        out = os.path.join(runs, '%s-%s-%s-r%d.json' % (name, cat, e.name, rnd))
                        try:
                            r = e.query(name, cat, os.path.join(cdir, 'queries', cat + '.tsv'),
                                        out, a.duration, a.warmup)
                            c['categories'].setdefault(cat, {}).setdefault(e.name, []).append(
                                summary(r))
                        except (RuntimeError, subprocess.SubprocessError) as ex:
                            res['notes'].append('%s/%s/%s: %s' % (e.name, name, cat, ex))
                log('round %d %s done' % (rnd, name))
        # -- bulk ingest (Osprey over HTTP; peers' indexing rate is above) ------
        for e in eng:
            if e.name == 'osprey' and budget.allow('osprey floor', a.duration + 10):
                try:
                    res['osprey_floor'] = summary(e.floor(os.path.join(runs, 'floor.json'),
                                                          a.duration, a.warmup))
                except (RuntimeError, subprocess.SubprocessError) as ex:
                    res['notes'].append('osprey floor: %s' % ex)
            if e.name == 'osprey' and 'bulk' in steps:
                for name, cdir in corpora.items():
                    if budget.allow('osprey bulk %s' % name, a.duration + 20):
                        out = os.path.join(runs, '%s-Bulk-osprey.json' % name)
                        try:
                            r = e.bulk(name, cdir, out, a.duration, a.warmup)
                            s = summary(r)
                            s['docs_per_s'] = r['throughput'] * 100
                            s['mb_per_s'] = r['throughput'] * r['bulk_bytes_per_request'] / 1e6
                            res['corpora'][name]['bulk'] = s
                        except (RuntimeError, subprocess.SubprocessError) as ex:
                            res['notes'].append('osprey bulk %s: %s' % (name, ex))
        # -- latency vs offered load -------------------------------------------
        # -- Osprey's HTTP layer against nginx -------------------------------------
        ctx = {'a': a, 'res': res, 'budget': budget, 'runs': runs, 'work': scratch, 'log': log,
               'build': build_dir, 'pf_load': pf_load}
        osp = [e for e in eng if e.name == 'osprey']
        if 'http' in steps and osp:
            try:
                httpbench.run(ctx, osp[0])
            except (RuntimeError, subprocess.SubprocessError, OSError) as ex:
                res['notes'].append('http benchmark: %s' % ex)
        main_corpus = 'zipf' if 'zipf' in corpora else next(iter(corpora), None)
        if main_corpus and 'curve' in steps:
            res['curve_corpus'] = main_corpus
            res['curve_category'] = a.curve_category
            params = os.path.join(corpora[main_corpus], 'queries', a.curve_category + '.tsv')
            for e in eng:
                if e.name not in res['corpora'][main_corpus]['builds']:
                    continue
                pts = res['curve'][e.name] = []
                rate = a.curve_start
                for _ in range(a.curve_steps):
                    if not budget.allow('curve %s at %g/s' % (e.name, rate),
                                        a.duration + a.warmup + 10):
                        break
                    out = os.path.join(runs, 'curve-%s-%g.json' % (e.name, rate))
                    try:
                        r = e.query(main_corpus, a.curve_category, params, out, a.duration,
                                    a.warmup, rate=rate, conns=16)
                    except (RuntimeError, subprocess.SubprocessError) as ex:
                        res['notes'].append('curve %s %g: %s' % (e.name, rate, ex))
                        break
                    s = summary(r)
                    s['offered'] = rate
                    pts.append(s)
                    log('curve %s %g/s: %.0f/s p99 %.1f ms' % (e.name, rate, s['throughput'],
                                                               s['p99_ms']))
                    if s['throughput'] < 0.9 * rate or s['p99_ms'] > 1000:
                        break  # saturated
                    rate *= 2
        # -- cost vs corpus size -------------------------------------------------
        if 'zipf' in corpora and 'scale' in steps:
            with open(os.path.join(corpora['zipf'], 'meta.json')) as f:
                main_docs = json.load(f)['docs']
            scale.run(ctx, [int(x) for x in a.scale.split(',') if x], eng, corpora['zipf'],
                      main_docs, os.path.join(corpora['zipf'], 'queries', 'MedTerm.tsv'),
                      lambda n: build_corpus(a.work, 'zipf', n, a.seed, queries=False))
    finally:
        for e in eng:
            try:
                e.close()
            except Exception as ex:  # keep closing the others
                res['notes'].append('closing %s: %s' % (e.name, ex))
        shutil.rmtree(scratch, ignore_errors=True)
        res['skipped'] = budget.skipped
        res['finished'] = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec='seconds')
        try:
            res['machine']['loadavg_end'] = open('/proc/loadavg').read().split()[:3]
        except OSError:
            pass
        with open(os.path.join(a.out, 'results.json'), 'w') as f:
            json.dump(res, f, indent=1)
        log('wrote %s' % os.path.join(a.out, 'results.json'))


if __name__ == '__main__':
    main()
