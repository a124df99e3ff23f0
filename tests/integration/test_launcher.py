#!/usr/bin/python3
"""test_launcher.py - the `osprey` launcher as a user meets it.

Starts real nodes on free loopback ports with temp path.data and checks:
GET / and HEAD / answer in Elasticsearch's shape with X-Elastic-Product;
SIGTERM stops the node with exit 0 and leaves no child behind; bad settings
exit non-zero with one line naming the setting; --help and --version work;
two nodes with different path.data and ports run side by side; a control
process killed with SIGKILL is restarted while GET / keeps answering.
"""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402


def get(url, method='GET'):
    req = urllib.request.Request(url, method=method)
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.status, r.headers, r.read()


def children(pid):
    """PIDs whose parent is pid (from /proc)."""
    out = []
    for d in os.listdir('/proc'):
        if not d.isdigit():
            continue
        try:
            with open('/proc/%s/stat' % d) as f:
                fields = f.read().rsplit(')', 1)[1].split()
            if int(fields[1]) == pid:
                out.append(int(d))
        except (OSError, IndexError, ValueError):
            pass
    return out


def comm(pid):
    with open('/proc/%d/comm' % pid) as f:
        return f.read().strip()


class LauncherTest(unittest.TestCase):
    def run_bad(self, *args):
        binary = harness.find_binary()
        with tempfile.TemporaryDirectory() as d:
            p = subprocess.run([binary, '-E', 'path.data=%s' % d] + list(args),
                               capture_output=True, text=True, timeout=30)
        return p

    def test_root_and_head(self):
        with harness.node() as n:
            status, headers, body = get(n.url + '/')
            self.assertEqual(status, 200)
            self.assertEqual(headers.get('X-Elastic-Product'), 'Elasticsearch')
            doc = json.loads(body)
            self.assertEqual(doc['tagline'], 'You Know, for Search')
            self.assertEqual(doc['cluster_name'], 'osprey')
            major = int(doc['version']['number'].split('.')[0])
            self.assertGreaterEqual(major, 8)
            status, headers, body = get(n.url + '/', method='HEAD')
            self.assertEqual(status, 200)
            self.assertEqual(body, b'')

    def test_sigterm_stops_cleanly(self):
        n = harness.Node().start()
        try:
            kids = children(n.proc.pid)
            self.assertEqual(sorted(comm(k) for k in kids), ['osprey-control', 'osprey-dataplan'])
            n.proc.send_signal(signal.SIGTERM)
            self.assertEqual(n.proc.wait(timeout=20), 0)
            for k in kids:
                self.assertFalse(os.path.exists('/proc/%d/stat' % k) and
                                 open('/proc/%d/stat' % k).read().split()[2] != 'Z',
                                 'child %d still running' % k)
        finally:
            n.stop()
            n.cleanup()

    def test_bad_settings(self):
        p = self.run_bad('-E', 'no.such.setting=1')
        self.assertNotEqual(p.returncode, 0)
        self.assertIn('unknown setting [no.such.setting]', p.stderr)
        p = self.run_bad('-E', 'http.port=notaport')
        self.assertNotEqual(p.returncode, 0)
        self.assertIn('[http.port]', p.stderr)
        p = self.run_bad('-E', 'dataplane.net=carrier-pigeon')
        self.assertNotEqual(p.returncode, 0)
        self.assertIn('[dataplane.net]', p.stderr)
        p = self.run_bad('-E', 'malformed')
        self.assertNotEqual(p.returncode, 0)
        self.assertIn('expected key=value', p.stderr)
        self.assertEqual(len(p.stderr.strip().splitlines()), 1)

    def test_bad_config_file(self):
        binary = harness.find_binary()
        with tempfile.TemporaryDirectory() as d:
            conf = os.path.join(d, 'osprey.yml')
            with open(conf, 'w') as f:
                f.write('http:\n  port: 9200\n  bogus: 1\n')
            p = subprocess.run([binary, '-c', conf, '-E', 'path.data=%s' % d],
                               capture_output=True, text=True, timeout=30)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn('unknown setting [http.bogus]', p.stderr)

    def test_help_and_version(self):
        binary = harness.find_binary()
        p = subprocess.run([binary, '--help'], capture_output=True, text=True, timeout=10)
        self.assertEqual(p.returncode, 0)
        self.assertIn('http.port', p.stdout)
        p = subprocess.run([binary, '--version'], capture_output=True, text=True, timeout=10)
        self.assertEqual(p.returncode, 0)
        self.assertTrue(p.stdout.startswith('osprey '))

    def test_two_nodes_side_by_side(self):
        with harness.node(settings={'node.name': 'a'}) as a, \
                harness.node(settings={'node.name': 'b'}) as b:
            self.assertNotEqual(a.port, b.port)
            self.assertEqual(json.loads(get(a.url + '/')[2])['name'], 'a')
            self.assertEqual(json.loads(get(b.url + '/')[2])['name'], 'b')

    def test_control_restarted(self):
        with harness.node() as n:
            ctl = [k for k in children(n.proc.pid) if comm(k) == 'osprey-control']
            self.assertEqual(len(ctl), 1)
            os.kill(ctl[0], signal.SIGKILL)
            self.assertEqual(get(n.url + '/')[0], 200)  # dataplane keeps serving
            deadline = time.time() + 10
            while time.time() < deadline:
                now = [k for k in children(n.proc.pid)
                       if comm(k) == 'osprey-control' and k != ctl[0]]
                if now:
                    break
                time.sleep(0.05)
            self.assertTrue(now, 'control was not restarted')
            self.assertEqual(get(n.url + '/')[0], 200)


if __name__ == '__main__':
    unittest.main(verbosity=2)
