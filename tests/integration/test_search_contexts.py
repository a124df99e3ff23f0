#!/usr/bin/python3
"""test_search_contexts.py - scroll and point in time against a real node.

What the REST YAML suites do not cover: paging a scroll to the end over
several shards (every document exactly once, totals on every page), a sorted
scroll, the pinned view (documents deleted and refreshed away after the
first page still come back), clear by id / list / _all, 404 after a clear
and after the keep-alive ran out, the search.max_open_scroll_context limit,
keep-alive bounds, and a point in time paged with search_after and the
_shard_doc tiebreak while the index changes underneath.
"""
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from test_documents import call  # noqa: E402  (one HTTP helper for the suites)

N_DOCS = 203


class SearchContextsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.ctx = harness.node(settings={'search.max_open_scroll_context': '4'})
        cls.node = cls.ctx.__enter__()
        cls.url = cls.node.url
        st, _ = call(cls.url, 'PUT', '/sc', {'settings': {'number_of_shards': 3},
                                            'mappings': {'properties': {'n': {'type': 'long'},
                                                                        'tag': {'type': 'keyword'}}}})
        assert st == 200, st
        lines = []
        for i in range(N_DOCS):
            lines.append({'index': {'_index': 'sc', '_id': str(i)}})
            lines.append({'n': i, 'tag': 'even' if i % 2 == 0 else 'odd'})
        st, r = call(cls.url, 'POST', '/_bulk?refresh=true', lines, ndjson=True)
        assert st == 200 and not r['errors'], r

    @classmethod
    def tearDownClass(cls):
        cls.ctx.__exit__(None, None, None)

    def scroll_all(self, first, size):
        st, r = call(self.url, 'POST', '/sc/_search?scroll=1m', dict(first, size=size))
        self.assertEqual(st, 200, r)
        sid = r['_scroll_id']
        pages = [r]
        while r['hits']['hits']:
            st, r = call(self.url, 'POST', '/_search/scroll', {'scroll': '1m', 'scroll_id': sid})
            self.assertEqual(st, 200, r)
            self.assertEqual(r['_scroll_id'], sid)
            pages.append(r)
        return sid, pages

    def clear(self, sid):
        return call(self.url, 'DELETE', '/_search/scroll', {'scroll_id': sid})

    def test_scroll_every_doc_once(self):
        sid, pages = self.scroll_all({'query': {'match_all': {}}}, 17)
        ids = [h['_id'] for p in pages for h in p['hits']['hits']]
        self.assertEqual(sorted(ids, key=int), [str(i) for i in range(N_DOCS)])
        for p in pages:
            self.assertEqual(p['hits']['total'], {'value': N_DOCS, 'relation': 'eq'})
            self.assertEqual(p['_shards']['total'], 3)
        self.assertEqual(self.clear(sid), (200, {'succeeded': True, 'num_freed': 1}))
        st, r = call(self.url, 'POST', '/_search/scroll', {'scroll_id': sid})
        self.assertEqual(st, 404)
        self.assertEqual(r['error']['type'], 'search_context_missing_exception')
        self.assertEqual(self.clear(sid), (404, {'succeeded': True, 'num_freed': 0}))

    def test_scroll_sorted_and_filtered(self):
        sid, pages = self.scroll_all({'query': {'term': {'tag': 'odd'}},
                                      'sort': [{'n': 'desc'}]}, 10)
        got = [h['_source']['n'] for p in pages for h in p['hits']['hits']]
        self.assertEqual(got, sorted((i for i in range(N_DOCS) if i % 2), reverse=True))
        self.assertEqual(pages[1]['hits']['hits'][0]['sort'], [got[10]])
        self.clear(sid)

    def test_scroll_sees_its_view(self):
        st, r = call(self.url, 'PUT', '/view', {'settings': {'number_of_shards': 2}})
        self.assertEqual(st, 200, r)
        lines = []
        for i in range(30):
            lines += [{'index': {'_index': 'view', '_id': str(i)}}, {'n': i}]
        call(self.url, 'POST', '/_bulk?refresh=true', lines, ndjson=True)
        st, r = call(self.url, 'POST', '/view/_search?scroll=1m', {'size': 5, 'sort': ['n']})
        sid = r['_scroll_id']
        seen = [h['_id'] for h in r['hits']['hits']]
        for i in range(10, 30):
            call(self.url, 'DELETE', '/view/_doc/%d' % i)
        call(self.url, 'POST', '/view/_refresh')
        call(self.url, 'POST', '/view/_forcemerge?max_num_segments=1')
        while True:
            st, r = call(self.url, 'POST', '/_search/scroll', {'scroll_id': sid, 'scroll': '1m'})
            self.assertEqual(st, 200, r)
            if not r['hits']['hits']:
                break
            self.assertEqual(r['hits']['total']['value'], 30)
            seen += [h['_id'] for h in r['hits']['hits']]
        self.assertEqual(seen, [str(i) for i in range(30)])
        self.clear(sid)
        st, r = call(self.url, 'POST', '/view/_search', {'size': 0})
        self.assertEqual(r['hits']['total']['value'], 10)
        call(self.url, 'DELETE', '/view')

    def test_scroll_errors(self):
        st, r = call(self.url, 'POST', '/sc/_search?scroll=1m', {'from': 5})
        self.assertEqual(st, 400)
        self.assertEqual(r['error']['reason'],
                         'Validation Failed: 1: using [from] is not allowed in a scroll context;')
        st, r = call(self.url, 'POST', '/sc/_search?scroll=1m', {'size': 0})
        self.assertEqual(st, 400)
        st, r = call(self.url, 'POST', '/sc/_search?scroll=2d', {})
        self.assertEqual(st, 400)
        self.assertIn('Keep alive for request (2d) is too large', r['error']['reason'])
        st, r = call(self.url, 'POST', '/_search/scroll', {'scroll_id': 'garbage'})
        self.assertEqual((st, r['error']['type']), (400, 'illegal_argument_exception'))
        st, r = call(self.url, 'POST', '/_search/scroll', {})
        self.assertEqual((st, r['error']['type']), (400, 'action_request_validation_exception'))
        st, r = call(self.url, 'DELETE', '/_search/scroll', {})
        self.assertEqual(st, 400)

    def test_scroll_limit_and_clear_all(self):
        call(self.url, 'DELETE', '/_search/scroll/_all')
        ids = []
        for _ in range(4):
            st, r = call(self.url, 'POST', '/sc/_search?scroll=1m', {'size': 1})
            self.assertEqual(st, 200, r)
            ids.append(r['_scroll_id'])
        st, r = call(self.url, 'POST', '/sc/_search?scroll=1m', {'size': 1})
        self.assertEqual(st, 429)
        self.assertEqual(r['error']['type'], 'too_many_scroll_contexts_exception')
        self.assertIn('[search.max_open_scroll_context]', r['error']['reason'])
        st, r = call(self.url, 'DELETE', '/_search/scroll', {'scroll_id': ids[:2]})
        self.assertEqual((st, r['num_freed']), (200, 2))
        st, r = call(self.url, 'DELETE', '/_search/scroll/_all')
        self.assertEqual((st, r['num_freed']), (200, 2))

    def test_scroll_expires(self):
        st, r = call(self.url, 'POST', '/sc/_search?scroll=1s', {'size': 1})
        sid = r['_scroll_id']
        st, r = call(self.url, 'POST', '/_search/scroll', {'scroll_id': sid})
        self.assertEqual(st, 200, r)
        time.sleep(2.5)
        st, r = call(self.url, 'POST', '/_search/scroll', {'scroll_id': sid})
        self.assertEqual(st, 404, r)
        self.assertEqual(r['error']['type'], 'search_context_missing_exception')

    def test_pit_search_after(self):
        st, r = call(self.url, 'POST', '/sc/_pit?keep_alive=1m')
        self.assertEqual(st, 200, r)
        pit = r['id']
        self.assertEqual(r['_shards']['successful'], 3)
        call(self.url, 'PUT', '/sc/_doc/extra?refresh=true', {'n': 1000, 'tag': 'odd'})
        seen, after = [], None
        while True:
            body = {'size': 25, 'sort': [{'tag': 'asc'}], 'pit': {'id': pit, 'keep_alive': '1m'}}
            if after:
                body['search_after'] = after
            st, r = call(self.url, 'POST', '/_search', body)
            self.assertEqual(st, 200, r)
            self.assertEqual(r['pit_id'], pit)
            hits = r['hits']['hits']
            if not hits:
                break
            self.assertEqual(len(hits[0]['sort']), 2)
            seen += [h['_id'] for h in hits]
            after = hits[-1]['sort']
        self.assertEqual(sorted(seen, key=int), [str(i) for i in range(N_DOCS)])
        st, r = call(self.url, 'POST', '/sc/_search', {'pit': {'id': pit}})
        self.assertEqual(st, 400)
        st, r = call(self.url, 'DELETE', '/_pit', {'id': pit})
        self.assertEqual((st, r), (200, {'succeeded': True, 'num_freed': 1}))
        st, r = call(self.url, 'POST', '/_search', {'pit': {'id': pit}})
        self.assertEqual(st, 404)
        st, r = call(self.url, 'DELETE', '/_pit', {'id': pit})
        self.assertEqual(st, 404)
        call(self.url, 'DELETE', '/sc/_doc/extra?refresh=true')


if __name__ == '__main__':
    unittest.main(verbosity=2)
