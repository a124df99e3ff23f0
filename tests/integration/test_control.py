"""test_control.py - osprey-control on its own, driven by a fake dataplane.

Starts `osprey-control` with a temporary path.data and socket, then runs
requests through test_control_fake_dp (which speaks the channel through the
client API of include/osprey/chan.h and acknowledges every published state):
create indices with settings and mappings, Elasticsearch's errors for bad
names, duplicates, final settings and mapping conflicts, replica changes,
close, delete. Then it kills control with SIGKILL, restarts it on the same
path.data, and checks that every index, mapping, setting and routing entry
came back as it was. Finally a torn current state file must fall back to the
previous good copy, and SIGTERM must exit 0. Only processes this test
started are signalled, by PID.

argv: CONTROL_BIN FAKE_DP_BIN
"""
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

CONTROL, FAKE = sys.argv[1], sys.argv[2]


class Control:
    """One osprey-control process on a data directory."""

    def __init__(self, data, log):
        self.data = data
        self.sock = os.path.join(data, 'control.sock')
        self.log = open(log, 'ab')
        self.proc = subprocess.Popen(
            [CONTROL, '-E', 'path.data=' + data, '-E', 'cluster.name=ctl-test',
             '-E', 'node.name=n1'], stdout=self.log, stderr=self.log)
        # The socket appears once the state is loaded and committed; the
        # fake dataplane itself retries connecting, so this only bounds a hang.
        for _ in range(3000):
            if os.path.exists(self.sock) or self.proc.poll() is not None:
                break
            time.sleep(0.01)
        assert self.proc.poll() is None, 'control exited at start'

    def kill9(self):
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def term(self):
        os.kill(self.proc.pid, signal.SIGTERM)
        return self.proc.wait(timeout=60)


def call(ctl, kind, body=None, expect_error=None):
    """Send one request; return the parsed reply (error replies when expected)."""
    args = [FAKE, ctl.sock, kind] + ([json.dumps(body)] if body is not None else [])
    r = subprocess.run(args, capture_output=True, text=True, timeout=120)
    if r.returncode not in (0, 2):
        raise AssertionError('%s failed (%d): %s %s' % (kind, r.returncode, r.stdout, r.stderr))
    reply = json.loads(r.stdout)
    if expect_error:
        assert r.returncode == 2, 'expected %s, got %s' % (expect_error, reply)
        assert reply['error']['type'] == expect_error[0], reply
        if len(expect_error) > 1:
            assert reply['error']['reason'] == expect_error[1], reply
        if len(expect_error) > 2:
            assert reply['status'] == expect_error[2], reply
    else:
        assert r.returncode == 0, reply
    return reply


HDR = struct.Struct('<4sHHQII')   # the frame header of include/osprey/chan.h


def raw_hello(ctl, applied):
    """Speak the wire format directly: HELLO with an applied version, then
    read frames until the first PUBLISH; return its version and the state."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(60)
    s.connect(ctl.sock)
    body = json.dumps({'proto': 1, 'applied_version': applied}).encode()
    s.sendall(HDR.pack(b'OSPC', 1, 1, 0, 1, len(body)) + body)
    buf = b''
    try:
        while True:
            while len(buf) < HDR.size or len(buf) < HDR.size + HDR.unpack_from(buf)[5]:
                chunk = s.recv(65536)
                assert chunk, 'control closed the connection'
                buf += chunk
            magic, ver, typ, fid, flags, n = HDR.unpack_from(buf)
            assert magic == b'OSPC' and ver == 1, (magic, ver)
            payload, buf = buf[HDR.size:HDR.size + n], buf[HDR.size + n:]
            if typ == 3:
                return fid, json.loads(payload)
    finally:
        s.close()


def garbage(ctl):
    """Bytes that are not frames: control drops the connection, keeps running."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(60)
    s.connect(ctl.sock)
    s.sendall(b'GET / HTTP/1.1\r\nHost: x\r\n\r\n')
    assert s.recv(100) == b'', 'expected the connection to be closed'
    s.close()


def state(ctl):
    return call(ctl, 'get_state')


def comparable(st):
    """The parts of a state that must survive a restart unchanged."""
    return {'metadata': st['metadata']['indices'],
            'graveyard': st['metadata']['index-graveyard'],
            'routing': st['routing_table'],
            'cluster_uuid': st['cluster_uuid']}


def main():
    tmp = tempfile.mkdtemp(prefix='osprey-ctl-')
    data = os.path.join(tmp, 'data')
    log = os.path.join(tmp, 'control.log')
    ctl = None
    try:
        ctl = Control(data, log)
        r = call(ctl, 'create_index', {'index': 'logs', 'body': {
            'settings': {'number_of_shards': 3, 'index': {'refresh_interval': '5s'}},
            'mappings': {'properties': {'msg': {'type': 'text'}, 'n': {'type': 'long'}}}}})
        assert r['acknowledged'] is True and r['shards_acknowledged'] is True, r
        assert r['index'] == 'logs', r
        call(ctl, 'create_index', {'index': 'Foo'}, expect_error=(
            'invalid_index_name_exception', 'Invalid index name [Foo], must be lowercase', 400))
        call(ctl, 'create_index', {'index': '_x'}, expect_error=(
            'invalid_index_name_exception',
            "Invalid index name [_x], must not start with '_', '-', or '+'"))
        call(ctl, 'create_index', {'index': 'a*b'}, expect_error=(
            'invalid_index_name_exception',
            'Invalid index name [a*b], must not contain the following characters '
            '[ , ", *, \\, <, |, ,, >, /, ?]'))
        st = state(ctl)
        uuid = st['metadata']['indices']['logs']['settings']['index']['uuid']
        call(ctl, 'create_index', {'index': 'logs'}, expect_error=(
            'resource_already_exists_exception', 'index [logs/%s] already exists' % uuid, 400))
        call(ctl, 'create_index', {'index': 'zero', 'body': {'settings': {'number_of_shards': 0}}},
             expect_error=('illegal_argument_exception',
                           'Failed to parse value [0] for setting [index.number_of_shards] must be >= 1'))

        # replicas: 1 -> 2 changes the routing table; shards are final
        call(ctl, 'update_settings', {'index': 'logs', 'body': {'index': {'number_of_replicas': 2}}})
        call(ctl, 'update_settings', {'index': 'logs', 'body': {'number_of_shards': 5}},
             expect_error=('illegal_argument_exception',
                           'final index setting [index.number_of_shards], not updateable'))
        call(ctl, 'put_mapping', {'index': 'logs', 'body': {'properties': {'tag': {'type': 'keyword'}}}})
        call(ctl, 'put_mapping', {'index': 'logs', 'body': {'properties': {'n': {'type': 'text'}}}},
             expect_error=('illegal_argument_exception',))
        r = call(ctl, 'dynamic_mapping', {'index': 'logs', 'mappings': {
            'properties': {'dyn': {'type': 'keyword'}}}})
        assert r['mapping_version'] >= 3, r

        call(ctl, 'create_index', {'index': 'tmp'})
        call(ctl, 'delete_index', {'index': 'tmp'})
        call(ctl, 'delete_index', {'index': 'missing'}, expect_error=(
            'index_not_found_exception', 'no such index [missing]', 404))
        call(ctl, 'create_index', {'index': 'shut'})
        r = call(ctl, 'close_index', {'index': 'sh*'})
        assert r['indices'] == {'shut': {'closed': True}}, r

        before = state(ctl)
        logs = before['metadata']['indices']['logs']
        assert logs['settings']['index']['number_of_replicas'] == '2', logs['settings']
        assert logs['settings']['index']['number_of_shards'] == '3'
        assert logs['settings']['index']['refresh_interval'] == '5s'
        assert logs['routing_num_shards'] == 768, logs['routing_num_shards']
        assert before['metadata']['indices']['shut']['state'] == 'close'
        assert 'tmp' not in before['metadata']['indices']
        props = logs['mappings']['_doc']['properties']
        assert set(props) >= {'msg', 'n', 'tag', 'dyn'}, props
        shards = before['routing_table']['indices']['logs']['shards']
        assert len(shards) == 3 and all(len(g) == 3 for g in shards.values()), shards
        for g in shards.values():
            assert [c['state'] for c in g] == ['STARTED', 'UNASSIGNED', 'UNASSIGNED'], g
        h = call(ctl, 'health')
        assert h['status'] == 'yellow', h
        assert h['active_primary_shards'] == 4 and h['unassigned_shards'] == 7, h

        # a second control on the same path.data is refused (node lock)
        dup = subprocess.run([CONTROL, '-E', 'path.data=' + data], capture_output=True, text=True,
                             timeout=60)
        assert dup.returncode != 0 and 'failed to obtain node locks' in dup.stderr, dup.stderr
        assert state(ctl)['version'] == before['version']

        # kill -9 and restart: everything is back
        ctl.kill9()
        ctl = Control(data, log)
        after = state(ctl)
        assert comparable(after) == comparable(before), 'state changed across kill -9'
        assert after['version'] > before['version']

        # a torn current file: the previous good copy is used
        ctl.kill9()
        cur = os.path.join(data, 'coord.dat')
        with open(cur, 'r+b') as f:
            f.truncate(os.path.getsize(cur) // 2)
        ctl = Control(data, log)
        torn = state(ctl)
        assert comparable(torn) == comparable(before), 'fallback copy differs'

        # a dataplane that applied a newer version than control has (its
        # newest file was lost): control moves past it, never reusing a number
        v, st = raw_hello(ctl, torn['version'] + 1000)
        assert v == torn['version'] + 1001 and st['version'] == v, (v, st['version'])
        garbage(ctl)
        assert state(ctl)['version'] == v
        assert ctl.term() == 0
        ctl = None
        print('control integration test passed')
    except BaseException:
        if os.path.exists(log):
            sys.stderr.write(open(log, errors='replace').read()[-4000:])
        raise
    finally:
        if ctl is not None and ctl.proc.poll() is None:
            ctl.kill9()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == '__main__':
    main()
