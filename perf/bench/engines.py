"""engines.py - one object per engine under test, with the same three
calls: build(corpus[, limit]) -> {build_s, index_bytes, docs}, query(...)
-> the pf-load/pf-peer JSON result, drop(label) and close(). Osprey is driven over HTTP by
pf-load; SQLite FTS5, Xapian and PostgreSQL in-process by pf-peer."""
import json
import os
import shutil
import subprocess

import servers
import workload

CATEGORIES = ['HighTerm', 'MedTerm', 'LowTerm', 'AndHighHigh', 'AndHighMed', 'OrHighHigh',
              'OrHighMed', 'Phrase', 'IntNRQ', 'TermSort', 'TermAgg']


def run_json(cmd, out, timeout):
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if p.returncode != 0:
        raise RuntimeError('%s: exit %d: %s' % (os.path.basename(cmd[0]), p.returncode,
                                                (p.stderr or p.stdout)[-400:]))
    with open(out) as f:
        return json.load(f)


class OspreyEngine:
    name = 'osprey'

    def __init__(self, binary, pf_load, work, mapping):
        self.node = servers.Osprey(binary, work).start()
        self.pf_load = pf_load
        self.work = work
        self.mapping = mapping
        self.reqs = {}

    def build(self, label, corpus_dir, limit=0, timeout=7200):
        before = self.node.size_bytes()
        secs = self.node.load(label, self.mapping, os.path.join(corpus_dir, 'docs.ndjson'),
                              limit=limit, timeout=timeout)
        return {'build_s': secs, 'index_bytes': self.node.size_bytes() - before,
                'docs': self.node.count(label)}

    def drop(self, label):
        self.node.drop(label)

    def _requests(self, label, cat, params):
        key = (label, cat, params)
        if key not in self.reqs:
            path = os.path.join(self.work, 'req-%s-%s.txt' % (label, cat))
            workload.search_requests(cat, params, label, path)
            self.reqs[key] = path
        return self.reqs[key]

    def query(self, label, cat, params, out, duration, warmup, rate=None, conns=1):
        req = self._requests(label, cat, params)
        cmd = [self.pf_load, '-u', self.node.url, '-f', req, '-q', '-j', out, '-l',
               'osprey/%s/%s' % (label, cat), '-w', str(warmup), '-d', str(duration),
               '--drain', '3']
        if rate:
            cmd += ['-R', str(rate), '-c', str(conns)]
        else:
            cmd += ['--closed', '-c', '1']
        return run_json(cmd, out, duration + warmup + 30)

    def bulk(self, label, corpus_dir, out, duration, warmup):
        path = os.path.join(self.work, 'bulk-%s.txt' % label)
        workload.bulk_requests(os.path.join(corpus_dir, 'docs.ndjson'), label, path)
        cmd = [self.pf_load, '-u', self.node.url, '-f', path, '-q', '-j', out, '-l',
               'osprey/%s/Bulk' % label, '-w', str(warmup), '-d', str(duration), '--closed',
               '-c', '2', '--drain', '10']
        r = run_json(cmd, out, duration + warmup + 60)
        r['bulk_bytes_per_request'] = workload.body_bytes(path)
        return r

    def floor(self, out, duration, warmup):
        """GET / closed loop: the HTTP round trip every Osprey figure includes."""
        cmd = [self.pf_load, '-u', self.node.url, '--path', '/', '-q', '-j', out, '-l',
               'osprey/floor', '-w', str(warmup), '-d', str(duration), '--closed', '-c', '1']
        return run_json(cmd, out, duration + warmup + 30)

    def close(self):
        self.node.stop()


class PeerEngine:
    """sqlite / xapian: an index per corpus under the work directory."""

    def __init__(self, name, pf_peer, work):
        self.name = name
        self.engine = {'sqlite-fts5': 'sqlite', 'xapian': 'xapian'}[name]
        self.pf_peer = pf_peer
        self.work = work
        self.dbs = {}

    def db_for(self, label):
        return os.path.join(self.work, '%s.%s' % (label, self.engine))

    def build(self, label, corpus_dir, limit=0, timeout=7200):
        db = self.db_for(label)
        out = os.path.join(self.work, 'build-%s-%s.json' % (self.engine, label))
        try:
            r = run_json([self.pf_peer, '-e', self.engine, '-D', db, 'build',
                          os.path.join(corpus_dir, 'docs.tsv'), '-n', str(limit), '-j', out],
                         out, timeout)
        except subprocess.TimeoutExpired:
            raise RuntimeError('indexing did not finish within the %.0f s left' % timeout)
        return {'build_s': r['build_s'], 'index_bytes': r['index_bytes'], 'docs': r['docs']}

    def drop(self, label):
        db = self.db_for(label)
        if os.path.isdir(db):
            shutil.rmtree(db, ignore_errors=True)
        elif os.path.exists(db):
            os.unlink(db)

    def query(self, label, cat, params, out, duration, warmup, rate=None, conns=1):
        cmd = [self.pf_peer, '-e', self.engine, '-D', self.db_for(label), 'run', '-c', cat,
               '-q', params, '-w', str(warmup), '-d', str(duration), '-j', out,
               '-l', '%s/%s/%s' % (self.name, label, cat)]
        if rate:
            cmd += ['-R', str(rate)]
        return run_json(cmd, out, duration + warmup + 30)

    def close(self):
        pass


class PgEngine(PeerEngine):
    """PostgreSQL: one scratch cluster for the run, a database per corpus."""

    def __init__(self, pf_peer, work):
        self.name = 'postgresql'
        self.engine = 'pg'
        self.pf_peer = pf_peer
        self.work = work
        self.server = servers.Postgres(work).start()

    def db_for(self, label):
        return self.server.conninfo.replace('dbname=postgres', 'dbname=%s' % label)

    def _pg(self, tool, label):
        subprocess.run([servers.PG_BIN + '/' + tool, '-h', '127.0.0.1', '-p',
                        str(self.server.port), '-U', 'postgres', label], capture_output=True,
                       timeout=300)

    def build(self, label, corpus_dir, limit=0, timeout=7200):
        self._pg('createdb', label)
        return PeerEngine.build(self, label, corpus_dir, limit, timeout)

    def drop(self, label):
        self._pg('dropdb', label)

    def close(self):
        self.server.stop()
