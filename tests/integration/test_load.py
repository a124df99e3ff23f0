#!/usr/bin/python3
"""test_load.py - a bounded load test: 64 keep-alive connections mixing
bulk, index, get and search against one node.

Writes go to a fixed space of ids, so the live data stays bounded and memory
must too: the dataplane's RSS after the warm-up third and at the end may not
grow by more than 25%. Zero errors are allowed, and afterwards the document
count equals the number of distinct ids written (every acknowledged write is
searchable after a refresh). Duration: OSPREY_LOAD_SECONDS (default 60).
"""
import http.client
import json
import os
import random
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

CONNS = 64
IDS = 4000
WORDS = ('alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike '
         'november oscar papa quebec romeo sierra tango uniform victor whiskey xray').split()


def rss_kb(pid):
    with open('/proc/%d/status' % pid) as f:
        for line in f:
            if line.startswith('VmRSS:'):
                return int(line.split()[1])
    return 0


def dataplane_pid(launcher_pid):
    for d in os.listdir('/proc'):
        if not d.isdigit():
            continue
        try:
            with open('/proc/%s/stat' % d) as f:
                fields = f.read().rsplit(')', 1)[1].split()
            with open('/proc/%s/comm' % d) as f:
                comm = f.read().strip()
            if int(fields[1]) == launcher_pid and comm.startswith('osprey-datapl'):
                return int(d)
        except (OSError, ValueError, IndexError):
            pass
    return None


class Worker(threading.Thread):
    def __init__(self, host, port, deadline, seed, written, errors):
        super().__init__(daemon=True)
        self.host, self.port, self.deadline = host, port, deadline
        self.rng = random.Random(seed)
        self.written, self.errors = written, errors
        self.ops = 0

    def doc(self):
        return {'title': ' '.join(self.rng.choice(WORDS) for _ in range(6)),
                'n': self.rng.randrange(1000)}

    def request(self, conn, method, path, body=None, ndjson=False):
        headers = {'Content-Type': 'application/x-ndjson' if ndjson else 'application/json'}
        conn.request(method, path, body=body, headers=headers)
        r = conn.getresponse()
        data = r.read()
        return r.status, data

    def run(self):
        conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        while time.time() < self.deadline:
            x = self.rng.random()
            try:
                if x < 0.10:
                    ids = [self.rng.randrange(IDS) for _ in range(50)]
                    lines = []
                    for i in ids:
                        lines.append(json.dumps({'index': {'_index': 'load', '_id': str(i)}}))
                        lines.append(json.dumps(self.doc()))
                    s, data = self.request(conn, 'POST', '/_bulk', '\n'.join(lines) + '\n', ndjson=True)
                    ok = s == 200 and not json.loads(data)['errors']
                    if ok:
                        self.written.update(ids)
                elif x < 0.50:
                    i = self.rng.randrange(IDS)
                    s, data = self.request(conn, 'PUT', '/load/_doc/%d' % i, json.dumps(self.doc()))
                    ok = s in (200, 201)
                    if ok:
                        self.written.add(i)
                elif x < 0.80:
                    s, data = self.request(conn, 'GET', '/load/_doc/%d' % self.rng.randrange(IDS))
                    ok = s in (200, 404)
                else:
                    q = {'query': {'match': {'title': self.rng.choice(WORDS)}}, 'size': 10}
                    s, data = self.request(conn, 'POST', '/load/_search', json.dumps(q))
                    ok = s == 200
                if not ok:
                    self.errors.append('%s %s' % (s, data[:200]))
                self.ops += 1
            except Exception as e:  # connection errors count as errors
                self.errors.append(repr(e))
                conn.close()
                conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        conn.close()


class LoadTest(unittest.TestCase):
    def test_mixed_load(self):
        seconds = float(os.environ.get('OSPREY_LOAD_SECONDS', '60'))
        with harness.node() as n:
            conn = http.client.HTTPConnection(n.host, n.port, timeout=30)
            conn.request('PUT', '/load', json.dumps({'settings': {'number_of_shards': 2,
                                                                 'number_of_replicas': 0}}),
                         {'Content-Type': 'application/json'})
            resp = conn.getresponse()
            resp.read()
            self.assertEqual(resp.status, 200)
            dp = dataplane_pid(n.proc.pid)
            self.assertIsNotNone(dp)
            written, errors = set(), []
            deadline = time.time() + seconds
            workers = [Worker(n.host, n.port, deadline, k, written, errors) for k in range(CONNS)]
            for w in workers:
                w.start()
            time.sleep(seconds / 3)
            rss_warm = rss_kb(dp)
            for w in workers:
                w.join(timeout=seconds + 60)
            rss_end = rss_kb(dp)
            ops = sum(w.ops for w in workers)
            print('load: %d ops in %.0f s (%.0f/s), rss %d -> %d kB, %d errors'
                  % (ops, seconds, ops / seconds, rss_warm, rss_end, len(errors)))
            self.assertEqual(errors[:5], [])
            self.assertLess(rss_end, rss_warm * 1.25 + 8192)
            conn.request('POST', '/load/_refresh')
            conn.getresponse().read()
            conn.request('GET', '/load/_count')
            count = json.loads(conn.getresponse().read())['count']
            self.assertEqual(count, len(written))
            conn.close()


if __name__ == '__main__':
    unittest.main(verbosity=2)
