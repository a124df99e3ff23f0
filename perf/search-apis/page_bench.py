#!/usr/bin/python3
"""page_bench.py - what paging through a whole index costs on one node.

Starts a node (tests/integration/harness.py: $OSPREY_BIN or build/osprey),
indexes --docs small documents into --shards shards, then reads every
document back --rounds times three ways and prints the wall time of each:
  scroll        _search?scroll=1m + _search/scroll (per-shard cursors over
                pinned views: each page costs O(size) per shard)
  pit+after     point in time + search_after on [_doc-like tiebreak]
  from/size     plain from/size pages up to index.max_result_window (each
                page costs O(from+size) per shard: quadratic in depth)
Figures only; nothing is asserted. Bounded: defaults take a few seconds.
"""
import argparse
import json
import os
import sys
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'tests', 'integration'))
import harness  # noqa: E402


def call(base, method, path, body=None, ndjson=False):
    data, headers = None, {}
    if body is not None:
        data = (''.join(json.dumps(x) + '\n' for x in body) if ndjson else json.dumps(body)).encode()
        headers['Content-Type'] = 'application/x-ndjson' if ndjson else 'application/json'
    req = urllib.request.Request(base + path, data=data, method=method, headers=headers)
    with urllib.request.urlopen(req, timeout=120) as r:
        return json.loads(r.read())


def scroll(url, size):
    r = call(url, 'POST', '/pb/_search?scroll=1m', {'size': size, 'sort': ['_doc']})
    n, sid = len(r['hits']['hits']), r['_scroll_id']
    while r['hits']['hits']:
        r = call(url, 'POST', '/_search/scroll', {'scroll_id': sid, 'scroll': '1m'})
        n += len(r['hits']['hits'])
    call(url, 'DELETE', '/_search/scroll', {'scroll_id': sid})
    return n


def pit_after(url, size):
    pit = call(url, 'POST', '/pb/_pit?keep_alive=1m')['id']
    n, after = 0, None
    while True:
        body = {'size': size, 'sort': [{'n': 'asc'}], 'pit': {'id': pit}}
        if after:
            body['search_after'] = after
        hits = call(url, 'POST', '/_search', body)['hits']['hits']
        if not hits:
            break
        n += len(hits)
        after = hits[-1]['sort']
    call(url, 'DELETE', '/_pit', {'id': pit})
    return n


def from_size(url, size, limit):
    n = 0
    for frm in range(0, limit, size):
        n += len(call(url, 'POST', '/pb/_search', {'from': frm, 'size': min(size, limit - frm)})['hits']['hits'])
    return n


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--docs', type=int, default=10000)
    ap.add_argument('--shards', type=int, default=2)
    ap.add_argument('--size', type=int, default=500)
    ap.add_argument('--rounds', type=int, default=3)
    a = ap.parse_args()
    with harness.node() as node:
        url = node.url
        call(url, 'PUT', '/pb', {'settings': {'number_of_shards': a.shards},
                                 'mappings': {'properties': {'n': {'type': 'long'}}}})
        for start in range(0, a.docs, 5000):
            lines = []
            for i in range(start, min(a.docs, start + 5000)):
                lines += [{'index': {'_index': 'pb', '_id': str(i)}}, {'n': i, 't': 'doc %d' % i}]
            call(url, 'POST', '/_bulk', lines, ndjson=True)
        call(url, 'POST', '/pb/_refresh')
        limit = min(a.docs, 10000)
        print('docs=%d shards=%d page=%d rounds=%d' % (a.docs, a.shards, a.size, a.rounds))
        for name, fn in (('scroll', lambda: scroll(url, a.size)),
                         ('pit+after', lambda: pit_after(url, a.size)),
                         ('from/size', lambda: from_size(url, a.size, limit))):
            best = None
            for _ in range(a.rounds):
                t0 = time.perf_counter()
                n = fn()
                dt = time.perf_counter() - t0
                best = dt if best is None else min(best, dt)
            print('%-10s %6d docs  best %.3f s  %.1f us/doc' % (name, n, best, best / max(n, 1) * 1e6))


if __name__ == '__main__':
    main()
