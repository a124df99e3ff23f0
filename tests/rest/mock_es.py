#!/usr/bin/python3
"""mock_es.py - a tiny in-memory stand-in for an Elasticsearch node, used only
to test the conformance runner itself (test_runner.py), never Osprey.

It answers a handful of document and index APIs the way Elasticsearch does,
closely enough for the runner's own checks: GET /, index/create/get/exists/
delete of documents, index create/delete/exists/refresh, _count, _search
(match_all), _bulk, _cluster/health and _cat/health. HTTP/1.1 keep-alive.

    /usr/bin/python3 tests/rest/mock_es.py PORT
"""
import json
import sys
import threading
import time
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class State:
    def __init__(self):
        self.lock = threading.Lock()
        self.indices = {}  # name -> {id: (version, seq_no, source)}
        self.seq = 0


STATE = State()


def err(status, etype, reason, **extra):
    e = {'type': etype, 'reason': reason}
    e.update(extra)
    return status, {'error': {'root_cause': [dict(e)], **e}, 'status': status}


class Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    disable_nagle_algorithm = True

    def log_message(self, *a):
        pass

    def _send(self, status, body, head=False, ctype='application/json; charset=UTF-8', headers=None):
        data = b'' if body is None else (body if isinstance(body, bytes) else
                                          (body.encode() if isinstance(body, str) else json.dumps(body).encode()))
        self.send_response(status)
        self.send_header('X-Elastic-Product', 'Elasticsearch')
        self.send_header('Content-Type', ctype)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        if not head:
            self.wfile.write(data)

    def _body(self):
        n = int(self.headers.get('Content-Length') or 0)
        return self.rfile.read(n) if n else b''

    def do_GET(self):
        self.route('GET')

    def do_HEAD(self):
        self.route('HEAD')

    def do_PUT(self):
        self.route('PUT')

    def do_POST(self):
        self.route('POST')

    def do_DELETE(self):
        self.route('DELETE')

    def route(self, method):
        u = urllib.parse.urlsplit(self.path)
        q = dict(urllib.parse.parse_qsl(u.query))
        parts = [urllib.parse.unquote(p) for p in u.path.split('/') if p]
        raw = self._body()
        try:
            status, body = self.dispatch(method, parts, q, raw)
        except ValueError as e:
            status, body = err(400, 'parse_exception', str(e))
        headers = {}
        if q.get('warn'):
            headers['Warning'] = '299 Elasticsearch-8.0.0 "%s"' % q['warn']
        if isinstance(body, str):
            self._send(status, body, method == 'HEAD', 'text/plain; charset=UTF-8', headers)
        else:
            self._send(status, body, method == 'HEAD', headers=headers)

    def dispatch(self, m, p, q, raw):
        s = STATE
        with s.lock:
            if not p:
                return 200, {'name': 'mock', 'cluster_name': 'mock', 'version': {
                    'number': '8.99.0', 'build_flavor': 'default'}, 'tagline': 'You Know, for Search'}
            if p == ['_cluster', 'health']:
                return 200, {'cluster_name': 'mock', 'status': 'green', 'number_of_nodes': 1,
                             'active_primary_shards': len(s.indices)}
            if p == ['_cat', 'health']:
                return 200, '%d mock green 1 1\n' % int(time.time())
            if p == ['_bulk'] and m in ('POST', 'PUT'):
                lines = [json.loads(x) for x in raw.decode().splitlines() if x.strip()]
                items, i = [], 0
                while i < len(lines):
                    (op, meta), = lines[i].items()
                    src = lines[i + 1] if op != 'delete' else None
                    i += 1 if op == 'delete' else 2
                    st, r = self.put_doc(meta['_index'], meta.get('_id'), src, op == 'create')
                    r['status'] = st
                    items.append({op: r})
                return 200, {'took': 1, 'errors': any(x[k]['status'] >= 300 for x in items for k in x),
                             'items': items}
            if p[0] == '*' and m == 'DELETE':
                s.indices.clear()
                return 200, {'acknowledged': True}
            if p[0] == '_boom':
                return err(500, 'null_pointer_exception', 'boom')
            if p[0].startswith('_'):
                return err(400, 'invalid_index_name_exception', 'unsupported in mock: %s' % '/'.join(p))
            name = p[0]
            if len(p) == 1:
                if m == 'PUT':
                    if name in s.indices:
                        return err(400, 'resource_already_exists_exception',
                                   'index [%s/abc] already exists' % name, index=name)
                    s.indices[name] = {}
                    return 200, {'acknowledged': True, 'shards_acknowledged': True, 'index': name}
                if m == 'HEAD':
                    return (200 if name in s.indices else 404), None
                if m == 'DELETE':
                    if name not in s.indices:
                        return err(404, 'index_not_found_exception', 'no such index [%s]' % name)
                    del s.indices[name]
                    return 200, {'acknowledged': True}
            if len(p) == 2 and p[1] == '_refresh':
                return 200, {'_shards': {'total': 1, 'successful': 1, 'failed': 0}}
            if len(p) == 2 and p[1] == '_count':
                return 200, {'count': len(s.indices.get(name, {}))}
            if len(p) == 2 and p[1] == '_search':
                docs = s.indices.get(name, {})
                hits = [{'_index': name, '_id': k, '_score': 1.0, '_source': v[2]} for k, v in docs.items()]
                return 200, {'took': 1, 'timed_out': False, 'hits': {
                    'total': {'value': len(hits), 'relation': 'eq'}, 'max_score': 1.0 if hits else None,
                    'hits': hits}}
            if len(p) == 1 and m == 'GET':
                if name not in s.indices:
                    return err(404, 'index_not_found_exception', 'no such index [%s]' % name)
                return 200, {name: {'aliases': {}, 'mappings': {}, 'settings': {}}}
            if len(p) >= 2 and p[1] in ('_doc', '_create'):
                doc_id = p[2] if len(p) > 2 else None
                if m in ('PUT', 'POST'):
                    return self.put_doc(name, doc_id, json.loads(raw or b'{}'),
                                        p[1] == '_create' or q.get('op_type') == 'create')
                docs = s.indices.get(name)
                if docs is None:
                    return err(404, 'index_not_found_exception', 'no such index [%s]' % name)
                d = docs.get(doc_id)
                if m == 'HEAD':
                    return (200 if d else 404), None
                if m == 'GET':
                    if not d:
                        return 404, {'_index': name, '_id': doc_id, 'found': False}
                    return 200, {'_index': name, '_id': doc_id, '_version': d[0], '_seq_no': d[1],
                                 '_primary_term': 1, 'found': True, '_source': d[2]}
                if m == 'DELETE':
                    if not d:
                        return 404, {'_index': name, '_id': doc_id, 'result': 'not_found'}
                    del docs[doc_id]
                    return 200, {'_index': name, '_id': doc_id, '_version': d[0] + 1, 'result': 'deleted'}
            return err(400, 'illegal_argument_exception', 'mock has no route %s /%s' % (m, '/'.join(p)))

    def put_doc(self, name, doc_id, src, create):
        s = STATE
        docs = s.indices.setdefault(name, {})
        doc_id = doc_id or uuid.uuid4().hex[:20]
        old = docs.get(doc_id)
        if old and create:
            return err(409, 'version_conflict_engine_exception',
                       '[%s]: version conflict, document already exists (current version [%d])' % (doc_id, old[0]))
        s.seq += 1
        ver = old[0] + 1 if old else 1
        docs[doc_id] = (ver, s.seq, src)
        return (200 if old else 201), {'_index': name, '_id': doc_id, '_version': ver,
                                       'result': 'updated' if old else 'created', '_seq_no': s.seq,
                                       '_primary_term': 1, '_shards': {'total': 1, 'successful': 1, 'failed': 0}}


def serve(port):
    srv = ThreadingHTTPServer(('127.0.0.1', port), Handler)
    srv.daemon_threads = True
    return srv


if __name__ == '__main__':
    serve(int(sys.argv[1]) if len(sys.argv) > 1 else 9299).serve_forever()
