#!/usr/bin/python3
"""test_perf_suite.py - the benchmark suite's own pieces behave: corpora are
deterministic, queries come from the corpus's statistics, request files are
valid, pf-peer indexes and answers every category on SQLite FTS5 and Xapian,
pf-zipfgen writes the Python generator's bytes, the HTTP benchmark's
synthetic corpus is bench_search's, nginx serves the bytes it is given, the
scaling plan leaves out what does not fit, and a report renders from results
(sub-runs merged).

Usage: test_perf_suite.py PATH/TO/pf-peer PATH/TO/pf-zipfgen
"""
import hashlib
import http.client
import json
import os
import subprocess
import sys
import tempfile
import unittest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PERF = os.path.join(REPO, 'perf')
sys.path.insert(0, os.path.join(PERF, 'bench'))
import engines  # noqa: E402
import httpbench  # noqa: E402
import scale  # noqa: E402
import workload  # noqa: E402

PF_PEER = None
PF_ZIPFGEN = None


def digest(path):
    with open(path, 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()


class Suite(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.corpus = os.path.join(cls.tmp.name, 'zipf')
        subprocess.run([sys.executable, os.path.join(PERF, 'corpus', 'build_corpus.py'), 'zipf',
                        cls.corpus, '--docs', '3000', '--seed', '5'], check=True,
                       capture_output=True, timeout=300)
        cls.queries = os.path.join(cls.corpus, 'queries')
        subprocess.run([sys.executable, os.path.join(PERF, 'workload', 'make_queries.py'),
                        cls.corpus, cls.queries, '--per-cat', '20'], check=True, timeout=300)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_corpus_is_deterministic(self):
        again = os.path.join(self.tmp.name, 'zipf2')
        subprocess.run([sys.executable, os.path.join(PERF, 'corpus', 'build_corpus.py'), 'zipf',
                        again, '--docs', '3000', '--seed', '5'], check=True,
                       capture_output=True, timeout=300)
        for fn in ('docs.ndjson', 'docs.tsv'):
            self.assertEqual(digest(os.path.join(self.corpus, fn)), digest(os.path.join(again, fn)))
        with open(os.path.join(self.corpus, 'docs.ndjson')) as f:
            docs = [json.loads(l) for l in f]
        self.assertEqual(len(docs), 3000)
        self.assertEqual([d['id'] for d in docs[:3]], [1, 2, 3])
        for d in docs[:50]:
            self.assertTrue(d['body'] and isinstance(d['size'], int) and d['section'])

    def test_zipfgen_is_the_python_generator(self):
        outs = {}
        for gen in ('python', PF_ZIPFGEN):
            d = outs[gen] = os.path.join(self.tmp.name, 'zg-%d' % len(outs))
            subprocess.run([sys.executable, os.path.join(PERF, 'corpus', 'build_corpus.py'),
                            'zipf', d, '--docs', '2000', '--seed', '9'], check=True,
                           capture_output=True, timeout=300, env=dict(os.environ, PF_ZIPFGEN=gen))
        self.assertFalse(os.path.exists(os.path.join(outs['python'], 'vocab.txt')))
        self.assertTrue(os.path.exists(os.path.join(outs[PF_ZIPFGEN], 'vocab.txt')))
        for fn in ('docs.ndjson', 'docs.tsv'):
            self.assertEqual(digest(os.path.join(outs['python'], fn)),
                             digest(os.path.join(outs[PF_ZIPFGEN], fn)), fn)

    def test_synthetic_corpus_is_bench_search_s(self):
        """Hit counts bench_search prints for its corpus, counted on ours."""
        bench = os.path.join(os.path.dirname(os.path.dirname(PF_PEER)), 'storage-search',
                             'bench_search')
        self.assertTrue(os.access(bench, os.X_OK), bench)
        p = subprocess.run([bench, '3000', '1'], capture_output=True, text=True, timeout=300,
                           check=True)
        hits = {}
        for line in p.stdout.splitlines():
            if len(line) > 22 and line[22:].split() and line[22:].split()[0].isdigit():
                hits[line[:22].strip()] = int(line[22:].split()[0])
        path = httpbench.synth_corpus(os.path.join(self.tmp.name, 'synth.ndjson'), 3000)
        with open(path) as f:
            docs = [set(json.loads(l)['body'].split()) for l in f]
        self.assertEqual(len(docs), 3000)
        self.assertEqual(hits['term frequent (w1)'], sum('w1' in d for d in docs))
        self.assertEqual(hits['term mid (w50)'], sum('w50' in d for d in docs))
        self.assertEqual(hits['and 2'], sum('w5' in d and 'w60' in d for d in docs))
        self.assertEqual(hits['or 2 frequent+rare'], sum('w2' in d or 'w900' in d for d in docs))

    def test_nginx_serves_the_given_bytes(self):
        body = b'{"name":"x","tagline":"You Know, for Search"}\n'
        ng = httpbench.Nginx(self.tmp.name, {'/': body, '/ix/_search': b'{"hits":1}'}, 1)
        ng.start()
        try:
            c = http.client.HTTPConnection('127.0.0.1', ng.port, timeout=10)
            for _ in range(2):  # keep-alive: the same connection twice
                c.request('GET', '/')
                r = c.getresponse()
                self.assertEqual((r.status, r.read()), (200, body))
            c.request('GET', '/ix/_search', body=b'{"query":{}}',
                      headers={'Content-Type': 'application/json'})
            r = c.getresponse()
            self.assertEqual((r.status, r.read()), (200, b'{"hits":1}'))
            c.close()
        finally:
            ng.stop()
        self.assertIsNotNone(ng.proc.returncode)
        self.assertFalse(os.path.exists(ng.tmp))

    def test_scale_plan(self):
        prev = {'docs': 100000, 'build_s': 10.0, 'index_bytes': 100e6}
        self.assertIsNone(scale.plan_skip(None, 10**7, 1.0, 1e9, 5))
        self.assertIsNone(scale.plan_skip(prev, 10**6, 200, 1e12, 5))   # 125 s + 5 < 200
        why = scale.plan_skip(prev, 10**6, 100, 1e12, 5)
        self.assertIn('estimated 125 s to index', why)
        why = scale.plan_skip(prev, 10**7, 1e6, 10e9, 5)                # 12.5 GB > 8 GB
        self.assertIn('estimated index of 12.5 GB', why)

    def test_queries_per_category(self):
        with open(os.path.join(self.corpus, 'docs.tsv')) as f:
            bodies = [l.split('\t', 3)[3] for l in f]
        text = ' '.join(bodies).lower()
        for cat in engines.CATEGORIES:
            with open(os.path.join(self.queries, cat + '.tsv')) as f:
                lines = [l.rstrip('\n').split('\t') for l in f]
            self.assertEqual(len(lines), 20, cat)
            if cat == 'IntNRQ':
                for lo, hi in lines:
                    self.assertLessEqual(int(lo), int(hi))
            elif cat == 'Phrase':
                for w1, w2 in lines:
                    self.assertIn(' %s %s ' % (w1, w2), ' ' + text + ' ')

    def test_high_terms_are_more_frequent_than_low(self):
        with open(os.path.join(self.corpus, 'docs.tsv')) as f:
            docs = [set(l.split('\t', 3)[3].lower().split()) for l in f]

        def mean_df(cat):
            with open(os.path.join(self.queries, cat + '.tsv')) as f:
                ws = [l.split('\t')[0].strip() for l in f]
            return sum(sum(1 for d in docs if w in d) for w in ws) / len(ws)
        self.assertGreater(mean_df('HighTerm'), mean_df('MedTerm'))
        self.assertGreater(mean_df('MedTerm'), mean_df('LowTerm'))

    def test_request_files_are_valid(self):
        for cat in engines.CATEGORIES:
            out = os.path.join(self.tmp.name, 'req-%s.txt' % cat)
            n = workload.search_requests(cat, os.path.join(self.queries, cat + '.tsv'), 'ix', out)
            self.assertEqual(n, 20)
            with open(out, 'rb') as f:
                data = f.read()
            head, rest = data.split(b'\n', 1)
            method, path, blen = head.split(b' ')
            self.assertEqual((method, path), (b'POST', b'/ix/_search'))
            body = json.loads(rest[:int(blen)])
            self.assertEqual(body['size'], 0 if cat == 'TermAgg' else 10)
        out = os.path.join(self.tmp.name, 'bulk.txt')
        self.assertEqual(workload.bulk_requests(os.path.join(self.corpus, 'docs.ndjson'), 'ix',
                                                out, per_request=100, max_requests=5), 5)
        with open(out, 'rb') as f:
            head, rest = f.read().split(b'\n', 1)
        body = rest[:int(head.split(b' ')[2])].decode().splitlines()
        self.assertEqual(len(body), 200)
        self.assertEqual(json.loads(body[0]), {'index': {'_id': '1'}})

    def test_peers_answer_every_category(self):
        for eng in ('sqlite', 'xapian'):
            db = os.path.join(self.tmp.name, 'db.' + eng)
            out = os.path.join(self.tmp.name, 'b-%s.json' % eng)
            subprocess.run([PF_PEER, '-e', eng, '-D', db, 'build',
                            os.path.join(self.corpus, 'docs.tsv'), '-j', out], check=True,
                           capture_output=True, timeout=300)
            with open(out) as f:
                b = json.load(f)
            self.assertEqual(b['docs'], 3000)
            self.assertGreater(b['index_bytes'], 0)
            for cat in engines.CATEGORIES:
                out = os.path.join(self.tmp.name, 'r-%s-%s.json' % (eng, cat))
                p = subprocess.run([PF_PEER, '-e', eng, '-D', db, 'run', '-c', cat, '-q',
                                    os.path.join(self.queries, cat + '.tsv'), '-w', '0',
                                    '-d', '0.2', '-j', out], capture_output=True, text=True,
                                   timeout=60)
                self.assertEqual(p.returncode, 0, p.stderr)
                mean_hits = float(p.stdout.split('mean hits')[1])
                self.assertGreater(mean_hits, 0, (eng, cat))
                with open(out) as f:
                    r = json.load(f)
                self.assertGreater(r['requests'], 0)
                self.assertEqual(r['errors'], 0)

    def test_report_renders(self):
        d = os.path.join(self.tmp.name, 'results')
        os.makedirs(d)
        run = {'p50_ms': 2.0, 'p90_ms': 3, 'p99_ms': 4.0, 'p999_ms': 5, 'max_ms': 6,
               'mean_ms': 2, 'throughput': 100, 'requests': 100, 'errors': 0, 'rate': 0}
        peer = dict(run, p50_ms=1.0)
        res = {'started': '2026-01-01T00:00:00+00:00', 'finished': '2026-01-01T00:01:00+00:00',
               'machine': {'cpu': 'x', 'cpus': 2}, 'config': {'duration': 1, 'warmup': 0.5,
                                                               'rounds': 1},
               'notes': [], 'skipped': ['curve xapian at 800/s'],
               'corpora': {'zipf': {'docs': 10, 'builds': {
                   'osprey': {'build_s': 2, 'index_bytes': 1e6, 'docs': 10},
                   'xapian': {'build_s': 1, 'index_bytes': 1e6, 'docs': 10}},
                   'categories': {'MedTerm': {'osprey': [run], 'xapian': [peer]}}}},
               'curve': {'osprey': [dict(run, offered=50)]}, 'curve_corpus': 'zipf',
               'curve_category': 'MedTerm',
               'scaling': [{'docs': 10, 'engine': 'osprey', 'build_s': 2, 'index_bytes': 1e6,
                            'p50_ms': 2, 'p99_ms': 4}]}
        with open(os.path.join(d, 'results.json'), 'w') as f:
            json.dump(res, f)
        res['http'] = {'wrk_cmd': 'wrk -t1 -c16 -d5s --latency URL', 'rounds': 1,
                       'nginx_workers': 1, 'bytes': {'root': 396, 'search': 650},
                       'root': {'osprey': {'rps': 200}, 'nginx': {'rps': 100}, 'ratio': 2.0},
                       'overhead': [{'query': 'term mid (w50)', 'inprocess_us': 50,
                                     'http_p50_us': 80, 'overhead_us': 30}],
                       'overhead_median_us': 30}
        with open(os.path.join(d, 'results.json'), 'w') as f:
            json.dump(res, f)
        sub = os.path.join(d, 'scale-10m')
        os.makedirs(sub)
        with open(os.path.join(sub, 'results.json'), 'w') as f:
            json.dump({'started': '2026-01-01T01:00:00+00:00', 'machine': {'commit': 'abc'},
                       'scaling': [{'docs': 10, 'engine': 'osprey', 'build_s': 9,
                                    'index_bytes': 1e6, 'p50_ms': 9, 'p99_ms': 9},
                                   {'docs': 100, 'engine': 'osprey', 'build_s': 20,
                                    'index_bytes': 1e7, 'p50_ms': 3, 'p99_ms': 5}],
                       'scale_not_measured': [{'docs': 100, 'engine': 'xapian',
                                               'reason': 'estimated 99 s to index'}]}, f)
        subprocess.run([sys.executable, os.path.join(PERF, 'report', 'report.py'), d],
                       check=True, capture_output=True, timeout=120)
        with open(os.path.join(d, 'report.md')) as f:
            md = f.read()
        self.assertIn('| MedTerm | 2 / 4 | 1 / 4 | **2.00×** |', md)
        self.assertIn('skipped (time budget): curve xapian at 800/s', md)
        self.assertIn('| `GET /` | 200 | 100 | 2.00× |', md)
        self.assertIn('**Median: 30 µs**', md)
        # the main run's 10-doc point stands; the sub-run adds 100 docs and a reason
        self.assertIn('| 10 | osprey | 2.0 | 5 | 1.0 | 2 / 4 |', md)
        self.assertIn('| 100 | osprey (`scale-10m/`) | 20.0 | 5 | 10.0 | 3 / 5 |', md)
        self.assertIn('| 100 | xapian | not measured: estimated 99 s to index (`scale-10m/`)', md)


if __name__ == '__main__':
    PF_PEER = sys.argv.pop(1)
    PF_ZIPFGEN = sys.argv.pop(1)
    unittest.main(verbosity=2)
