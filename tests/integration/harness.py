"""harness.py - start one Osprey node for a test and stop it again.

Shared by the integration tests, the REST conformance runner and the client
tests. A node is `osprey -E http.port=PORT -E path.data=DIR` on a free
loopback port with a fresh temporary data directory; the harness waits until
`GET /` answers 200, hands out the node's URL, and on exit stops it by its PID
(SIGTERM, then SIGKILL after a timeout). The launcher runs in its own session
so a SIGKILL can also reach the control/dataplane children it started (they
share its process group). stdout/stderr go to a log file in the temp
directory; the tail of it is printed to stderr when startup fails, when the
node exits on its own, or when the body of the `with` block raised.

Backend: OSPREY_TEST_NET=dpdk runs every node on the dpdk backend instead,
each on its own veth pair between two network namespaces this process makes
(dpdk_net.py; the test process moves into the client one), and n.host /
n.url name the node's address there instead of 127.0.0.1.

Which binary: $OSPREY_BIN if set, else $OSPREY_BUILD_ROOT/osprey (meson's
tests set it to the build directory), else <repo>/build/osprey.

    from harness import node
    with node() as n:
        urllib.request.urlopen(n.url + '/')
"""
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

import dpdk_net

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# Settings every test node gets on top of the launcher's defaults (which
# already back off when idle on the kernel backend); callers add their own.
DEFAULT_SETTINGS = {}


class NodeError(RuntimeError):
    """The node did not start, or died, or would not stop."""


def find_binary():
    """Path of the osprey launcher to test, or raise NodeError saying where it looked."""
    tried = []
    env_bin = os.environ.get('OSPREY_BIN')
    if env_bin:
        if os.access(env_bin, os.X_OK):
            return os.path.abspath(env_bin)
        raise NodeError('OSPREY_BIN=%s is not an executable' % env_bin)
    build_root = os.environ.get('OSPREY_BUILD_ROOT')
    candidates = []
    # inside meson's tests only this build's binary counts, never another build dir's
    for root in [build_root] if build_root else [os.path.join(REPO, 'build')]:
        candidates += [os.path.join(root, 'osprey'), os.path.join(root, 'control', 'osprey')]
    for c in candidates:
        tried.append(c)
        if os.path.isfile(c) and os.access(c, os.X_OK):
            return c
    raise NodeError('osprey binary not found (tried %s; set OSPREY_BIN)' % ', '.join(tried))


def free_port():
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


class Node:
    """One running node. Owns its process and (unless keep_data) its temp dir."""

    def __init__(self, binary=None, settings=None, startup_timeout=60.0,
                 stop_timeout=15.0, data_dir=None, keep_data=False, name='osprey-test'):
        self.binary = binary or find_binary()
        self.settings = dict(DEFAULT_SETTINGS)
        self.settings.update(settings or {})
        self.startup_timeout = startup_timeout
        self.stop_timeout = stop_timeout
        self.tmp = tempfile.mkdtemp(prefix=name + '-')
        self.own_data = data_dir is None
        self.data_dir = data_dir or os.path.join(self.tmp, 'data')
        self.keep_data = keep_data
        self.log_path = os.path.join(self.tmp, 'node.log')
        self.proc = None
        self.port = None
        self.url = None
        self._log = None
        self.host = '127.0.0.1'
        self.link = None             # dpdk_net.Link under OSPREY_TEST_NET=dpdk
        self._preexec = None
        if dpdk_net.enabled():
            self.link = dpdk_net.Link()
            self.host, self._preexec = self.link.host, dpdk_net.server_preexec()
            self.settings = dict(self.link.settings(), **self.settings)

    # -- lifecycle ---------------------------------------------------------
    def start(self):
        """Start the process and wait for GET / to answer 200. Retries on a port race."""
        os.makedirs(self.data_dir, exist_ok=True)
        last = None
        for _attempt in range(3):
            self.port = free_port()
            self.url = 'http://%s:%d' % (self.host, self.port)
            args = [self.binary, '-E', 'http.port=%d' % self.port, '-E', 'path.data=%s' % self.data_dir]
            for k, v in self.settings.items():
                args += ['-E', '%s=%s' % (k, v)]
            self._log = open(self.log_path, 'ab')
            self._log.write(('$ %s\n' % ' '.join(args)).encode())
            self._log.flush()
            self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=self._log,
                                         stderr=subprocess.STDOUT, start_new_session=True,
                                         preexec_fn=self._preexec)
            try:
                self._wait_ready()
                return self
            except NodeError as e:
                last = e
                self.stop()
                if not self._port_race():
                    break
        self.dump_log('node failed to start')
        raise last

    def _port_race(self):
        txt = self.log_text()
        return 'in use' in txt or 'EADDRINUSE' in txt

    def _wait_ready(self):
        deadline = time.monotonic() + self.startup_timeout
        delay = 0.02
        while True:
            rc = self.proc.poll()
            if rc is not None:
                raise NodeError('node exited with status %s before answering GET /' % rc)
            try:
                with urllib.request.urlopen(self.url + '/', timeout=2) as r:
                    if r.status == 200:
                        self._wait_state()
                        return
            except urllib.error.HTTPError:
                pass
            except (OSError, ValueError):
                pass
            if time.monotonic() > deadline:
                raise NodeError('node did not answer GET / with 200 within %.0f s' % self.startup_timeout)
            time.sleep(delay)
            delay = min(delay * 2, 0.25)

    def _wait_state(self, limit=10.0):
        """Until the dataplane has its first cluster state (before it, every
        API but GET / answers 503 state-not-recovered); a node whose control
        never comes up is still returned after limit seconds."""
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline and self.proc.poll() is None:
            try:
                with urllib.request.urlopen(self.url + '/_cluster/health', timeout=2):
                    return
            except urllib.error.HTTPError as e:
                if e.code != 503:
                    return
            except (OSError, ValueError):
                pass
            time.sleep(0.02)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self):
        """SIGTERM by PID, then SIGKILL to its process group after stop_timeout.

        Returns the exit status (None if it was not running)."""
        if self.proc is None:
            return None
        proc, self.proc = self.proc, None
        rc = proc.poll()
        if rc is None:
            try:
                os.kill(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                rc = proc.wait(timeout=self.stop_timeout)
            except subprocess.TimeoutExpired:
                self._append_log('harness: no exit %.0f s after SIGTERM, sending SIGKILL' % self.stop_timeout)
                try:
                    os.killpg(proc.pid, signal.SIGKILL)   # the group we created (start_new_session)
                except ProcessLookupError:
                    pass
                rc = proc.wait(timeout=10)
        # children left behind by a crashed launcher are in the same group
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        if self._log:
            self._log.close()
            self._log = None
        return rc

    def cleanup(self):
        if self.keep_data:
            return
        shutil.rmtree(self.tmp, ignore_errors=True)

    def restart(self):
        """Stop and start again on the same data directory (a new port)."""
        self.stop()
        return self.start()

    # -- logs ----------------------------------------------------------------
    def _append_log(self, line):
        try:
            with open(self.log_path, 'a') as f:
                f.write(line + '\n')
        except OSError:
            pass

    def log_text(self):
        try:
            with open(self.log_path, 'rb') as f:
                return f.read().decode('utf-8', 'replace')
        except OSError:
            return ''

    def dump_log(self, why, lines=80, stream=None):
        stream = stream or sys.stderr
        tail = self.log_text().splitlines()[-lines:]
        stream.write('---- %s; last %d lines of %s ----\n' % (why, len(tail), self.log_path))
        for line in tail:
            stream.write('  | ' + line + '\n')
        stream.write('---- end of node log ----\n')
        stream.flush()


@contextlib.contextmanager
def node(**kwargs):
    """Start a node, yield it (n.url, n.port, n.data_dir, n.log_path), stop it.

    On an exception in the body, or when the node exited by itself or with a
    non-zero status, the log tail goes to stderr and the temp dir is kept."""
    n = Node(**kwargs)
    n.start()
    failed = False
    try:
        yield n
    except BaseException:
        failed = True
        raise
    finally:
        died = not n.alive()
        rc = n.stop()
        if died:
            n.dump_log('node exited on its own (status %s)' % rc)
        elif failed or rc not in (0, None):
            n.dump_log('test failed' if failed else 'node stopped with status %s' % rc)
        if failed or died or rc not in (0, None):
            sys.stderr.write('harness: node files kept in %s\n' % n.tmp)
        else:
            n.cleanup()


def url_from_env():
    """$OSPREY_URL when a test should target an already running server."""
    return os.environ.get('OSPREY_URL')


if __name__ == '__main__':
    # Smoke use: start a node, print GET /, stop it.
    with node() as n:
        with urllib.request.urlopen(n.url + '/') as r:
            print(r.status, r.headers.get('X-Elastic-Product'))
            print(r.read().decode())
