"""test_control_etcd.py - osprey-control with the etcd coordination backend.

Starts a private etcd (Debian's etcd-server) on free loopback ports with a
temporary data directory, runs the backend's own tests
(test_control_etcd_coord) against it, then runs osprey-control with
cluster.coordination=etcd: creates indices through the fake dataplane,
kills control with SIGKILL, restarts it with an empty path.data (the state
lives in etcd, not on the node) and checks that every index came back.
Only processes this test started are signalled, by PID.

argv: CONTROL_BIN FAKE_DP_BIN ETCD_COORD_TEST_BIN
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

CONTROL, FAKE, COORD_TEST = sys.argv[1], sys.argv[2], sys.argv[3]


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def wait_for(pred, what, tries=3000):
    for _ in range(tries):
        if pred():
            return
        time.sleep(0.01)
    raise AssertionError('gave up waiting for ' + what)


def etcd_healthy(url):
    try:
        with urllib.request.urlopen(url + '/health', timeout=1) as r:
            return json.load(r).get('health') == 'true'
    except OSError:
        return False


def etcd_get(url, key):
    """Value of key (decoded JSON) or None, through the gateway."""
    import base64
    body = json.dumps({'key': base64.b64encode(key.encode()).decode()}).encode()
    req = urllib.request.Request(url + '/v3/kv/range', data=body, method='POST')
    with urllib.request.urlopen(req, timeout=10) as r:
        kvs = json.load(r).get('kvs')
    return json.loads(base64.b64decode(kvs[0]['value'])) if kvs else None


def start_control(data, url, log):
    p = subprocess.Popen([CONTROL, '-E', 'path.data=' + data, '-E', 'cluster.name=etcd-test',
                          '-E', 'cluster.coordination=etcd', '-E', 'cluster.etcd.endpoints=' + url],
                         stdout=log, stderr=log)
    sock = os.path.join(data, 'control.sock')
    wait_for(lambda: os.path.exists(sock) or p.poll() is not None, 'control socket')
    assert p.poll() is None, 'control exited at start'
    return p, sock


def call(sock, kind, body=None):
    args = [FAKE, sock, kind] + ([json.dumps(body)] if body is not None else [])
    r = subprocess.run(args, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, (kind, r.stdout, r.stderr)
    return json.loads(r.stdout)


def main():
    if shutil.which('etcd') is None:
        print('etcd not installed: skipping')
        sys.exit(77)
    tmp = tempfile.mkdtemp(prefix='osprey-etcd-')
    cport, pport = free_port(), free_port()
    url = 'http://127.0.0.1:%d' % cport
    peer = 'http://127.0.0.1:%d' % pport
    log = open(os.path.join(tmp, 'log'), 'ab')
    etcd = subprocess.Popen(
        ['etcd', '--name', 'osp', '--data-dir', os.path.join(tmp, 'etcd'),
         '--listen-client-urls', url, '--advertise-client-urls', url,
         '--listen-peer-urls', peer, '--initial-advertise-peer-urls', peer,
         '--initial-cluster', 'osp=' + peer], stdout=log, stderr=log)
    ctl = None
    try:
        wait_for(lambda: etcd_healthy(url) or etcd.poll() is not None, 'etcd')
        assert etcd.poll() is None, 'etcd exited'
        env = dict(os.environ, OSPREY_ETCD=url)
        r = subprocess.run([COORD_TEST], env=env, capture_output=True, text=True, timeout=120)
        sys.stdout.write(r.stdout + r.stderr)
        assert r.returncode == 0, 'etcd backend tests failed'

        ctl, sock = start_control(os.path.join(tmp, 'n1'), url, log)
        node_id = open(os.path.join(tmp, 'n1', 'node.id')).read().strip()
        master = etcd_get(url, '/osprey/etcd-test/master')
        assert master and master['id'] == node_id, master
        assert etcd_get(url, '/osprey/etcd-test/nodes/' + node_id)['id'] == node_id
        call(sock, 'create_index', {'index': 'e1', 'body': {'settings': {'number_of_shards': 2},
             'mappings': {'properties': {'t': {'type': 'text'}}}}})
        call(sock, 'update_settings', {'index': 'e1', 'body': {'number_of_replicas': 0}})
        before = call(sock, 'get_state')
        os.kill(ctl.pid, signal.SIGKILL)
        ctl.wait()
        # the same node again: it takes its old master key back at once
        ctl, sock = start_control(os.path.join(tmp, 'n1'), url, log)
        assert etcd_get(url, '/osprey/etcd-test/master')['id'] == node_id
        after = call(sock, 'get_state')
        assert after['metadata']['indices'] == before['metadata']['indices']
        os.kill(ctl.pid, signal.SIGTERM)
        assert ctl.wait(timeout=60) == 0
        # a clean stop revokes the lease: no master, no member
        assert etcd_get(url, '/osprey/etcd-test/master') is None
        assert etcd_get(url, '/osprey/etcd-test/nodes/' + node_id) is None
        # a fresh path.data (another node id): the cluster state is in etcd
        ctl, sock = start_control(os.path.join(tmp, 'n2'), url, log)
        after = call(sock, 'get_state')
        assert after['metadata']['indices'] == before['metadata']['indices']
        assert after['cluster_uuid'] == before['cluster_uuid']
        h = call(sock, 'health')
        assert h['status'] == 'green', h
        # a second node while this one is master: refused, not a second master
        other = subprocess.run([CONTROL, '-E', 'path.data=' + os.path.join(tmp, 'n3'),
                                '-E', 'cluster.name=etcd-test', '-E', 'cluster.coordination=etcd',
                                '-E', 'cluster.etcd.endpoints=' + url],
                               capture_output=True, text=True, timeout=120)
        assert other.returncode != 0 and 'is the master of cluster [etcd-test]' in other.stderr, \
            other.stderr
        assert call(sock, 'get_state')['version'] == after['version']
        os.kill(ctl.pid, signal.SIGTERM)
        assert ctl.wait(timeout=60) == 0
        ctl = None
        print('control etcd integration test passed')
    except BaseException:
        log.flush()
        sys.stderr.write(open(os.path.join(tmp, 'log'), errors='replace').read()[-4000:])
        raise
    finally:
        for p in (ctl, etcd):
            if p is not None and p.poll() is None:
                os.kill(p.pid, signal.SIGKILL)
                p.wait()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == '__main__':
    main()
