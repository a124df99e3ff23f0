#!/usr/bin/python3
"""test_snapshot.py - snapshots to an fs repository and restores, on a real node.

Index documents, snapshot, delete the index, restore, and search returns
the same documents; a second snapshot reuses the unchanged segment files
(incremental); restoring under a new name with rename_pattern; a corrupt
file in the repository fails the restore with an error and creates no
index; a location outside path.repo is refused with Elasticsearch's error.
"""
import glob
import os
import shutil
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from test_documents import call  # noqa: E402


class SnapshotTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.repo_root = tempfile.mkdtemp(prefix='osprey-snap-repo-')
        cls.node = harness.Node(name='osprey-snap', settings={'path.repo': cls.repo_root}).start()
        cls.url = cls.node.url

    @classmethod
    def tearDownClass(cls):
        cls.node.stop()
        shutil.rmtree(cls.repo_root, True)

    def c(self, *a, **k):
        return call(self.url, *a, **k)

    def ids(self, index):
        st, b = self.c('POST', '/%s/_search' % index, {'size': 100, 'sort': ['n']})
        self.assertEqual(st, 200, b)
        return [(h['_id'], h['_source']) for h in b['hits']['hits']]

    def test_repository_rules(self):
        st, b = self.c('PUT', '/_snapshot/outside', {'type': 'fs', 'settings': {'location': '/etc/osprey-nope'}})
        self.assertEqual(st, 500)
        self.assertEqual(b['error']['type'], 'repository_exception')
        self.assertIn("doesn't match any of the locations specified by path.repo", b['error']['reason'])
        st, b = self.c('PUT', '/_snapshot/weird', {'type': 's3', 'settings': {}})
        self.assertEqual(st, 500)
        self.assertEqual(b['error']['reason'], '[weird] repository type [s3] does not exist')
        st, b = self.c('GET', '/_snapshot/nope')
        self.assertEqual(st, 404)
        self.assertEqual(b['error']['type'], 'repository_missing_exception')

    def test_snapshot_restore_incremental_corrupt(self):
        st, b = self.c('PUT', '/_snapshot/r1', {'type': 'fs', 'settings': {'location': 'r1'}})
        self.assertEqual((st, b), (200, {'acknowledged': True}))
        self.assertEqual(self.c('PUT', '/docs', {'settings': {'number_of_shards': 2},
                                                 'aliases': {'docs_alias': {}}})[0], 200)
        lines = []
        for i in range(40):
            lines += [{'index': {'_index': 'docs', '_id': str(i)}}, {'n': i, 't': 'doc %d' % i}]
        st, b = self.c('POST', '/_bulk?refresh=true', lines, ndjson=True)
        self.assertFalse(b['errors'])
        before = self.ids('docs')
        self.assertEqual(len(before), 40)

        st, b = self.c('PUT', '/_snapshot/r1/s1?wait_for_completion=true', {'indices': 'docs'})
        self.assertEqual(st, 200, b)
        self.assertEqual(b['snapshot']['state'], 'SUCCESS')
        self.assertEqual(b['snapshot']['shards'], {'total': 2, 'failed': 0, 'successful': 2})
        # a second snapshot of unchanged data copies nothing but commit points
        st, b = self.c('PUT', '/_snapshot/r1/s2?wait_for_completion=true', {'indices': 'docs'})
        self.assertEqual(st, 200, b)
        st, b = self.c('GET', '/_snapshot/r1/s2/_status')
        stats = b['snapshots'][0]['stats']
        self.assertGreater(stats['total']['file_count'], stats['incremental']['file_count'])
        self.assertLessEqual(stats['incremental']['file_count'], 2)   # one commit point per shard
        st, b = self.c('GET', '/_snapshot/r1/_all')
        self.assertEqual([s['snapshot'] for s in b['snapshots']], ['s1', 's2'])
        # _cat/snapshots without a repository lists every repository
        self.assertEqual(self.c('PUT', '/_snapshot/r2', {'type': 'fs', 'settings': {'location': 'r2'}})[0], 200)
        st, b = self.c('PUT', '/_snapshot/r2/s9?wait_for_completion=true', {'indices': 'docs'})
        self.assertEqual(st, 200, b)
        st, b = self.c('GET', '/_cat/snapshots?format=json')
        self.assertEqual(sorted((x['repository'], x['id'], x['status']) for x in b),
                         [('r1', 's1', 'SUCCESS'), ('r1', 's2', 'SUCCESS'), ('r2', 's9', 'SUCCESS')])
        self.assertEqual(self.c('DELETE', '/_snapshot/r2/s9')[0], 200)
        self.assertEqual(self.c('DELETE', '/_snapshot/r2')[0], 200)
        st, b = self.c('PUT', '/_snapshot/r1/s1', {})
        self.assertEqual(st, 400)
        self.assertEqual(b['error']['type'], 'invalid_snapshot_name_exception')

        # restore over a deleted index
        self.assertEqual(self.c('DELETE', '/docs')[0], 200)
        st, b = self.c('POST', '/_snapshot/r1/s1/_restore?wait_for_completion=true', {'indices': 'docs'})
        self.assertEqual(st, 200, b)
        self.assertEqual(self.ids('docs'), before)
        self.assertEqual(self.c('GET', '/docs_alias/_count')[1]['count'], 40)
        # restoring onto the open index is refused
        st, b = self.c('POST', '/_snapshot/r1/s1/_restore?wait_for_completion=true', {})
        self.assertEqual(st, 500)
        self.assertEqual(b['error']['type'], 'snapshot_restore_exception')
        # under another name, and writes keep working there
        st, b = self.c('POST', '/_snapshot/r1/s2/_restore?wait_for_completion=true',
                       {'rename_pattern': '(.+)', 'rename_replacement': 'copy_$1', 'include_aliases': False})
        self.assertEqual(st, 200, b)
        self.assertEqual(self.ids('copy_docs'), before)
        st, _ = self.c('PUT', '/copy_docs/_doc/new?refresh=true', {'n': 100})
        self.assertEqual(st, 201)
        self.assertEqual(len(self.ids('copy_docs')), 41)

        # deleting s1 keeps what s2 still uses
        self.assertEqual(self.c('DELETE', '/_snapshot/r1/s1'), (200, {'acknowledged': True}))
        self.assertEqual(self.c('POST', '/_snapshot/r1/_cleanup')[1]['results']['deleted_blobs'], 0)

        # a corrupt blob: the restore fails and creates nothing
        blobs = sorted(glob.glob(os.path.join(self.repo_root, 'r1', 'blobs', '*', '*')),
                       key=os.path.getsize)
        victim = blobs[-1]
        with open(victim, 'r+b') as f:
            f.seek(os.path.getsize(victim) // 2)
            byte = f.read(1)
            f.seek(-1, 1)
            f.write(bytes([byte[0] ^ 0xff]))
        st, b = self.c('POST', '/_snapshot/r1/s2/_restore?wait_for_completion=true',
                       {'rename_pattern': 'docs', 'rename_replacement': 'bad', 'include_aliases': False})
        self.assertEqual(st, 500, b)
        self.assertEqual(b['error']['type'], 'snapshot_restore_exception')
        self.assertIn('corrupt', b['error']['reason'])
        self.assertEqual(self.c('GET', '/bad')[0], 404)

        # a snapshot of everything passes over closed indices
        self.assertEqual(self.c('PUT', '/shut', {'settings': {'number_of_shards': 1}})[0], 200)
        self.assertEqual(self.c('POST', '/shut/_close')[0], 200)
        st, b = self.c('PUT', '/_snapshot/r1/everything?wait_for_completion=true')
        self.assertEqual(st, 200, b)
        self.assertEqual(b['snapshot']['state'], 'SUCCESS')
        self.assertNotIn('shut', b['snapshot']['indices'])
        self.assertIn('docs', b['snapshot']['indices'])


if __name__ == '__main__':
    unittest.main()
