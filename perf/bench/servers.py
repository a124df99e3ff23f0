"""servers.py - the server processes a benchmark run starts and stops itself:
an Osprey node and a PostgreSQL cluster, both on 127.0.0.1 with data in a
temporary directory. Each object owns its process (stopped by PID) and its
directory (removed on stop). Nothing else is touched."""
import http.client
import json
import os
import queue
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time

PG_BIN = '/usr/lib/postgresql/15/bin'


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def dir_bytes(path):
    total = 0
    for root, _, files in os.walk(path):
        for f in files:
            try:
                total += os.lstat(os.path.join(root, f)).st_size
            except OSError:
                pass
    return total


def find_osprey(repo):
    env = os.environ.get('OSPREY_BIN')
    cands = [env] if env else []
    cands += [os.path.join(repo, d, 'osprey') for d in ('build-perf', 'build')]
    for c in cands:
        if c and os.access(c, os.X_OK) and os.path.exists(
                os.path.join(os.path.dirname(c), 'dataplane', 'osprey-dataplane')):
            return c
    return None


class Osprey:
    """One Osprey node (build/osprey -E http.port -E path.data)."""

    def __init__(self, binary, workdir):
        self.binary = binary
        self.tmp = tempfile.mkdtemp(prefix='osprey-perf-', dir=workdir)
        self.data = os.path.join(self.tmp, 'data')
        self.port = None
        self.proc = None

    def start(self, timeout=60):
        os.makedirs(self.data, exist_ok=True)
        self.port = free_port()
        log = open(os.path.join(self.tmp, 'node.log'), 'ab')
        self.proc = subprocess.Popen(
            [self.binary, '-E', 'http.port=%d' % self.port, '-E', 'path.data=%s' % self.data],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True)
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError('osprey exited: see %s/node.log' % self.tmp)
            try:
                if self.request('GET', '/')[0] == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError('osprey did not answer within %ds' % timeout)

    @property
    def url(self):
        return 'http://127.0.0.1:%d' % self.port

    def request(self, method, path, body=None, ctype='application/json', timeout=300):
        c = http.client.HTTPConnection('127.0.0.1', self.port, timeout=timeout)
        try:
            hdrs = {'Content-Type': ctype} if body is not None else {}
            c.request(method, path, body=body, headers=hdrs)
            r = c.getresponse()
            return r.status, r.read()
        finally:
            c.close()

    def load(self, index, mapping, ndjson_path, batch=1000, conns=2, limit=0, timeout=7200):
        """Create the index and bulk-load the documents (the first `limit`
        when given); returns seconds until they are searchable (bulk +
        refresh). The loader follows Elasticsearch's bulk-load advice, as
        every engine gets its fastest load path: `_bulk` of `batch` docs on
        `conns` keep-alive connections (one parses while another's batch is
        indexed), refresh_interval -1 and async translog in the mapping's
        settings, a short `filter_path=errors` reply. Ids are line numbers
        (build_corpus.py numbers documents 1..n), so no JSON is parsed here."""
        st, body = self.request('PUT', '/' + index, mapping)
        if st != 200:
            raise RuntimeError('create index: %d %s' % (st, body[:300]))
        t0 = time.monotonic()
        deadline = t0 + timeout
        todo = queue.Queue(maxsize=2 * conns)
        failed = []

        def sender():
            c = http.client.HTTPConnection('127.0.0.1', self.port, timeout=600)
            try:
                while True:
                    payload = todo.get()
                    if payload is None:
                        return
                    if not failed:
                        self._bulk(c, index, payload)
            except (OSError, RuntimeError, http.client.HTTPException) as ex:
                failed.append(ex)
                while todo.get() is not None:  # let the reader finish
                    pass
            finally:
                c.close()
        threads = [threading.Thread(target=sender) for _ in range(conns)]
        for t in threads:
            t.start()
        try:
            lines = []
            with open(ndjson_path, 'rb') as f:
                for i, line in enumerate(f, 1):
                    if (limit and i > limit) or failed:
                        break
                    lines.append(b'{"index":{"_id":"%d"}}\n' % i)
                    lines.append(line)
                    if len(lines) >= 2 * batch:
                        todo.put(b''.join(lines))
                        lines = []
                        if time.monotonic() > deadline:
                            failed.append('indexing did not finish within the %.0f s left'
                                          % timeout)
            if lines and not failed:
                todo.put(b''.join(lines))
        finally:
            for _ in threads:
                todo.put(None)
            for t in threads:
                t.join()
        if failed:
            raise RuntimeError(str(failed[0]))
        st, body = self.request('POST', '/%s/_refresh' % index)
        if st != 200:
            raise RuntimeError('refresh: %d %s' % (st, body[:300]))
        return time.monotonic() - t0

    @staticmethod
    def _bulk(c, index, payload):
        c.request('POST', '/%s/_bulk?filter_path=errors' % index, body=payload,
                  headers={'Content-Type': 'application/x-ndjson'})
        r = c.getresponse()
        data = r.read()
        if r.status != 200 or b'"errors":true' in data[:200]:
            raise RuntimeError('bulk: %d %s' % (r.status, data[:500]))

    def drop(self, index):
        self.request('DELETE', '/' + index)

    def count(self, index):
        st, body = self.request('GET', '/%s/_count' % index)
        return json.loads(body)['count'] if st == 200 else -1

    def size_bytes(self):
        return dir_bytes(self.data)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        self.proc = None
        shutil.rmtree(self.tmp, ignore_errors=True)


class Postgres:
    """A throw-away PostgreSQL 15 cluster on 127.0.0.1, run as the postgres
    user (the server refuses root). Durability is off: it is a scratch
    cluster for query latency, rebuilt every run."""

    def __init__(self, workdir):
        self.tmp = tempfile.mkdtemp(prefix='pg-perf-', dir=workdir)
        self.data = os.path.join(self.tmp, 'data')
        self.port = None
        self.started = False

    @staticmethod
    def available():
        return os.path.exists(os.path.join(PG_BIN, 'pg_ctl'))

    def _as_pg(self, args, **kw):
        if os.geteuid() == 0:
            args = ['runuser', '-u', 'postgres', '--'] + args
        return subprocess.run(args, capture_output=True, text=True, timeout=120, **kw)

    def start(self):
        if os.geteuid() == 0:
            shutil.chown(self.tmp, 'postgres')
        r = self._as_pg([PG_BIN + '/initdb', '-D', self.data, '-A', 'trust', '-U', 'postgres'])
        if r.returncode:
            raise RuntimeError('initdb: ' + r.stderr[-500:])
        self.port = free_port()
        opts = ('-p %d -k %s -c listen_addresses=127.0.0.1 -c shared_buffers=512MB '
                '-c work_mem=64MB -c maintenance_work_mem=512MB -c fsync=off '
                '-c synchronous_commit=off -c full_page_writes=off -c jit=off' % (self.port, self.tmp))
        r = self._as_pg([PG_BIN + '/pg_ctl', '-D', self.data, '-l', self.tmp + '/log', '-w',
                         '-o', opts, 'start'])
        if r.returncode:
            raise RuntimeError('pg_ctl start: ' + r.stderr[-500:] + r.stdout[-500:])
        self.started = True
        return self

    @property
    def conninfo(self):
        return 'host=127.0.0.1 port=%d user=postgres dbname=postgres' % self.port

    def stop(self):
        if self.started:
            self._as_pg([PG_BIN + '/pg_ctl', '-D', self.data, '-m', 'fast', '-w', 'stop'])
            self.started = False
        shutil.rmtree(self.tmp, ignore_errors=True)
