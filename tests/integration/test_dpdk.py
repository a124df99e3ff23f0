#!/usr/bin/python3
"""test_dpdk.py - the `dpdk` network backend end to end over a veth pair.

Runs under dpdk_net.py (OSPREY_TEST_NET=dpdk): harness nodes run with
dataplane.net=dpdk in a server namespace on their own veth pair through
DPDK's net_af_packet PMD, driven over HTTP from this process in the client
namespace (see dpdk_net.py). Covers GET /, index/document/bulk/search,
replies and requests larger than lwIP's 64 KB send buffer and window, many
concurrent keep-alive connections with zero errors, a peer reset, and a
clean stop by SIGTERM, the published address (no /prefix) and the
osprey.network counters of _nodes/stats (and those of a kernel-backend node
on the same veth path). A last test brings a node up on
net_tap inside the server namespace (skipped with one line without
/dev/net/tun). dpdk_net.py deletes the namespaces; processes are stopped by
PID. Skips (exit 77) with one line when namespaces are not permitted.
"""
import errno
import http.client
import json
import os
import socket
import struct
import subprocess
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dpdk_net  # noqa: E402
import harness  # noqa: E402

TAP_NET = '10.78.%d' % (os.getpid() % 250)


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


def get_close(s):
    """GET / with Connection: close on socket s; everything until the server
    closes, then s is closed."""
    s.sendall(b'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
    data = b''
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    return data


class DpdkAfPacketTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.node = harness.Node(name='osprey-dpdk').start()

    @classmethod
    def tearDownClass(cls):
        rc = cls.node.stop()
        log = cls.node.log_text()
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
        data = get_close(socket.create_connection((self.node.host, self.node.port), timeout=5))
        self.assertTrue(data.startswith(b'HTTP/1.1 200'), data[:64])
        self.assertEqual(get(self.node.host, self.node.port, '/')[0], 200)

    def test_4b_client_port_reused_after_server_close(self):
        # Connection: close leaves lwIP's side in TIME-WAIT; a client that
        # reconnects from the same port at once (Linux reuses a port it closed
        # passively) must be served, not left in connect until TIME-WAIT ends.
        def once(port):
            for _ in range(100):
                s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                s.settimeout(10)
                s.bind(('', port))
                try:
                    s.connect((self.node.host, self.node.port))
                    break
                except OSError as e:    # our side's LAST-ACK not over yet
                    s.close()
                    if e.errno != errno.EADDRNOTAVAIL:
                        raise
                    time.sleep(0.05)
            port = s.getsockname()[1]
            return get_close(s), port
        data, port = once(0)
        self.assertTrue(data.startswith(b'HTTP/1.1 200'), data[:64])
        for _ in range(8):      # the same 4-tuple again and again
            data, _ = once(port)
            self.assertTrue(data.startswith(b'HTTP/1.1 200'), data[:64])

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

    def test_6_nodes_address_and_stats(self):
        s, body = get(self.node.host, self.node.port, '/_nodes/stats')
        self.assertEqual(s, 200)
        info = list(json.loads(body)['nodes'].values())[0]
        # network.host is address/prefix here; only the address is published
        self.assertEqual(info['http_address'], '%s:%d' % (self.node.host, self.node.port))
        self.assertEqual((info['host'], info['ip']), (self.node.host, self.node.host))
        net = info['osprey']['network']
        self.assertEqual((net['driver'], net['link']['up']), ('net_af_packet', True))
        q = net['queues'][0]
        self.assertGreater(q['rx_packets'], 1000)
        self.assertGreater(q['tx_bytes'], q['tx_packets'])
        self.assertGreaterEqual(net['requests'], 20000)
        self.assertGreater(net['cycles']['busy'], 0)
        self.assertEqual(net['cycles']['busy_per_request'], net['cycles']['busy'] // net['requests'])
        s, body = get(self.node.host, self.node.port, '/_cat/nodes?h=ip,http')
        self.assertEqual(body.decode().split(), [self.node.host, '%s:%d' % (self.node.host, self.node.port)])


class KernelOnVethTest(unittest.TestCase):
    """The kernel backend on the same veth path (what perf/net/bench_net.py compares)."""

    def test_kernel_node_stats(self):
        node = harness.Node(name='osprey-kernel-veth')
        node.settings.update(node.link.kernel_settings())
        node.start()
        try:
            for _ in range(20):
                self.assertEqual(get(node.host, node.port, '/')[0], 200)
            s, body = get(node.host, node.port, '/_nodes/stats')
            info = list(json.loads(body)['nodes'].values())[0]
            net = info['osprey']['network']
            self.assertEqual(info['http_address'], '%s:%d' % (node.host, node.port))
            self.assertEqual(net['driver'], 'io_uring')
            self.assertNotIn('link', net)      # sockets: no device to report
            self.assertNotIn('queues', net)
            self.assertGreaterEqual(net['requests'], 20)
            self.assertGreater(net['cycles']['busy'], 0)
        finally:
            self.assertEqual(node.stop(), 0, node.log_text())
            node.cleanup()


class DpdkTapTest(unittest.TestCase):
    """net_tap smoke test: the tap's kernel end, in the server namespace, is the client."""

    def test_tap_root(self):
        if not os.path.exists('/dev/net/tun'):
            self.skipTest('no /dev/net/tun for net_tap')
        ns_s = dpdk_net.server_ns()[0]
        iface = 'osptap%d' % (os.getpid() % 100000)
        node = harness.Node(name='osprey-tap', settings={
            'network.host': TAP_NET + '.2/24', 'http.port': '9201',
            'dataplane.eal': '--no-huge --no-pci --no-shconf --vdev=net_tap0,iface=' + iface})
        node._log = open(node.log_path, 'ab')
        node.proc = subprocess.Popen([node.binary] + sum((['-E', '%s=%s' % kv] for kv in node.settings.items()), [])
                                     + ['-E', 'path.data=' + node.data_dir],
                                     stdin=subprocess.DEVNULL, stdout=node._log, stderr=subprocess.STDOUT,
                                     start_new_session=True, preexec_fn=dpdk_net.server_preexec())

        def ns_run(*args):
            return subprocess.run(['ip', 'netns', 'exec', ns_s] + list(args), stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, text=True)
        try:
            deadline = time.monotonic() + 30
            while ns_run('ip', 'link', 'show', iface).returncode != 0:
                self.assertTrue(node.alive(), node.log_text())
                self.assertLess(time.monotonic(), deadline, 'no tap interface:\n' + node.log_text())
                time.sleep(0.2)
            ns_run('ip', 'addr', 'add', TAP_NET + '.1/24', 'dev', iface)
            ns_run('ip', 'link', 'set', iface, 'up')
            ns_run('ethtool', '-K', iface, 'tx', 'off', 'tso', 'off', 'gso', 'off')
            out = ''
            while time.monotonic() < deadline:
                r = ns_run('curl', '-s', '-m', '3', 'http://%s.2:9201/' % TAP_NET)
                out = r.stdout
                if r.returncode == 0 and 'You Know, for Search' in out:
                    break
                time.sleep(0.3)
            self.assertIn('You Know, for Search', out, node.log_text())
        finally:
            rc = node.stop()
            log = node.log_text()
            node.cleanup()
        self.assertEqual(rc, 0, log)


if __name__ == '__main__':
    if not dpdk_net.enabled():
        sys.exit(dpdk_net.main([__file__, __file__] + sys.argv[1:]))
    unittest.main(verbosity=2)
