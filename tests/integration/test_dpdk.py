#!/usr/bin/python3
"""test_dpdk.py - the `dpdk` network backend end to end over a veth pair.

Creates two network namespaces joined by a veth pair, runs a node with
dataplane.net=dpdk in the server namespace bound to its veth end through
DPDK's net_af_packet PMD (--no-huge --no-pci, own --file-prefix), and drives
it over HTTP from this process after moving into the client namespace
(setns). The client's veth computes full checksums (tx/tso/gso off) because
lwIP checks them in software. Covers GET /, index/document/bulk/search,
replies and requests larger than lwIP's 64 KB send buffer and window, many
concurrent keep-alive connections with zero errors, a peer reset, and a
clean stop by SIGTERM. A second test brings a node up on net_tap inside the
server namespace. Everything created here (namespaces, veths, data dirs,
DPDK runtime dirs) is deleted at the end; processes are stopped by PID.
Skips (exit 77) with one line when `ip netns add` is not permitted.
"""
import ctypes
import http.client
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

TAG = 'od%d' % (os.getpid() % 100000)
NS_S, NS_C = 'osp-%s-s' % TAG, 'osp-%s-c' % TAG
VETH_S, VETH_C = '%ss' % TAG, '%sc' % TAG      # <= 15 characters
NET = '10.%d.%d' % (200 + os.getpid() % 50, os.getpid() % 250)
IP_C, IP_S = NET + '.1', NET + '.2'
TAP_NET = '10.%d.%d' % (150 + os.getpid() % 50, os.getpid() % 250)
CLONE_NEWNET = 0x40000000


def sh(*args, check=True):
    return subprocess.run(list(args), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          check=check, text=True)


def setns(name):
    """Move this thread (and threads it starts later) into network namespace name."""
    libc = ctypes.CDLL(None, use_errno=True)
    with open('/run/netns/' + name) as f:
        if libc.setns(f.fileno(), CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), 'setns ' + name)


def make_net():
    """Namespaces + veth; returns False when network namespaces are not permitted."""
    if os.geteuid() != 0 or shutil.which('ip') is None:
        return False
    if subprocess.run(['ip', 'netns', 'add', NS_S], stdout=subprocess.DEVNULL,
                      stderr=subprocess.DEVNULL).returncode != 0:
        return False
    # ip -n needs a usable mount namespace (it is not, e.g., in a plain chroot):
    # probe it before building anything on it.
    if subprocess.run(['ip', '-n', NS_S, 'link', 'show', 'lo'], stdout=subprocess.DEVNULL,
                      stderr=subprocess.DEVNULL).returncode != 0:
        return False
    if shutil.which('ethtool') is None:
        raise RuntimeError('ethtool is missing (scripts/install-deps.sh installs it)')
    sh('ip', 'netns', 'add', NS_C)
    sh('ip', 'link', 'add', VETH_C, 'type', 'veth', 'peer', 'name', VETH_S)
    sh('ip', 'link', 'set', VETH_S, 'netns', NS_S)
    sh('ip', 'link', 'set', VETH_C, 'netns', NS_C)
    sh('ip', '-n', NS_C, 'addr', 'add', IP_C + '/24', 'dev', VETH_C)
    for ns, dev in ((NS_C, VETH_C), (NS_S, VETH_S), (NS_C, 'lo'), (NS_S, 'lo')):
        sh('ip', '-n', ns, 'link', 'set', dev, 'up')
    # lwIP verifies checksums in software: the kernel peer must fill them in.
    sh('ip', 'netns', 'exec', NS_C, 'ethtool', '-K', VETH_C, 'tx', 'off', 'tso', 'off', 'gso', 'off')
    sh('ip', 'netns', 'exec', NS_S, 'ethtool', '-K', VETH_S, 'tx', 'off', 'tso', 'off', 'gso', 'off',
       'gro', 'off')
    return True


def drop_net():
    for ns in (NS_S, NS_C):
        subprocess.run(['ip', 'netns', 'del', ns], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


class DpdkNode:
    """One node with the dpdk backend inside NS_S; owns its process and temp dir."""

    def __init__(self, vdev, host, port=9200):
        self.tmp = tempfile.mkdtemp(prefix='osprey-dpdk-')
        self.prefix = 'osprey-test-%s-%d' % (TAG, port)
        self.host, self.port = host.split('/')[0], port
        self.log_path = os.path.join(self.tmp, 'node.log')
        self.args = ['ip', 'netns', 'exec', NS_S, harness.find_binary(),
                     '-E', 'dataplane.net=dpdk',
                     '-E', 'dataplane.eal=--no-huge --no-pci %s --file-prefix=%s' % (vdev, self.prefix),
                     '-E', 'network.host=' + host, '-E', 'http.port=%d' % port,
                     '-E', 'path.data=' + os.path.join(self.tmp, 'data'),
                     '-E', 'dataplane.idle_sleep_us=200']
        self.proc = None

    def start(self, timeout=60):
        self._log = open(self.log_path, 'ab')
        self.proc = subprocess.Popen(self.args, stdin=subprocess.DEVNULL, stdout=self._log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError('node exited (%s):\n%s' % (self.proc.returncode, self.log()))
            try:
                if get(self.host, self.port, '/', timeout=1)[0] == 200:
                    return self
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError('node did not answer GET /:\n' + self.log())
            time.sleep(0.2)

    def log(self):
        with open(self.log_path, 'rb') as f:
            return f.read().decode('utf-8', 'replace')

    def stop(self):
        """SIGTERM by PID; SIGKILL to its own process group only if it hangs."""
        if self.proc is None:
            return None
        proc, self.proc = self.proc, None
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        self._log.close()
        return proc.returncode

    def cleanup(self):
        shutil.rmtree(self.tmp, ignore_errors=True)
        shutil.rmtree('/var/run/dpdk/' + self.prefix, ignore_errors=True)


def get(host, port, path, timeout=10):
    c = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        c.request('GET', path)
        r = c.getresponse()
        return r.status, r.read()
    finally:
        c.close()


def call(conn, method, path, body=None, ndjson=False):
    headers = {}
    data = None
    if body is not None:
        if ndjson:
            data = ''.join(json.dumps(x) + '\n' for x in body).encode()
            headers['Content-Type'] = 'application/x-ndjson'
        else:
            data = json.dumps(body).encode()
            headers['Content-Type'] = 'application/json'
    conn.request(method, path, body=data, headers=headers)
    r = conn.getresponse()
    raw = r.read()
    return r.status, (json.loads(raw) if raw else None)


class DpdkAfPacketTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.node = DpdkNode('--vdev=net_af_packet0,iface=%s,framecnt=2048,blocksz=4096' % VETH_S,
                            IP_S + '/24').start()

    @classmethod
    def tearDownClass(cls):
        rc = cls.node.stop()
        log = cls.node.log()
        ok = rc == 0 and 'net_dpdk: stats' in log
        if ok:
            cls.node.cleanup()
        else:
            sys.stderr.write('dpdk node stopped with %s; log in %s\n%s\n' % (rc, cls.node.tmp, log[-3000:]))
        assert ok, 'node did not stop cleanly on SIGTERM'
        for line in log.splitlines():
            if line.startswith('net_dpdk: stats'):
                sys.stderr.write(line + '\n')

    def conn(self):
        return http.client.HTTPConnection(self.node.host, self.node.port, timeout=30)

    def test_1_root(self):
        s, body = get(self.node.host, self.node.port, '/')
        self.assertEqual(s, 200)
        self.assertEqual(json.loads(body)['tagline'], 'You Know, for Search')

    def test_2_documents(self):
        c = self.conn()
        s, b = call(c, 'PUT', '/books', {'settings': {'number_of_shards': 2}})
        self.assertEqual((s, b['acknowledged']), (200, True))
        s, b = call(c, 'PUT', '/books/_doc/1?refresh=true', {'title': 'the left hand of darkness'})
        self.assertEqual((s, b['result']), (201, 'created'))
        s, b = call(c, 'GET', '/books/_doc/1')
        self.assertEqual((s, b['found'], b['_source']['title']), (200, True, 'the left hand of darkness'))
        ops = []
        for i in range(2, 202):
            ops += [{'index': {'_index': 'books', '_id': str(i)}},
                    {'title': 'book %d of the dispossessed' % i, 'pad': 'x' * 900}]
        s, b = call(c, 'POST', '/_bulk?refresh=true', ops, ndjson=True)   # ~200 KB request
        self.assertEqual((s, b['errors'], len(b['items'])), (200, False, 200))
        s, b = call(c, 'GET', '/books/_search?q=title:darkness')
        self.assertEqual((s, b['hits']['total']['value']), (200, 1))
        # a reply several times lwIP's 64 KB send buffer, on the same connection
        s, b = call(c, 'POST', '/books/_search', {'query': {'match': {'title': 'dispossessed'}}, 'size': 200})
        self.assertEqual((s, len(b['hits']['hits'])), (200, 200))
        s, b = call(c, 'GET', '/books/_count')
        self.assertEqual((s, b['count']), (200, 201))
        c.close()

    def test_3_concurrent_keepalive(self):
        threads, per = 32, 60
        errors, done = [], [0]
        lock = threading.Lock()

        def client(k):
            c = self.conn()
            ok = 0
            try:
                for i in range(per):
                    path = '/' if i % 3 else '/books/_doc/%d' % (1 + (k + i) % 50)
                    c.request('GET', path)
                    r = c.getresponse()
                    r.read()
                    if r.status == 200:
                        ok += 1
                    else:
                        errors.append('%s -> %d' % (path, r.status))
            except Exception as e:   # noqa: BLE001 - every failure counts
                errors.append(repr(e))
            finally:
                c.close()
            with lock:
                done[0] += ok

        ts = [threading.Thread(target=client, args=(k,)) for k in range(threads)]
        t0 = time.monotonic()
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        dt = time.monotonic() - t0
        sys.stderr.write('dpdk: %d keep-alive requests on %d connections in %.2f s (%.0f/s)\n'
                         % (done[0], threads, dt, done[0] / dt))
        self.assertEqual(errors, [])
        self.assertEqual(done[0], threads * per)

    def test_4_reset_and_half_open(self):
        # A client that resets mid-request must not disturb the others.
        for _ in range(20):
            s = socket.create_connection((self.node.host, self.node.port), timeout=5)
            s.sendall(b'GET / HTTP/1.1\r\nHost: x\r\n')
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
            s.close()
        # Connection: close is answered and then closed by the server.
        s = socket.create_connection((self.node.host, self.node.port), timeout=5)
        s.sendall(b'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
        data = b''
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        s.close()
        self.assertTrue(data.startswith(b'HTTP/1.1 200'), data[:64])
        self.assertEqual(get(self.node.host, self.node.port, '/')[0], 200)

    def test_5_pipelined_client_not_reading(self):
        # 20000 pipelined requests, replies unread for 2 s: the server's queued
        # output passes its mark, it withholds the receive window (the client's
        # send stalls), and every reply still arrives once the client reads.
        n, mark = 20000, b'HTTP/1.1 200'
        s = socket.create_connection((self.node.host, self.node.port), timeout=30)
        w = threading.Thread(target=s.sendall, args=(b'GET / HTTP/1.1\r\nHost: x\r\n\r\n' * n,))
        w.start()
        time.sleep(2)
        got, tail = 0, b''
        while got < n:
            chunk = s.recv(1 << 20)
            if not chunk:
                break
            buf = tail + chunk
            got += buf.count(mark)
            tail = buf[-(len(mark) - 1):]
        w.join()
        s.close()
        self.assertEqual(got, n)


class DpdkTapTest(unittest.TestCase):
    """net_tap smoke test: the tap's kernel end in NS_S is the client side."""

    def test_tap_root(self):
        iface = '%st' % TAG
        node = DpdkNode('--vdev=net_tap0,iface=%s' % iface, TAP_NET + '.2/24', port=9201)
        node.proc = None
        node._log = open(node.log_path, 'ab')
        node.proc = subprocess.Popen(node.args, stdin=subprocess.DEVNULL, stdout=node._log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        try:
            deadline = time.monotonic() + 30
            while sh('ip', '-n', NS_S, 'link', 'show', iface, check=False).returncode != 0:
                self.assertIsNone(node.proc.poll(), node.log())
                self.assertLess(time.monotonic(), deadline, 'no tap interface:\n' + node.log())
                time.sleep(0.2)
            sh('ip', '-n', NS_S, 'addr', 'add', TAP_NET + '.1/24', 'dev', iface)
            sh('ip', '-n', NS_S, 'link', 'set', iface, 'up')
            sh('ip', 'netns', 'exec', NS_S, 'ethtool', '-K', iface, 'tx', 'off', 'tso', 'off',
               'gso', 'off', check=False)
            out = ''
            while time.monotonic() < deadline:
                r = sh('ip', 'netns', 'exec', NS_S, 'curl', '-s', '-m', '3',
                       'http://%s.2:9201/' % TAP_NET, check=False)
                out = r.stdout
                if r.returncode == 0 and 'You Know, for Search' in out:
                    break
                time.sleep(0.3)
            self.assertIn('You Know, for Search', out, node.log())
        finally:
            rc = node.stop()
            log = node.log()
            node.cleanup()
        self.assertEqual(rc, 0, log)


def main():
    if not make_net():
        drop_net()
        print('SKIP: cannot create or enter network namespaces here (ip netns add / ip -n not permitted)')
        sys.exit(77)
    try:
        setns(NS_C)
        prog = unittest.main(exit=False, verbosity=2)
        ok = prog.result.wasSuccessful()
    finally:
        drop_net()
    sys.exit(0 if ok else 1)


if __name__ == '__main__':
    main()
