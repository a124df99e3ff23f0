#!/usr/bin/python3
"""test_ingest.py - ingest pipelines, stored scripts and search templates on a real node.

Pipelines applied through ?pipeline=, index.default_pipeline and
index.final_pipeline on single writes and _bulk, drops, failures with
Elasticsearch's error bodies, verbose _simulate; stored mustache scripts
used by _search/template and _render/template; painless refused where it
would have to run.
"""
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from test_documents import call  # noqa: E402


class IngestTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.node = harness.Node(name='osprey-ingest').start()
        cls.url = cls.node.url

    @classmethod
    def tearDownClass(cls):
        cls.node.stop()

    def c(self, *a, **k):
        return call(self.url, *a, **k)

    def test_pipeline_crud_and_errors(self):
        st, b = self.c('PUT', '/_ingest/pipeline/p_crud', {
            'description': 'd', 'processors': [{'set': {'field': 'a', 'value': 1}}]})
        self.assertEqual((st, b), (200, {'acknowledged': True}))
        st, b = self.c('GET', '/_ingest/pipeline/p_cr*')
        self.assertEqual(st, 200)
        self.assertEqual(b['p_crud']['description'], 'd')
        st, b = self.c('PUT', '/_ingest/pipeline/bad', {'processors': [{'set': {'value': 1}}]})
        self.assertEqual(st, 400)
        self.assertEqual(b['error']['type'], 'parse_exception')
        self.assertEqual(b['error']['reason'], '[field] required property is missing')
        st, b = self.c('PUT', '/_ingest/pipeline/bad', {'processors': [{'script': {'source': 'ctx.a=1'}}]})
        self.assertEqual(st, 400)
        self.assertEqual(b['error']['reason'], 'script_lang not supported [painless]')
        st, b = self.c('DELETE', '/_ingest/pipeline/p_crud')
        self.assertEqual((st, b), (200, {'acknowledged': True}))
        st, b = self.c('GET', '/_ingest/pipeline/p_crud')
        self.assertEqual((st, b), (404, {}))
        st, b = self.c('DELETE', '/_ingest/pipeline/p_crud')
        self.assertEqual(st, 404)
        self.assertEqual(b['error']['type'], 'resource_not_found_exception')

    def test_writes_run_pipelines(self):
        self.assertEqual(self.c('PUT', '/_ingest/pipeline/up', {'processors': [
            {'uppercase': {'field': 'name'}},
            {'drop': {'if': "ctx.name == 'DROPME'"}}]})[0], 200)
        self.assertEqual(self.c('PUT', '/_ingest/pipeline/stamp', {'processors': [
            {'set': {'field': 'final', 'value': '{{_index}}'}}]})[0], 200)
        st, _ = self.c('PUT', '/ing', {'settings': {'number_of_shards': 1,
                                                    'index.default_pipeline': 'up',
                                                    'index.final_pipeline': 'stamp'}})
        self.assertEqual(st, 200)
        st, b = self.c('PUT', '/ing/_doc/1?refresh=true', {'name': 'abc'})
        self.assertEqual(st, 201, b)
        st, b = self.c('GET', '/ing/_doc/1')
        self.assertEqual(b['_source'], {'name': 'ABC', 'final': 'ing'})
        st, b = self.c('PUT', '/ing/_doc/2', {'name': 'dropme'})
        self.assertEqual(st, 200)
        self.assertEqual(b['result'], 'noop')
        self.assertEqual(b['_version'], -3)
        self.assertEqual(self.c('GET', '/ing/_doc/2')[0], 404)
        # ?pipeline=_none skips the default one, not the final one
        st, b = self.c('PUT', '/ing/_doc/3?pipeline=_none&refresh=true', {'name': 'low'})
        self.assertEqual(st, 201)
        self.assertEqual(self.c('GET', '/ing/_doc/3')[1]['_source'], {'name': 'low', 'final': 'ing'})
        st, b = self.c('POST', '/_bulk?refresh=true', [
            {'index': {'_index': 'ing', '_id': '4'}}, {'name': 'bulk'},
            {'index': {'_index': 'ing', '_id': '5'}}, {'name': 'dropme'},
            {'index': {'_index': 'ing', '_id': '6', 'pipeline': 'missing'}}, {'name': 'x'}], ndjson=True)
        self.assertEqual(st, 200)
        items = [list(i.values())[0] for i in b['items']]
        self.assertEqual(items[0]['status'], 201)
        self.assertEqual(items[1]['result'], 'noop')
        self.assertEqual(items[2]['status'], 400)
        self.assertEqual(items[2]['error']['reason'], 'pipeline with id [missing] does not exist')
        self.assertEqual(self.c('GET', '/ing/_doc/4')[1]['_source']['name'], 'BULK')
        st, b = self.c('PUT', '/_ingest/pipeline/failing', {'processors': [{'fail': {'message': 'no {{name}}'}}]})
        st, b = self.c('PUT', '/ing/_doc/7?pipeline=failing', {'name': 'n'})
        self.assertEqual(st, 500)
        self.assertEqual(b['error']['type'], 'fail_processor_exception')
        self.assertEqual(b['error']['reason'], 'no n')

    def test_simulate(self):
        st, b = self.c('POST', '/_ingest/pipeline/_simulate?verbose=true', {
            'pipeline': {'processors': [
                {'set': {'field': 'a', 'value': 1, 'tag': 't'}},
                {'rename': {'field': 'zz', 'target_field': 'y', 'ignore_failure': True}},
                {'lowercase': {'field': 'a'}}]},
            'docs': [{'_source': {'x': 1}}]})
        self.assertEqual(st, 200, b)
        res = b['docs'][0]['processor_results']
        self.assertEqual([r['status'] for r in res], ['success', 'error_ignored', 'error'])
        self.assertEqual(res[0]['tag'], 't')
        self.assertEqual(res[0]['doc']['_source'], {'x': 1, 'a': 1})
        self.assertEqual(res[2]['error']['type'], 'illegal_argument_exception')
        st, b = self.c('POST', '/_ingest/pipeline/_simulate', {'pipeline': {'processors': []}})
        self.assertEqual(st, 400)
        self.assertEqual(b['error']['reason'], '[docs] required property is missing')

    def test_scripts_and_templates(self):
        st, b = self.c('PUT', '/_scripts/tpl', {'script': {'lang': 'mustache', 'source': {
            'query': {'match': {'t': '{{q}}'}}, 'size': '{{size}}'}}})
        self.assertEqual((st, b), (200, {'acknowledged': True}))
        st, b = self.c('GET', '/_scripts/tpl')
        self.assertEqual(b['script']['lang'], 'mustache')
        self.assertEqual(json.loads(b['script']['source']), {'query': {'match': {'t': '{{q}}'}}, 'size': '{{size}}'})
        st, b = self.c('POST', '/_render/template', {'id': 'tpl', 'params': {'q': 'a "b"', 'size': 3}})
        self.assertEqual(b['template_output'], {'query': {'match': {'t': 'a "b"'}}, 'size': '3'})
        st, b = self.c('POST', '/_render/template', {'source': '{"terms":{{#toJson}}l{{/toJson}}}',
                                                     'params': {'l': [1, 'x']}})
        self.assertEqual(b['template_output'], {'terms': [1, 'x']})
        self.c('PUT', '/tdocs', {'settings': {'number_of_shards': 1}})
        self.c('PUT', '/tdocs/_doc/1?refresh=true', {'t': 'hello world'})
        st, b = self.c('POST', '/tdocs/_search/template', {'id': 'tpl', 'params': {'q': 'hello', 'size': 5}})
        self.assertEqual(st, 200, b)
        self.assertEqual(b['hits']['total']['value'], 1)
        st, b = self.c('POST', '/_search/template', {'id': 'nope'})
        self.assertEqual(st, 404)
        self.assertEqual(b['error']['type'], 'resource_not_found_exception')
        st, b = self.c('PUT', '/_scripts/pl', {'script': {'lang': 'painless', 'source': 'return 1'}})
        self.assertEqual(st, 200)
        st, b = self.c('POST', '/_render/template', {'id': 'pl'})
        self.assertEqual(st, 400)
        self.assertEqual(b['error']['reason'], 'script_lang not supported [painless]')
        st, b = self.c('PUT', '/_scripts/bad', {'script': {'lang': 'mustache', 'source': '{{#a}}'}})
        self.assertEqual(st, 400)
        self.assertEqual(b['error']['type'], 'general_script_exception')
        st, b = self.c('DELETE', '/_scripts/tpl')
        self.assertEqual((st, b), (200, {'acknowledged': True}))
        self.assertEqual(self.c('GET', '/_scripts/tpl'), (404, {'_id': 'tpl', 'found': False}))


if __name__ == '__main__':
    unittest.main()
