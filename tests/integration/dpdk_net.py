#!/usr/bin/python3
"""dpdk_net.py - network namespaces and veth pairs for nodes on the dpdk backend.

The test process owns two network namespaces, a server one and a client one
(named after its PID, so parallel test processes never share them). Each node
gets its own veth pair between them: the server end is driven by the node's
DPDK net_af_packet PMD (lwIP answers on 10.77.K.2/24), the client end has
10.77.K.1/24 and computes full checksums (tx/tso/gso off: lwIP verifies them
in software). Addresses exist only inside those namespaces. The test process
moves into the client namespace (setns) the first time a link is made, so
every later connection and thread talks over the veth; a node's process is
put into the server namespace before it execs (harness.Node does that with
server_preexec()). The namespaces (and with them the veths) are deleted at
exit, on SIGTERM too; namespaces left by a killed test process of ours
(prefix osp-t<pid>-, PID gone) are swept the next time.

As a program it is the wrapper the meson `dpdk` suite uses:

    dpdk_net.py TEST.py [ARGS...]

checks that namespaces can be made here (else prints one SKIP line and exits
77), sets OSPREY_TEST_NET=dpdk and runs TEST.py in this process as __main__.
"""
import atexit
import ctypes
import os
import runpy
import shutil
import signal
import subprocess
import sys

CLONE_NEWNET = 0x40000000
SKIP_EXIT = 77
PREFIX = 'osp-t'
# af_packet rings: 8,192 frames of 2 KiB (16 MiB a direction). With 2,048 the
# burst of FINs/RSTs from 2,000 closing wrk connections overflowed the RX
# ring, silently (the PMD does not count those drops).
AF_PACKET_ARGS = 'framecnt=8192,framesz=2048,blocksz=4096'

_state = {'made': False, 'links': 0, 'server_fd': None}
_ns_s = '%s%d-s' % (PREFIX, os.getpid())
_ns_c = '%s%d-c' % (PREFIX, os.getpid())


def enabled():
    """True when harness nodes should run on the dpdk backend."""
    return os.environ.get('OSPREY_TEST_NET', 'kernel') == 'dpdk'


def _run(*args, check=True):
    r = subprocess.run(list(args), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if check and r.returncode != 0:
        raise RuntimeError('%s: %s' % (' '.join(args), r.stdout.strip()))
    return r


def missing():
    """Why namespaces cannot be used here (None when they can)."""
    if os.geteuid() != 0:
        return 'not root'
    for tool in ('ip', 'ethtool'):
        if shutil.which(tool) is None:
            return '%s is missing (scripts/install-deps.sh installs it)' % tool
    probe = '%s%d-probe' % (PREFIX, os.getpid())
    ok = _run('ip', 'netns', 'add', probe, check=False).returncode == 0
    # ip -n needs a usable mount namespace (not, e.g., in a plain chroot)
    ok = ok and _run('ip', '-n', probe, 'link', 'show', 'lo', check=False).returncode == 0
    _run('ip', 'netns', 'del', probe, check=False)
    if not ok:
        return 'ip netns add / ip -n not permitted'
    return None


def _setns(name):
    libc = ctypes.CDLL(None, use_errno=True)
    with open('/run/netns/' + name) as f:
        if libc.setns(f.fileno(), CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), 'setns ' + name)


def _sweep():
    """Delete namespaces of ours whose test process is gone (killed with -9)."""
    try:
        names = os.listdir('/run/netns')
    except OSError:
        return
    for name in names:
        if not name.startswith(PREFIX):
            continue
        pid = name[len(PREFIX):].split('-')[0]
        if pid.isdigit() and not os.path.exists('/proc/' + pid):
            _run('ip', 'netns', 'del', name, check=False)


def drop():
    """Delete this process's namespaces (their veths go with them)."""
    if _state['server_fd'] is not None:
        os.close(_state['server_fd'])
        _state['server_fd'] = None
    if _state['made']:
        for ns in (_ns_s, _ns_c):
            _run('ip', 'netns', 'del', ns, check=False)
        _state['made'] = False


def _on_sigterm(signum, frame):
    raise SystemExit(128 + signum)   # unwinds (nodes stop), then atexit drops the namespaces


def _make():
    if _state['made']:
        return
    why = missing()
    if why:
        raise RuntimeError('OSPREY_TEST_NET=dpdk: cannot create network namespaces: ' + why)
    _sweep()
    _state['made'] = True
    atexit.register(drop)
    if signal.getsignal(signal.SIGTERM) in (signal.SIG_DFL, None):
        signal.signal(signal.SIGTERM, _on_sigterm)
    _run('ip', 'netns', 'add', _ns_s)
    _run('ip', 'netns', 'add', _ns_c)
    for ns in (_ns_s, _ns_c):
        _run('ip', '-n', ns, 'link', 'set', 'lo', 'up')
    _state['server_fd'] = os.open('/run/netns/' + _ns_s, os.O_RDONLY | os.O_CLOEXEC)
    _setns(_ns_c)


class Link:
    """One veth pair for one node: its EAL vdev, network.host and client address."""

    def __init__(self):
        _make()
        k = _state['links'] = _state['links'] + 1
        if k > 250:
            raise RuntimeError('more than 250 dpdk test links in one process')
        self.iface_s, self.iface_c = 'osp%ds' % k, 'osp%dc' % k
        self.client_ip, self.host = '10.77.%d.1' % k, '10.77.%d.2' % k
        self.network_host = self.host + '/24'
        self.vdev = '--vdev=net_af_packet0,iface=%s,%s' % (self.iface_s, AF_PACKET_ARGS)
        # made in the client namespace (we are in it), the peer moved to the server's
        _run('ip', 'link', 'add', self.iface_c, 'type', 'veth', 'peer', 'name', self.iface_s,
             'netns', _ns_s)
        _run('ip', 'addr', 'add', self.client_ip + '/24', 'dev', self.iface_c)
        _run('ip', 'link', 'set', self.iface_c, 'up')
        _run('ip', '-n', _ns_s, 'link', 'set', self.iface_s, 'up')
        _run('ethtool', '-K', self.iface_c, 'tx', 'off', 'tso', 'off', 'gso', 'off')
        _run('ip', 'netns', 'exec', _ns_s, 'ethtool', '-K', self.iface_s, 'tx', 'off', 'tso', 'off',
             'gso', 'off', 'gro', 'off')

    def settings(self):
        """-E settings that put a node on this link (the dataplane picks its own
        --file-prefix; --no-shconf leaves nothing under /var/run/dpdk)."""
        return {
            'dataplane.net': 'dpdk',
            'network.host': self.network_host,
            'dataplane.eal': '--no-huge --no-pci --no-shconf ' + self.vdev,
        }

    def kernel_settings(self):
        """-E settings for a kernel-backend node on the same veth (for
        comparisons): the address goes on the server end in the namespace."""
        _run('ip', '-n', _ns_s, 'addr', 'add', self.network_host, 'dev', self.iface_s)
        return {'dataplane.net': 'kernel', 'network.host': self.host, 'dataplane.eal': '',
                'dataplane.idle_sleep_us': '-1'}


def server_ns():
    """Names of this process's namespaces (server, client)."""
    return _ns_s, _ns_c


def server_preexec():
    """For Popen(preexec_fn=...): enter the server namespace before exec."""
    fd = _state['server_fd']

    def enter():
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.setns(fd, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), 'setns to the server namespace')
    return enter


def main(argv):
    if len(argv) < 2:
        sys.stderr.write('usage: dpdk_net.py TEST.py [ARGS...]\n')
        return 2
    why = missing()
    if why:
        print('SKIP: the dpdk suite needs network namespaces: %s' % why)
        return SKIP_EXIT
    os.environ['OSPREY_TEST_NET'] = 'dpdk'
    test = os.path.abspath(argv[1])
    sys.argv = [test] + argv[2:]
    sys.path.insert(0, os.path.dirname(test))
    try:
        runpy.run_path(test, run_name='__main__')
    except SystemExit as e:
        return e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    return 0


if __name__ == '__main__':
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    sys.exit(main(sys.argv))
