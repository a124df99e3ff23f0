#!/usr/bin/python3
"""test_runner.py - tests of the conformance runner itself, against mock_es.py.

The YAML files in selftest/ name each test after the outcome the runner must
report: "pass: ...", "fail: ..." or "skip: ...". A runner that passes a
"fail:" test would let broken server behaviour through, so both directions
are checked. Also covers version ranges, the YAML loader's types and the
expected-pass mechanism (regressions fail, new passes are reported).
Exits 77 (skipped) when ../shared/conformance, which holds the API table,
is absent.
"""
import contextlib
import io
import os
import re
import sys
import tempfile
import threading
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import runner  # noqa: E402
import mock_es  # noqa: E402

CONF = os.path.join(os.path.dirname(runner.REPO), 'shared', 'conformance')


def run(args):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        rc = runner.main(args)
    return rc, out.getvalue()


class Live(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = mock_es.serve(0)
        cls.url = 'http://127.0.0.1:%d' % cls.srv.server_address[1]
        cls.thread = threading.Thread(target=cls.srv.serve_forever, daemon=True)
        cls.thread.start()

    @classmethod
    def tearDownClass(cls):
        cls.srv.shutdown()
        cls.srv.server_close()

    def selftest(self, *extra):
        return run(['--server', self.url, '--tests', os.path.join(HERE, 'selftest')] + list(extra))

    def test_outcomes_match_names(self):
        rc, out = self.selftest()
        results = re.findall(r'^(PASS|FAIL|SKIP) selftest/\S+::(pass|fail|skip): (.*?)(?: \(.*)?$', out, re.M)
        self.assertGreater(len(results), 20, out)
        for got, want, name in results:
            self.assertEqual(got.lower(), want, 'test %r: runner said %s\n%s' % (name, got, out))
        self.assertEqual(rc, 1)  # some tests fail on purpose
        m = re.search(r'^(\d+) passed, (\d+) failed, (\d+) skipped$', out, re.M)
        self.assertTrue(m, out)
        self.assertEqual(sum(map(int, m.groups())), len(results))

    def test_failure_report_has_assertion_and_excerpt(self):
        rc, out = self.selftest('--filter', 'fail: wrong value')
        self.assertIn("status does not match: status: expected 'yellow', got 'green'", out)
        self.assertIn('last request: GET %s/_cluster/health' % self.url, out)
        self.assertIn('response: 200 {', out)

    def test_expected_list_regression_and_new(self):
        with tempfile.TemporaryDirectory() as d:
            exp = os.path.join(d, 'expected.txt')
            with open(exp, 'w') as f:
                f.write('# comment\nselftest/10_steps.yml::pass: warnings\n')
            rc, out = self.selftest('--expected', exp)
            self.assertEqual(rc, 0, out)
            self.assertIn('newly passing', out)
            self.assertIn('NEW selftest/10_steps.yml::pass: catch kinds, ignore and exists', out)
            with open(exp, 'a') as f:
                f.write('selftest/10_steps.yml::fail: wrong value\n')
            rc, out = self.selftest('--expected', exp)
            self.assertEqual(rc, 1, out)
            self.assertIn('REGRESSION selftest/10_steps.yml::fail: wrong value: listed as passing, now FAIL', out)
            rc, out = self.selftest('--update-expected', exp)
            self.assertEqual(rc, 0, out)
            listed = runner.read_expected(exp)
            self.assertIn('selftest/10_steps.yml::pass: bulk as NDJSON list, count, search, arbitrary key', listed)
            self.assertFalse([x for x in listed if '::fail:' in x or '::skip:' in x], listed)
            # with a filter, entries outside it are kept
            rc, out = self.selftest('--update-expected', exp, '--filter', 'pass: warnings')
            self.assertEqual(runner.read_expected(exp), listed)


class Units(unittest.TestCase):
    def test_version_ranges(self):
        v = runner.version_in_ranges
        self.assertTrue(v(' - 6.99.99', '6.8.0'))
        self.assertFalse(v(' - 6.99.99', '8.11.0'))
        self.assertTrue(v('8.0.0 - ', '8.11.0-SNAPSHOT'))
        self.assertTrue(v(' - 7.10.99 , 2.0.0 - ', '8.0.0'))
        self.assertFalse(v('7.0.0 - 7.9.9', '8.0.0'))
        self.assertTrue(v('all', '1.0.0'))

    def test_yaml_types_follow_the_java_runner(self):
        doc = runner.yaml.load('a: yes\nb: 2015-01-01\nc: 1:20\nd: true\ne: 010\nf: 1.5\ng: ~\n',
                               Loader=runner.SpecLoader)
        self.assertEqual(doc, {'a': 'yes', 'b': '2015-01-01', 'c': '1:20', 'd': True, 'e': 10,
                               'f': 1.5, 'g': None})

    def test_stash(self):
        s = runner.Stash()
        s.vars['id'] = 7
        s.vars['obj'] = {'k': 'v'}
        self.assertEqual(s.replace('$id'), 7)
        self.assertEqual(s.replace('${id}'), 7)
        self.assertEqual(s.replace('x-${id}-y'), 'x-7-y')
        self.assertEqual(s.replace({'$id': ['$id', 'a$b']}), {'7': [7, 'a$b']})
        self.assertEqual(s.replace('${obj.k}'), 'v')
        self.assertEqual(s.replace('$2a$10$hash'), '$2a$10$hash')

    def test_paths(self):
        body = {'a': {'b.c': [1, {'d': 2}]}, 'e': ''}
        st = runner.Stash()
        self.assertEqual(runner.lookup(body, r'a.b\.c.1.d', st), 2)
        self.assertIs(runner.lookup(body, 'a.x', st), runner.MISSING)
        self.assertEqual(runner.lookup(body, '', st), body)
        st.vars['key'] = 'b.c'
        self.assertEqual(runner.lookup(body, 'a.$key.0', st), 1)


if __name__ == '__main__':
    if not os.path.isdir(CONF):
        print('SKIP: conformance data not found at %s (the runner\'s API table is read from it)' % CONF)
        sys.exit(77)
    unittest.main(verbosity=2)
