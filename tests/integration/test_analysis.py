#!/usr/bin/python3
"""test_analysis.py - an index's custom analysis settings on its shards.

An index created with settings.analysis (custom analyzers with char filters,
tokenizers and token filters, and normalizers) must index and search with
them: match queries find documents through the custom analyzer, keyword
fields with a normalizer normalize both the indexed value and the query value
of term/terms/prefix/range, and _analyze with index + analyzer uses the same
definitions. Analysis settings change only on a closed index; reopening
builds the shards' analyzers anew.
"""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from test_documents import call  # noqa: E402


SETTINGS = {
    'number_of_shards': 2,
    'analysis': {
        'char_filter': {
            'emoticons': {'type': 'mapping', 'mappings': [':) => _happy_', ':( => _sad_']},
        },
        'filter': {
            'my_stop': {'type': 'stop', 'stopwords': ['the', 'a']},
            'short': {'type': 'length', 'min': 2},
        },
        'analyzer': {
            'my_an': {
                'type': 'custom',
                'char_filter': ['html_strip', 'emoticons'],
                'tokenizer': 'standard',
                'filter': ['lowercase', 'asciifolding', 'my_stop', 'porter_stem', 'short'],
            },
        },
        'normalizer': {
            'my_norm': {'type': 'custom', 'filter': ['lowercase', 'asciifolding']},
        },
    },
}

MAPPINGS = {
    'properties': {
        'body': {'type': 'text', 'analyzer': 'my_an'},
        'tag': {'type': 'keyword', 'normalizer': 'my_norm'},
        'raw': {'type': 'keyword'},
    },
}


class AnalysisTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.ctx = harness.node()
        cls.n = cls.ctx.__enter__()
        cls.url = cls.n.url

    @classmethod
    def tearDownClass(cls):
        cls.ctx.__exit__(None, None, None)

    def search(self, index, query):
        st, r = call(self.url, 'POST', '/%s/_search' % index, {'query': query})
        self.assertEqual(st, 200, r)
        return sorted(h['_id'] for h in r['hits']['hits'])

    def test_custom_analyzer_and_normalizer_on_shards(self):
        st, r = call(self.url, 'PUT', '/an1', {'settings': SETTINGS, 'mappings': MAPPINGS})
        self.assertEqual(st, 200, r)
        docs = {
            '1': {'body': '<p>The Running Caf\u00e9s :)</p>', 'tag': 'Caf\u00e9', 'raw': 'Caf\u00e9'},
            '2': {'body': 'a dog ran x', 'tag': 'DOG', 'raw': 'DOG'},
            '3': {'body': 'nothing here', 'tag': 'zebra', 'raw': 'zebra'},
        }
        for i, d in docs.items():
            st, r = call(self.url, 'PUT', '/an1/_doc/%s?refresh=true' % i, d)
            self.assertIn(st, (200, 201), r)
        # html stripped, folded, stemmed, stop words and short tokens gone
        self.assertEqual(self.search('an1', {'match': {'body': 'cafe'}}), ['1'])
        self.assertEqual(self.search('an1', {'match': {'body': 'runs'}}), ['1'])
        self.assertEqual(self.search('an1', {'match': {'body': '_happy_'}}), ['1'])
        self.assertEqual(self.search('an1', {'match': {'body': 'p'}}), [])
        self.assertEqual(self.search('an1', {'match_phrase': {'body': 'running cafes'}}), ['1'])
        self.assertEqual(self.search('an1', {'match': {'body': 'x'}}), [])
        # normalized keyword: indexed value and query value
        self.assertEqual(self.search('an1', {'term': {'tag': 'CAFE'}}), ['1'])
        self.assertEqual(self.search('an1', {'term': {'tag': 'caf\u00e9'}}), ['1'])
        self.assertEqual(self.search('an1', {'terms': {'tag': ['Dog', 'ZEBRA']}}), ['2', '3'])
        self.assertEqual(self.search('an1', {'prefix': {'tag': 'DO'}}), ['2'])
        self.assertEqual(self.search('an1', {'range': {'tag': {'gte': 'D', 'lt': 'E'}}}), ['2'])
        self.assertEqual(self.search('an1', {'match': {'tag': 'ZEBRA'}}), ['3'])
        # no normalizer: exact
        self.assertEqual(self.search('an1', {'term': {'raw': 'dog'}}), [])
        self.assertEqual(self.search('an1', {'term': {'raw': 'DOG'}}), ['2'])
        self.assertEqual(self.search('an1', {'match': {'raw': 'dog'}}), [])
        # terms aggregation shows the normalized keyword
        st, r = call(self.url, 'POST', '/an1/_search',
                     {'size': 0, 'aggs': {'t': {'terms': {'field': 'tag'}}}})
        self.assertEqual(st, 200, r)
        self.assertEqual(sorted(b['key'] for b in r['aggregations']['t']['buckets']),
                         ['cafe', 'dog', 'zebra'])
        # _analyze with the index's analyzer and normalizer
        st, r = call(self.url, 'POST', '/an1/_analyze',
                     {'analyzer': 'my_an', 'text': '<b>The Caf\u00e9s</b> :('})
        self.assertEqual(st, 200, r)
        self.assertEqual([t['token'] for t in r['tokens']], ['cafe', '_sad_'])
        st, r = call(self.url, 'POST', '/an1/_analyze', {'field': 'tag', 'text': 'Caf\u00e9'})
        self.assertEqual(st, 200, r)
        self.assertEqual([t['token'] for t in r['tokens']], ['cafe'])

    def test_survives_restart_and_reopen_with_new_settings(self):
        st, r = call(self.url, 'PUT', '/an2', {
            'settings': {'analysis': {'analyzer': {'my_an': {
                'type': 'custom', 'tokenizer': 'whitespace', 'filter': ['lowercase']}}}},
            'mappings': {'properties': {'body': {'type': 'text', 'analyzer': 'my_an'}}}})
        self.assertEqual(st, 200, r)
        st, r = call(self.url, 'PUT', '/an2/_doc/1?refresh=true', {'body': 'Foo-Bar baz'})
        self.assertIn(st, (200, 201), r)
        self.assertEqual(self.search('an2', {'match': {'body': 'foo-bar'}}), ['1'])
        # analysis is a static setting: refused on an open index
        st, r = call(self.url, 'PUT', '/an2/_settings', {'analysis': {'analyzer': {'my_an': {
            'type': 'custom', 'tokenizer': 'standard', 'filter': ['lowercase']}}}})
        self.assertEqual(st, 400, r)
        self.assertEqual(r['error']['type'], 'illegal_argument_exception')
        st, r = call(self.url, 'POST', '/an2/_close')
        self.assertEqual(st, 200, r)
        st, r = call(self.url, 'PUT', '/an2/_settings', {'analysis': {'analyzer': {'my_an': {
            'type': 'custom', 'tokenizer': 'standard', 'filter': ['lowercase']}}}})
        self.assertEqual(st, 200, r)
        st, r = call(self.url, 'POST', '/an2/_open?wait_for_active_shards=all')
        self.assertEqual(st, 200, r)
        st, r = call(self.url, 'GET', '/_cluster/health/an2?wait_for_status=yellow&timeout=20s')
        self.assertEqual(st, 200, r)
        # the old document keeps its terms; the query now goes through standard
        self.assertEqual(self.search('an2', {'match': {'body': 'foo'}}), [])
        st, r = call(self.url, 'PUT', '/an2/_doc/2?refresh=true', {'body': 'Foo-Bar'})
        self.assertIn(st, (200, 201), r)
        self.assertEqual(self.search('an2', {'match': {'body': 'foo'}}), ['2'])

    def test_unknown_analyzer_is_an_es_error(self):
        st, r = call(self.url, 'PUT', '/an3', {
            'mappings': {'properties': {'body': {'type': 'text', 'analyzer': 'nope'}}}})
        self.assertEqual(st, 400, r)
        self.assertEqual(r['error']['type'], 'mapper_parsing_exception')
        self.assertEqual(r['error']['root_cause'][0]['type'], 'mapper_parsing_exception')
        st, r = call(self.url, 'PUT', '/an4', {'settings': {'analysis': {'analyzer': {'x': {
            'type': 'custom', 'tokenizer': 'standard', 'filter': ['nope']}}}}})
        self.assertEqual(st, 400, r)
        self.assertEqual(r['error']['type'], 'illegal_argument_exception')
        self.assertIn('failed to find filter under name [nope]', r['error']['reason'])


if __name__ == '__main__':
    unittest.main(verbosity=2)
