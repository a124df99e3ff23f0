#!/usr/bin/python3
"""test_cluster_apis.py - cluster settings and node usage on a real node.

_cluster/settings: persistent settings survive a node restart and transient
ones do not (Elasticsearch drops transient settings on a full restart);
validation errors; action.auto_create_index and
search.max_open_scroll_context take effect. _nodes/usage:
every dispatched request is counted once under the handler's first route.
"""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from test_documents import call  # noqa: E402  (one HTTP helper for the suites)


class ClusterSettingsTest(unittest.TestCase):
    def test_persistence_across_restart(self):
        n = harness.Node(name='osprey-csettings').start()
        try:
            st, body = call(n.url, 'PUT', '/_cluster/settings', {
                'persistent': {'action.auto_create_index': 'false',
                               'cluster': {'routing': {'allocation': {'enable': 'primaries'}}}},
                'transient': {'search.max_open_scroll_context': 100}})
            self.assertEqual(st, 200, body)
            self.assertEqual(body['acknowledged'], True)
            self.assertEqual(body['persistent'], {'action': {'auto_create_index': 'false'},
                                                  'cluster': {'routing': {'allocation': {'enable': 'primaries'}}}})
            self.assertEqual(body['transient'], {'search': {'max_open_scroll_context': '100'}})

            st, body = call(n.url, 'PUT', '/nope/_doc/1', {'a': 1})
            self.assertEqual(st, 404, body)
            self.assertEqual(body['error']['type'], 'index_not_found_exception')
            self.assertEqual(body['error']['reason'],
                             'no such index [nope] and [action.auto_create_index] is [false]')

            n.restart()
            st, body = call(n.url, 'GET', '/_cluster/settings?flat_settings=true')
            self.assertEqual(st, 200, body)
            self.assertEqual(body['persistent'], {'action.auto_create_index': 'false',
                                                  'cluster.routing.allocation.enable': 'primaries'})
            self.assertEqual(body['transient'], {})
            st, body = call(n.url, 'PUT', '/nope/_doc/1', {'a': 1})
            self.assertEqual(st, 404, body)

            # null resets, a wildcard resets a family
            st, body = call(n.url, 'PUT', '/_cluster/settings',
                            {'persistent': {'action.auto_create_index': None, 'cluster.*': None}})
            self.assertEqual(st, 200, body)
            st, body = call(n.url, 'GET', '/_cluster/settings')
            self.assertEqual(body, {'persistent': {}, 'transient': {}})
            st, body = call(n.url, 'PUT', '/yes/_doc/1', {'a': 1})
            self.assertEqual(st, 201, body)
        finally:
            n.stop()
            n.cleanup()

    def test_validation(self):
        n = harness.Node(name='osprey-csettings-bad').start()
        try:
            st, body = call(n.url, 'PUT', '/_cluster/settings', {'persistent': {'no.such.setting': 1}})
            self.assertEqual(st, 400, body)
            self.assertEqual(body['error']['type'], 'illegal_argument_exception')
            self.assertEqual(body['error']['reason'], 'persistent setting [no.such.setting], not recognized')
            st, body = call(n.url, 'PUT', '/_cluster/settings', {'transient': {'no.such': None}})
            self.assertEqual(body['error']['reason'], 'transient setting [no.such], not recognized')
            st, body = call(n.url, 'PUT', '/_cluster/settings', {'persistent': {'cluster.max_shards_per_node': 'x'}})
            self.assertEqual(st, 400, body)
            self.assertEqual(body['error']['reason'],
                             'Failed to parse value [x] for setting [cluster.max_shards_per_node]')
            st, body = call(n.url, 'PUT', '/_cluster/settings', {})
            self.assertEqual(st, 400, body)
            self.assertEqual(body['error']['type'], 'action_request_validation_exception')
            st, body = call(n.url, 'PUT', '/_cluster/settings', {'persistent': {'action.destructive_requires_name': 'maybe'}})
            self.assertEqual(st, 400, body)
            st, body = call(n.url, 'GET', '/_cluster/settings')
            self.assertEqual(body, {'persistent': {}, 'transient': {}})
        finally:
            n.stop()
            n.cleanup()


class ScrollLimitTest(unittest.TestCase):
    def test_max_open_scroll_context(self):
        n = harness.Node(name='osprey-csettings-scroll').start()
        try:
            self.assertEqual(call(n.url, 'PUT', '/sc/_doc/1?refresh=true', {'a': 1})[0], 201)
            st, body = call(n.url, 'PUT', '/_cluster/settings',
                            {'transient': {'search.max_open_scroll_context': 1}})
            self.assertEqual(st, 200, body)
            st, body = call(n.url, 'POST', '/sc/_search?scroll=1m', {'size': 1})
            self.assertEqual(st, 200, body)
            st, body = call(n.url, 'POST', '/sc/_search?scroll=1m', {'size': 1})
            self.assertEqual(st, 429, body)
            self.assertEqual(body['error']['type'], 'too_many_scroll_contexts_exception')
            self.assertIn('less than or equal to: [1]', body['error']['reason'])
        finally:
            n.stop()
            n.cleanup()


class NodesUsageTest(unittest.TestCase):
    def test_rest_action_counts(self):
        n = harness.Node(name='osprey-usage').start()
        try:
            st, body = call(n.url, 'GET', '/_nodes/usage')
            self.assertEqual(st, 200, body)
            (node_id, before), = body['nodes'].items()
            base = before['rest_actions']
            for _ in range(3):
                self.assertEqual(call(n.url, 'GET', '/_cat/health?format=json')[0], 200)
            for i in range(2):
                self.assertEqual(call(n.url, 'PUT', '/usage/_doc/%d' % i, {'a': i})[0], 201)
            self.assertEqual(call(n.url, 'GET', '/_cluster/health')[0], 200)
            self.assertEqual(call(n.url, 'GET', '/no/such/route/at/all')[0] >= 400, True)
            st, body = call(n.url, 'GET', '/_nodes/%s/usage/rest_actions' % node_id)
            self.assertEqual(st, 200, body)
            self.assertEqual(body['_nodes'], {'total': 1, 'successful': 1, 'failed': 0})
            after = body['nodes'][node_id]
            self.assertNotIn('aggregations', after)
            self.assertGreaterEqual(after['timestamp'], after['since'])
            acts = after['rest_actions']

            def grew(key):
                return acts.get(key, 0) - base.get(key, 0)
            self.assertEqual(grew('GET /_cat/health'), 3)
            self.assertEqual(grew('GET /_cluster/health'), 1)
            self.assertEqual(grew('GET /_nodes/usage'), 1)   # this call, under the handler's first route
            self.assertEqual(sum(v for k, v in acts.items() if k.startswith('PUT ')) -
                             sum(v for k, v in base.items() if k.startswith('PUT ')), 2)
            # a node filter that selects nothing
            st, body = call(n.url, 'GET', '/_nodes/nobody/usage')
            self.assertEqual(body['_nodes']['total'], 0)
            self.assertEqual(body['nodes'], {})
        finally:
            n.stop()
            n.cleanup()


if __name__ == '__main__':
    unittest.main()
