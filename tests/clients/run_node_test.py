#!/usr/bin/python3
"""run_node_test.py - run tests/clients/node/client.test.js (node's built-in
test runner, npm @elastic/elasticsearch 8.x unmodified) against a node that
tests/integration/harness.py starts, or the server at $OSPREY_URL.

Needs the client installed: npm ci --prefix tests/clients/node
(scripts/install-deps.sh does it).
"""
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, 'tests', 'integration'))
import harness  # noqa: E402

NODE_DIR = os.path.join(HERE, 'node')


def main():
    node_bin = shutil.which('node')
    if not node_bin:
        print('FAIL: node (Debian nodejs) is not installed')
        return 1
    pkg = os.path.join(NODE_DIR, 'node_modules', '@elastic', 'elasticsearch', 'package.json')
    if not os.path.exists(pkg):
        print('FAIL: @elastic/elasticsearch is not installed: run npm ci --prefix tests/clients/node')
        return 1
    url = harness.url_from_env()
    if url:
        return run(node_bin, url)
    with harness.node(name='osprey-jsclient') as n:
        rc = run(node_bin, n.url)
        if rc != 0:
            n.dump_log('node client tests failed', lines=40)
        return rc


def run(node_bin, url):
    env = dict(os.environ, OSPREY_URL=url)
    cmd = [node_bin, '--test', '--test-reporter=spec', 'client.test.js']
    return subprocess.call(cmd, cwd=NODE_DIR, env=env, timeout=600)


if __name__ == '__main__':
    sys.exit(main())
