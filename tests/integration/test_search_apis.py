#!/usr/bin/python3
"""test_search_apis.py - _msearch, by-query scripts, tasks and _reindex.

What the REST YAML suites do not cover: _msearch item errors in place
(unknown index, bad query) next to good items, a malformed header failing
the whole request, max_concurrent_searches; _update_by_query scripts
(assignments, ++, params, ctx.op noop/delete) and a compile error before
anything is written; wait_for_completion=false returning a task whose
GET /_tasks/<id> shows the final response; _tasks errors; _reindex with a
query, max_docs and op_type=create conflicts; _validate/query explain and
_field_caps across two indices with include_unmapped.
"""
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from test_documents import call  # noqa: E402


class SearchApisTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.ctx = harness.node()
        cls.node = cls.ctx.__enter__()
        cls.url = cls.node.url
        st, _ = call(cls.url, 'PUT', '/books', {'settings': {'number_of_shards': 2},
                                               'mappings': {'properties': {
                                                   'title': {'type': 'text'},
                                                   'year': {'type': 'long'},
                                                   'tag': {'type': 'keyword'}}}})
        assert st == 200
        lines = []
        for i in range(40):
            lines += [{'index': {'_index': 'books', '_id': str(i)}},
                      {'title': 'book number %d' % i, 'year': 1900 + i, 'tag': 't%d' % (i % 4)}]
        st, r = call(cls.url, 'POST', '/_bulk?refresh=true', lines, ndjson=True)
        assert st == 200 and not r['errors'], r

    @classmethod
    def tearDownClass(cls):
        cls.ctx.__exit__(None, None, None)

    def wait_task(self, task):
        for _ in range(200):
            st, r = call(self.url, 'GET', '/_tasks/' + task)
            self.assertEqual(st, 200, r)
            if r['completed']:
                return r
            time.sleep(0.05)
        self.fail('task %s did not complete' % task)

    def test_msearch_items(self):
        body = [{}, {'query': {'term': {'tag': 't1'}}, 'size': 0},
                {'index': 'nope'}, {},
                {}, {'query': {'bogus': {}}},
                {'index': ['books']}, {'query': {'match': {'title': 'number'}}, 'size': 1}]
        st, r = call(self.url, 'POST', '/books/_msearch?max_concurrent_searches=1', body, ndjson=True)
        self.assertEqual(st, 200, r)
        resp = r['responses']
        self.assertEqual(len(resp), 4)
        self.assertEqual((resp[0]['status'], resp[0]['hits']['total']['value']), (200, 10))
        self.assertEqual((resp[1]['status'], resp[1]['error']['type']), (404, 'index_not_found_exception'))
        self.assertEqual((resp[2]['status'], resp[2]['error']['type']), (400, 'parsing_exception'))
        self.assertEqual(len(resp[3]['hits']['hits']), 1)
        st, r = call(self.url, 'POST', '/_msearch', [{'bad_key': 1}, {}], ndjson=True)
        self.assertEqual((st, r['error']['type']), (400, 'illegal_argument_exception'))
        st, r = call(self.url, 'POST', '/_msearch?max_concurrent_searches=0', [{}, {}], ndjson=True)
        self.assertEqual(st, 400)

    def test_update_by_query_scripts(self):
        call(self.url, 'PUT', '/ubq', {})
        for i in range(6):
            call(self.url, 'PUT', '/ubq/_doc/%d' % i, {'n': i, 'name': 'x'})
        call(self.url, 'POST', '/ubq/_refresh')
        st, r = call(self.url, 'POST', '/ubq/_update_by_query?refresh=true', {
            'script': {'source': "ctx._source.n += params.d; ctx._source.name = 'y' + ctx._source.n",
                       'params': {'d': 10}}})
        self.assertEqual((st, r['updated']), (200, 6), r)
        st, r = call(self.url, 'GET', '/ubq/_doc/2')
        self.assertEqual(r['_source'], {'n': 12, 'name': 'y12'})
        st, r = call(self.url, 'POST', '/ubq/_update_by_query?refresh=true', {
            'query': {'range': {'n': {'gte': 14}}}, 'script': "ctx.op = 'delete'"})
        self.assertEqual((st, r['deleted']), (200, 2), r)
        st, r = call(self.url, 'POST', '/ubq/_update_by_query', {'script': "ctx.op = 'noop'"})
        self.assertEqual((st, r['noops'], r['updated']), (200, 4, 0), r)
        st, r = call(self.url, 'POST', '/ubq/_update_by_query', {'script': 'System.exit(0)'})
        self.assertEqual((st, r['error']['type']), (400, 'script_exception'), r)
        st, r = call(self.url, 'GET', '/ubq/_doc/0')
        self.assertEqual(r['_source']['n'], 10)
        call(self.url, 'DELETE', '/ubq')

    def test_delete_by_query_across_refreshes(self):
        # Batches of 50 over a view refreshed every 10 ms: paging by offset
        # over the live view would skip documents deleted by earlier batches.
        call(self.url, 'PUT', '/dbq', {'settings': {'number_of_shards': 2, 'refresh_interval': '10ms'}})
        lines = []
        for i in range(600):
            lines += [{'index': {'_index': 'dbq', '_id': str(i)}}, {'n': i}]
        call(self.url, 'POST', '/_bulk?refresh=true', lines, ndjson=True)
        st, r = call(self.url, 'POST', '/dbq/_delete_by_query?scroll_size=50&refresh=true', {})
        self.assertEqual((st, r['deleted'], r['total'], r['batches']), (200, 600, 600, 12), r)
        st, r = call(self.url, 'POST', '/dbq/_count')
        self.assertEqual(r['count'], 0)
        call(self.url, 'DELETE', '/dbq')

    def test_async_search(self):
        st, r = call(self.url, 'POST', '/books/_async_search?size=1', {'query': {'term': {'tag': 't3'}}})
        self.assertEqual((st, r['is_running'], r['response']['hits']['total']['value']), (200, False, 10), r)
        self.assertNotIn('id', r)
        st, r = call(self.url, 'POST', '/books/_async_search?keep_on_completion=true', {'query': {'nope': {}}})
        self.assertEqual((st, r['error']['type']), (400, 'parsing_exception'), r)
        st, r = call(self.url, 'GET', '/_async_search/%s' % r['id'])
        self.assertEqual((st, r['is_partial']), (400, True))
        st, r = call(self.url, 'GET', '/_async_search/garbage')
        self.assertEqual(st, 400)
        st, r = call(self.url, 'GET', '/_async_search/T1NQUQAAAAAAAAPn')
        self.assertEqual((st, r['error']['type']), (404, 'resource_not_found_exception'))

    def test_rank_eval(self):
        ratings = [{'_index': 'books', '_id': '3', 'rating': 3}, {'_index': 'books', '_id': '7', 'rating': 0},
                   {'_index': 'books', '_id': '11', 'rating': 1}]
        body = {'requests': [{'id': 'q', 'request': {'query': {'term': {'tag': 't3'}}, 'sort': ['year']},
                              'ratings': ratings},
                             {'id': 'bad', 'request': {'query': {'nope': {}}}, 'ratings': []}],
                'metric': {'precision': {'k': 4}}}
        st, r = call(self.url, 'POST', '/books/_rank_eval', body)
        self.assertEqual(st, 200, r)
        d = r['details']['q']
        self.assertEqual(d['metric_details']['precision'], {'relevant_docs_retrieved': 2, 'docs_retrieved': 4})
        self.assertEqual([h['rating'] for h in d['hits']], [3, 0, 1, None])
        self.assertEqual(r['metric_score'], 0.5)
        self.assertEqual(r['failures']['bad']['type'], 'parsing_exception')
        body['metric'] = {'mean_reciprocal_rank': {'k': 4, 'relevant_rating_threshold': 2}}
        st, r = call(self.url, 'POST', '/books/_rank_eval', body)
        self.assertEqual(r['details']['q']['metric_score'], 1.0)

    def test_tasks(self):
        call(self.url, 'PUT', '/tsk', {})
        call(self.url, 'PUT', '/tsk/_doc/1?refresh=true', {'a': 1})
        st, r = call(self.url, 'POST', '/tsk/_update_by_query?wait_for_completion=false', {})
        self.assertEqual(st, 200, r)
        done = self.wait_task(r['task'])
        self.assertEqual(done['response']['updated'], 1)
        self.assertEqual(done['task']['action'], 'indices:data/write/update/byquery')
        node = r['task'].split(':')[0]
        st, r = call(self.url, 'GET', '/_tasks/%s:999999' % node)
        self.assertEqual((st, r['error']['type']), (404, 'resource_not_found_exception'))
        st, r = call(self.url, 'GET', '/_tasks/garbage')
        self.assertEqual(st, 400)
        st, r = call(self.url, 'GET', '/_tasks')
        self.assertIn('nodes', r)
        st, r = call(self.url, 'POST', '/_tasks/_cancel?actions=nothing*')
        self.assertEqual(r['nodes'], {})
        st, r = call(self.url, 'POST', '/_update_by_query/other:1/_rethrottle?requests_per_second=3')
        self.assertEqual(r['node_failures'][0]['caused_by']['type'], 'no_such_node_exception')
        call(self.url, 'DELETE', '/tsk')

    def test_reindex(self):
        st, r = call(self.url, 'POST', '/_reindex?refresh=true', {
            'source': {'index': 'books', 'query': {'term': {'tag': 't2'}}},
            'dest': {'index': 'books2'}})
        self.assertEqual((st, r['created'], r['total']), (200, 10, 10), r)
        st, r = call(self.url, 'POST', '/books2/_count')
        self.assertEqual(r['count'], 10)
        st, r = call(self.url, 'POST', '/_reindex', {
            'source': {'index': 'books'}, 'dest': {'index': 'books2', 'op_type': 'create'},
            'conflicts': 'proceed', 'max_docs': 20})
        self.assertEqual(st, 200, r)
        self.assertEqual(r['created'] + r['version_conflicts'], 20, r)
        st, r = call(self.url, 'POST', '/_reindex', {'source': {'index': 'books'}, 'dest': {'index': 'books'}})
        self.assertEqual((st, r['error']['type']), (400, 'action_request_validation_exception'))
        st, r = call(self.url, 'POST', '/_reindex?wait_for_completion=false', {
            'source': {'index': 'books'}, 'dest': {'index': 'books3'}})
        done = self.wait_task(r['task'])
        self.assertEqual(done['response']['created'], 40)
        call(self.url, 'DELETE', '/books2')
        call(self.url, 'DELETE', '/books3')

    def test_validate_and_field_caps(self):
        st, r = call(self.url, 'POST', '/books/_validate/query?explain=true',
                     {'query': {'bool': {'must': [{'term': {'tag': 't1'}}],
                                         'filter': [{'range': {'year': {'gte': 1910}}}]}}})
        self.assertEqual(st, 200, r)
        self.assertTrue(r['valid'])
        self.assertEqual(r['explanations'][0]['explanation'], '+tag:t1 #year:[1910 TO *]')
        st, r = call(self.url, 'POST', '/books/_validate/query', {'query': {'nope': {}}})
        self.assertEqual((st, r['valid']), (200, False))
        call(self.url, 'PUT', '/other', {'mappings': {'properties': {'year': {'type': 'keyword'}}}})
        st, r = call(self.url, 'GET', '/books,other/_field_caps?fields=y*,title&include_unmapped=true')
        self.assertEqual(st, 200, r)
        self.assertEqual(sorted(r['fields']['year']), ['keyword', 'long'])
        self.assertEqual(r['fields']['year']['long']['indices'], ['books'])
        self.assertEqual(r['fields']['title']['unmapped']['indices'], ['other'])
        self.assertTrue(r['fields']['title']['text']['searchable'])
        self.assertFalse(r['fields']['title']['text']['aggregatable'])
        st, r = call(self.url, 'GET', '/books/_field_caps')
        self.assertEqual(st, 400)
        call(self.url, 'DELETE', '/other')

    def test_terms_enum_and_termvectors(self):
        st, r = call(self.url, 'POST', '/books/_terms_enum', {'field': 'tag', 'string': 't', 'size': 3})
        self.assertEqual((st, r['terms'], r['complete']), (200, ['t0', 't1', 't2'], True), r)
        st, r = call(self.url, 'POST', '/books/_terms_enum', {'field': 'tag', 'search_after': 't2'})
        self.assertEqual(r['terms'], ['t3'])
        st, r = call(self.url, 'POST', '/books/_terms_enum', {'string': 't'})
        self.assertEqual(st, 400)
        call(self.url, 'PUT', '/tv/_doc/1?refresh=true', {'text': 'The quick brown fox is brown.'})
        st, r = call(self.url, 'GET', '/tv/_termvectors/1?term_statistics=true')
        self.assertEqual(st, 200, r)
        brown = r['term_vectors']['text']['terms']['brown']
        self.assertEqual((brown['term_freq'], brown['doc_freq'], brown['ttf']), (2, 1, 2))
        self.assertEqual(brown['tokens'][1], {'position': 5, 'start_offset': 23, 'end_offset': 28})
        self.assertEqual(r['term_vectors']['text']['field_statistics']['doc_count'], 1)
        st, r = call(self.url, 'POST', '/tv/_termvectors', {'doc': {'text': 'a b a'}})
        self.assertEqual(r['term_vectors']['text']['terms']['a']['term_freq'], 2)
        st, r = call(self.url, 'POST', '/_mtermvectors', {'docs': [{'_index': 'tv', '_id': '1'},
                                                                   {'_index': 'tv', '_id': '404'},
                                                                   {'_index': 'missing', '_id': '1'}]})
        self.assertEqual([d.get('found') for d in r['docs']], [True, False, None])
        self.assertEqual(r['docs'][2]['error']['type'], 'index_not_found_exception')
        call(self.url, 'DELETE', '/tv')


if __name__ == '__main__':
    unittest.main(verbosity=2)
