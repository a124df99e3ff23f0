#!/usr/bin/python3
"""test_templates.py - index templates and data streams on a real node.

What the REST YAML suites do not cover: templates applied when a document
write auto-creates an index (legacy by order, composable by priority with
its component templates, the request body winning on PUT /{index}); a
data stream created by the first write, its rules (@timestamp, op_type
create) and its search through the stream name; templates, component
templates and data streams surviving a node restart (persisted as
cluster-state customs by control); ES's error bodies for the common
mistakes.
"""
import json
import os
import sys
import unittest
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402


def call(base, method, path, body=None):
    data = None
    headers = {}
    if body is not None:
        data = json.dumps(body).encode()
        headers['Content-Type'] = 'application/json'
    req = urllib.request.Request(base + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            raw = r.read()
            return r.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as e:
        raw = e.read()
        return e.code, json.loads(raw) if raw else None


class TemplatesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.node = harness.Node(name='osprey-templates').start()

    @classmethod
    def tearDownClass(cls):
        cls.node.stop()
        cls.node.cleanup()

    def c(self, *a, **k):
        return call(self.node.url, *a, **k)

    def ok(self, *a, **k):
        st, b = self.c(*a, **k)
        self.assertIn(st, (200, 201), b)
        return b

    def test_1_autocreate_applies_templates(self):
        self.ok('PUT', '/_component_template/ct_shards', {
            'template': {'settings': {'number_of_shards': 2},
                         'mappings': {'properties': {'from_ct': {'type': 'keyword'}}}}})
        self.ok('PUT', '/_index_template/it_low', {
            'index_patterns': ['auto-*'], 'priority': 1,
            'template': {'mappings': {'properties': {'low': {'type': 'keyword'}}}}})
        self.ok('PUT', '/_index_template/it_high', {
            'index_patterns': ['auto-x*'], 'priority': 5, 'composed_of': ['ct_shards'],
            'template': {'settings': {'index.number_of_replicas': 0},
                         'mappings': {'properties': {'n': {'type': 'long'}}},
                         'aliases': {'auto_alias': {}}}})
        self.ok('PUT', '/auto-x1/_doc/1?refresh=true', {'n': 5, 'from_ct': 'a'})
        b = self.ok('GET', '/auto-x1')
        ix = b['auto-x1']
        self.assertEqual(ix['settings']['index']['number_of_shards'], '2')
        self.assertEqual(ix['settings']['index']['number_of_replicas'], '0')
        props = ix['mappings']['properties']
        self.assertEqual(props['n']['type'], 'long')
        self.assertEqual(props['from_ct']['type'], 'keyword')
        self.assertNotIn('low', props)          # only the highest priority applies
        self.assertIn('auto_alias', ix['aliases'])
        b = self.ok('GET', '/auto_alias/_search')
        self.assertEqual(b['hits']['total']['value'], 1)
        # the lower priority template applies where it is the only match
        self.ok('POST', '/auto-y/_doc', {'low': 'v'})
        self.assertEqual(self.ok('GET', '/auto-y/_mapping')['auto-y']['mappings']
                         ['properties']['low']['type'], 'keyword')

    def test_2_legacy_order_and_body_wins(self):
        self.ok('PUT', '/_template/lg0', {'index_patterns': ['leg-*'], 'order': 0,
                                           'settings': {'number_of_shards': 3,
                                                        'number_of_replicas': 0}})
        self.ok('PUT', '/_template/lg1', {'index_patterns': ['leg-*'], 'order': 1,
                                           'settings': {'number_of_shards': 2}})
        self.ok('PUT', '/leg-a', None)
        s = self.ok('GET', '/leg-a/_settings')['leg-a']['settings']['index']
        self.assertEqual(s['number_of_shards'], '2')   # higher order wins
        self.ok('PUT', '/leg-b', {'settings': {'index': {'number_of_shards': 1}}})
        s = self.ok('GET', '/leg-b/_settings')['leg-b']['settings']['index']
        self.assertEqual(s['number_of_shards'], '1')   # the request body wins

    def test_3_errors(self):
        st, b = self.c('PUT', '/_index_template/bad', {'template': {}})
        self.assertEqual(st, 400)
        self.assertEqual(b['error']['type'], 'action_request_validation_exception')
        st, b = self.c('PUT', '/_index_template/bad', {'index_patterns': ['q*'],
                                                         'composed_of': ['nope']})
        self.assertEqual(st, 400)
        self.assertEqual(b['error']['reason'],
                         'index template [bad] specifies component templates [nope] that do not exist')
        self.ok('PUT', '/_index_template/ov1', {'index_patterns': ['ov*'], 'priority': 7})
        st, b = self.c('PUT', '/_index_template/ov2', {'index_patterns': ['ov-a*'], 'priority': 7})
        self.assertEqual(st, 400)
        self.assertIn('that have the same priority [7]', b['error']['reason'])
        st, b = self.c('PUT', '/_index_template/ov1?create=true', {'index_patterns': ['zz*']})
        self.assertEqual((st, b['error']['reason']), (400, 'index template [ov1] already exists'))
        st, b = self.c('DELETE', '/_component_template/ct_shards')
        self.assertEqual(st, 400)
        self.assertIn('cannot be removed as they are still in use by index templates [it_high]',
                      b['error']['reason'])
        st, b = self.c('GET', '/_index_template/missing')
        self.assertEqual((st, b['error']['type']), (404, 'resource_not_found_exception'))
        st, b = self.c('DELETE', '/_template/missing')
        self.assertEqual((st, b['error']['type']), (404, 'index_template_missing_exception'))

    def test_4_data_stream_on_write(self):
        self.ok('PUT', '/_index_template/ds_t', {
            'index_patterns': ['events-*'], 'priority': 3, 'data_stream': {},
            'template': {'mappings': {'properties': {'msg': {'type': 'text'}}}}})
        st, b = self.c('PUT', '/events-a/_doc/1', {'@timestamp': '2026-11-22', 'msg': 'x'})
        self.assertEqual(st, 400, b)
        self.assertEqual(b['error']['reason'],
                         'only write ops with an op_type of create are allowed in data streams')
        self.ok('POST', '/events-a/_doc?refresh=true', {'@timestamp': '2026-11-22T00:00:00Z',
                                                        'msg': 'hello'})
        st, b = self.c('POST', '/events-a/_doc', {'msg': 'no time'})
        self.assertEqual(st, 400)
        self.assertIn('data stream timestamp field [@timestamp] is missing', b['error']['reason'])
        ds = self.ok('GET', '/_data_stream/events-a')['data_streams'][0]
        self.assertEqual(ds['name'], 'events-a')
        self.assertEqual(ds['template'], 'ds_t')
        self.assertTrue(ds['indices'][0]['index_name'].startswith('.ds-events-a-'))
        self.assertTrue(ds['indices'][0]['index_name'].endswith('-000001'))
        b = self.ok('GET', '/events-a/_search')
        self.assertEqual(b['hits']['total']['value'], 1)
        self.assertEqual(b['hits']['hits'][0]['_index'], ds['indices'][0]['index_name'])
        st, b = self.c('PUT', '/events-b', None)
        self.assertEqual(st, 400)
        self.assertIn('creates data streams only', b['error']['reason'])

    def test_5_rollover_data_stream(self):
        self.ok('PUT', '/_index_template/roll_t', {'index_patterns': ['roll-*'], 'priority': 4,
                                                    'data_stream': {}})
        self.ok('PUT', '/_data_stream/roll-a', None)
        self.ok('POST', '/roll-a/_doc?refresh=true', {'@timestamp': '2026-01-01T00:00:00Z'})
        b = self.ok('POST', '/roll-a/_rollover', {'conditions': {'max_docs': 5}})
        self.assertFalse(b['rolled_over'])
        self.assertEqual(b['conditions'], {'[max_docs: 5]': False})
        b = self.ok('POST', '/roll-a/_rollover', {'conditions': {'max_docs': 1}})
        self.assertTrue(b['rolled_over'])
        self.assertTrue(b['new_index'].endswith('-000002'), b)
        ds = self.ok('GET', '/_data_stream/roll-a')['data_streams'][0]
        self.assertEqual(ds['generation'], 2)
        self.assertEqual([i['index_name'] for i in ds['indices']], [b['old_index'], b['new_index']])
        r = self.ok('POST', '/roll-a/_doc?refresh=true', {'@timestamp': '2026-01-02T00:00:00Z'})
        self.assertEqual(r['_index'], b['new_index'])
        self.assertEqual(self.ok('GET', '/roll-a/_count')['count'], 2)
        self.ok('DELETE', '/_data_stream/roll-a')

    def test_6_restart_keeps_everything(self):
        self.ok('PUT', '/_template/keep_lg', {'index_patterns': ['keep-*'], 'order': 2})
        self.ok('PUT', '/_component_template/keep_ct', {'template': {'settings': {}}})
        self.ok('PUT', '/_index_template/keep_it', {'index_patterns': ['kp-*'],
                                                     'composed_of': ['keep_ct'], 'priority': 9,
                                                     'data_stream': {}})
        self.ok('PUT', '/_data_stream/kp-stream', None)
        self.node.restart()
        b = self.ok('GET', '/_template/keep_lg')
        self.assertEqual(b['keep_lg']['order'], 2)
        b = self.ok('GET', '/_index_template/keep_it')
        self.assertEqual(b['index_templates'][0]['index_template']['composed_of'], ['keep_ct'])
        self.ok('GET', '/_component_template/keep_ct')
        b = self.ok('GET', '/_data_stream/kp-stream')
        self.assertEqual(b['data_streams'][0]['generation'], 1)
        self.ok('POST', '/kp-stream/_doc?refresh=true', {'@timestamp': '2026-01-01T00:00:00Z'})
        self.assertEqual(self.ok('GET', '/kp-stream/_count')['count'], 1)
        self.ok('DELETE', '/_data_stream/kp-stream')
        st, _ = self.c('GET', '/_data_stream/kp-stream')
        self.assertEqual(st, 404)
        b = self.ok('GET', '/_cat/indices?format=json&expand_wildcards=all')
        self.assertFalse([r for r in b if r['index'].startswith('.ds-kp-stream')])


if __name__ == '__main__':
    unittest.main(verbosity=2)
