#!/usr/bin/python3
"""runner.py - Osprey's runner for the rest-api-spec YAML conformance suites.

Runs the YAML tests in ../shared/conformance (resolved from the repository
root; never copied into the repo) against a live node: one the runner starts
with tests/integration/harness.py (default) or an existing one (--server).

Format (see ../shared/conformance/README.md): a file is multi-document YAML
with optional `requires`, `setup`, `teardown` documents and one or more tests.
Per test: setup, a fresh stash, the steps, teardown, then a wipe of the
cluster (all indices and the other state the official runners clean up).

API name -> HTTP method + path: the OpenAPI files in
opensearch-api-specification/spec/ (operations grouped by x-operation-group);
of an API's path variants the one whose {parts} are all given, with the most
parts, wins, as the official runners choose. Names only Elasticsearch has
(ml.*, security.*, esql.*, ...) fall back to es-api-fallback.json, generated
from the npm Elasticsearch client by gen_es_fallback.py.

Output: one PASS/FAIL/SKIP line per test (failures with the assertion and an
excerpt of the last request and response), then `N passed, N failed, N
skipped` alone on a line. With --expected FILE, exit status is 1 only when a
listed test does not pass (a regression); newly passing tests are counted
with a hint to run --update-expected. Exit 77 (meson's skip) when the
conformance data is absent, as in a user's clone.
"""
import argparse
import atexit
import base64
import collections
import glob
import http.client
import json
import os
import re
import shutil
import socket
import sys
import tempfile
import time
import traceback
import urllib.parse

try:
    import yaml
except ImportError:  # pragma: no cover
    sys.stdout.write('SKIP: python3-yaml is not installed (use /usr/bin/python3 with Debian python3-yaml)\n')
    sys.exit(77)

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, 'tests', 'integration'))

SKIP_EXIT = 77

SUITES = [
    # (label, folder under conformance/)
    ('elasticsearch-clients-tests', 'elasticsearch-clients-tests/tests'),
    ('opensearch-rest-api-spec', 'opensearch-rest-api-spec/test'),
]

# Runner features (skip.features / requires.test_runner_features) this runner implements.
SUPPORTED_FEATURES = {
    'headers', 'warnings', 'allowed_warnings', 'warnings_regex', 'allowed_warnings_regex',
    'contains', 'close_to', 'arbitrary_key', 'stash_in_path', 'stash_in_key',
    'default_shards', 'transform_and_set',
    'node_selector', 'exists', 'is_after', 'gtelte',
}

CATCH_STATUS = {
    'bad_request': 400, 'unauthorized': 401, 'forbidden': 403, 'missing': 404,
    'request_timeout': 408, 'conflict': 409, 'unavailable': 503,
}


# ---------------------------------------------------------------------------
# YAML: the suites are written for Jackson/SnakeYAML semantics where only
# true/false are booleans and timestamps stay strings. PyYAML's YAML 1.1
# resolvers would turn `yes`, `2015-01-01` or `1:20` into other types.
class SpecLoader(getattr(yaml, 'CSafeLoader', yaml.SafeLoader)):
    pass


SpecLoader.yaml_implicit_resolvers = {}
for _ch, _rs in yaml.SafeLoader.yaml_implicit_resolvers.items():
    SpecLoader.yaml_implicit_resolvers[_ch] = [
        (tag, rx) for tag, rx in _rs
        if tag not in ('tag:yaml.org,2002:timestamp', 'tag:yaml.org,2002:bool',
                       'tag:yaml.org,2002:int', 'tag:yaml.org,2002:float')]
SpecLoader.add_implicit_resolver(
    'tag:yaml.org,2002:bool', re.compile(r'^(?:true|True|TRUE|false|False|FALSE)$'), list('tTfF'))
SpecLoader.add_implicit_resolver(
    'tag:yaml.org,2002:int', re.compile(r'^(?:[-+]?[0-9]+|0x[0-9a-fA-F]+)$'), list('-+0123456789'))
SpecLoader.add_implicit_resolver(
    'tag:yaml.org,2002:float',
    re.compile(r'^(?:[-+]?(?:[0-9][0-9_]*)?\.[0-9]+(?:[eE][-+]?[0-9]+)?|[-+]?[0-9]+[eE][-+]?[0-9]+'
               r'|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$'), list('-+0123456789.'))



def _construct_int(loader, node):
    v = loader.construct_scalar(node)
    return int(v, 16) if v.lower().startswith('0x') else int(v, 10)


SpecLoader.add_constructor('tag:yaml.org,2002:int', _construct_int)


def load_yaml_all(path):
    with open(path, 'rb') as f:
        return [d for d in yaml.load_all(f, Loader=SpecLoader) if d is not None]


# ---------------------------------------------------------------------------
# API resolution

class ParamError(Exception):
    """Client-side error: the call cannot be made (catch: param)."""


class ApiTable:
    """API name -> list of (path template, [methods], parts tuple, deprecated, source)."""

    def __init__(self, conformance):
        self.apis = collections.defaultdict(list)
        self.source = {}
        spec = os.path.join(conformance, 'opensearch-api-specification', 'spec', 'namespaces')
        for fn in sorted(glob.glob(os.path.join(spec, '*.yaml'))):
            self._load_openapi(fn)
        for name in self.apis:
            self.source[name] = 'opensearch-api-specification'
        fb = os.path.join(HERE, 'es-api-fallback.json')
        with open(fb) as f:
            fallback = json.load(f)['apis']
        self.fallback = {}
        # the Elasticsearch client's method for each (api, path): the canonical choice
        self.es_method = {(name, v['path']): v['methods'] for name, variants in fallback.items()
                          for v in variants}
        for name, variants in fallback.items():
            vs = [(v['path'], list(v['methods']), tuple(_parts(v['path'])), False) for v in variants]
            if name not in self.apis:
                self.apis[name] = vs
                self.source[name] = 'es-api-fallback.json'
            elif all(v[0].startswith(PLUGIN_PREFIXES) for v in self.apis[name]):
                # same name, but OpenSearch serves it from a plugin namespace
                # (security.*, ...): Osprey speaks Elasticsearch's API here
                self.apis[name] = vs
                self.source[name] = 'es-api-fallback.json'
            else:
                self.fallback[name] = vs
        for name, variants in EXTRA_APIS.items():
            if name not in self.apis:
                self.apis[name] = [(p, m, tuple(_parts(p)), False) for p, m in variants]
                self.source[name] = 'rest-api-spec (runner table)'

    def _load_openapi(self, fn):
        with open(fn, 'rb') as f:
            doc = yaml.load(f, Loader=getattr(yaml, 'CSafeLoader', yaml.SafeLoader))
        by_key = {}
        for path, ops in (doc.get('paths') or {}).items():
            for method, op in ops.items():
                if not isinstance(op, dict) or 'x-operation-group' not in op:
                    continue
                name = op['x-operation-group']
                key = (name, path)
                dep = bool(op.get('deprecated'))
                if key in by_key:
                    by_key[key][1].append(method.upper())
                else:
                    entry = (path, [method.upper()], tuple(_parts(path)), dep)
                    by_key[key] = entry
                    self.apis[name].append(entry)

    def known(self, name):
        return name in self.apis

    def resolve(self, name, params, has_body):
        """-> (method, path template, parts used, params). Raises ParamError when no variant fits.

        When the OpenSearch variants do not take the given parameters (the
        two projects named a path part differently), Elasticsearch's are tried."""
        try:
            return self._resolve(name, self.apis.get(name), params, has_body)
        except ParamError:
            if name not in self.fallback:
                raise
            return self._resolve(name, self.fallback[name], params, has_body)

    def _resolve(self, name, variants, params, has_body):
        for (api, alias), real in PART_ALIASES.items():
            if api == name and alias in params and real not in params:
                params = dict(params)
                params[real] = params.pop(alias)
        if not variants:
            raise ParamError('unknown API %r (not in the OpenAPI spec nor the fallback table)' % name)
        all_parts = set()
        for v in variants:
            all_parts.update(v[2])
        given = {k for k in params if k in all_parts}
        best = None
        for path, methods, parts, dep in variants:
            if not set(parts) <= given:
                continue
            score = (len(parts), not dep, len(set(parts) & given))
            if best is None or score > best[0]:
                best = (score, path, methods, parts)
        if best is None:
            raise ParamError('%s: no path variant takes parameters %s (variants: %s)' % (
                name, sorted(given) or '{}', ', '.join(v[0] for v in variants)))
        _, path, methods, parts = best
        unused = given - set(parts)
        if unused:
            # a path part given that the chosen path cannot carry: an ES runner errors here too
            raise ParamError('%s: path parameters %s not accepted together with %s' % (
                name, sorted(unused), path))
        es = [m for m in self.es_method.get((name, path), []) if m in methods]
        if es:
            methods = es  # what Elasticsearch's own client sends for this path
        order = ('POST', 'PUT', 'GET', 'HEAD', 'DELETE') if has_body else \
                ('GET', 'HEAD', 'POST', 'PUT', 'DELETE')
        method = sorted(methods, key=lambda m: order.index(m) if m in order else 99)[0]
        return method, path, parts, params


PLUGIN_PREFIXES = ('/_plugins/', '/_opendistro/')

# APIs newer than the npm client the fallback table was generated from, as
# Elasticsearch's rest-api-spec defines them: name -> [(path, methods)].
EXTRA_APIS = {
    'cat.circuit_breaker': [('/_cat/circuit_breaker', ['GET']),
                            ('/_cat/circuit_breaker/{circuit_breaker_patterns}', ['GET'])],
    'esql.put_view': [('/_query/view/{name}', ['PUT'])],
    'esql.get_view': [('/_query/view/{name}', ['GET']), ('/_query/view', ['GET'])],
    'esql.delete_view': [('/_query/view/{name}', ['DELETE'])],
    'esql.list_queries': [('/_query/queries', ['GET'])],
    'esql.get_query': [('/_query/queries/{id}', ['GET'])],
    'indices.get_data_stream_mappings': [('/_data_stream/{name}/_mappings', ['GET'])],
    'indices.put_data_stream_mappings': [('/_data_stream/{name}/_mappings', ['PUT'])],
    'indices.remove_block': [('/{index}/_block/{block}', ['DELETE'])],
    'security.get_stats': [('/_security/stats', ['GET'])],
}

# Path parts the generated client names differently from the rest-api-spec
# the YAML tests are written against: (api, name in the test) -> name in the path.
PART_ALIASES = {
    ('ilm.put_lifecycle', 'policy'): 'name',
    ('ilm.get_lifecycle', 'policy'): 'name',
    ('ilm.delete_lifecycle', 'policy'): 'name',
    ('snapshot.repository_analyze', 'repository'): 'name',
}


def _parts(path):
    return re.findall(r'\{(\w+)\}', path)


# ---------------------------------------------------------------------------
# HTTP

class Response:
    def __init__(self, method, url, status, headers, raw, body):
        self.method, self.url, self.status, self.headers, self.raw, self.body = \
            method, url, status, headers, raw, body

    def warnings(self):
        out = []
        for name, value in self.headers:
            if name.lower() != 'warning':
                continue
            for m in re.finditer(r'\d{3} \S+ "((?:[^"\\]|\\.)*)"', value):
                out.append(m.group(1).replace('\\"', '"').replace('\\\\', '\\'))
        return out


class ConnectionLost(Exception):
    pass


class Client:
    """One keep-alive HTTP/1.1 connection (http.client), reopened when the server closes it."""

    def __init__(self, url, timeout):
        u = urllib.parse.urlsplit(url)
        self.host, self.port = u.hostname, u.port or 80
        self.base = url.rstrip('/')
        self.timeout = timeout
        self.conn = None
        self.last = None  # (method, url, body bytes, Response)

    def reconnect(self, url):
        """Point at a new URL (a restarted node listens on a new port)."""
        self.close()
        u = urllib.parse.urlsplit(url)
        self.host, self.port, self.base = u.hostname, u.port or 80, url.rstrip('/')

    def close(self):
        if self.conn:
            self.conn.close()
            self.conn = None

    def request(self, method, path, query=None, body=None, headers=None):
        qs = ('?' + urllib.parse.urlencode(query)) if query else ''
        target = path + qs
        hdrs = {'Accept': 'application/json'}
        data = None
        if body is not None:
            if isinstance(body, (bytes, bytearray)):
                data = bytes(body)
                hdrs['Content-Type'] = 'application/json'
            elif isinstance(body, str):
                data = body.encode('utf-8')
                hdrs['Content-Type'] = 'application/json'
            elif isinstance(body, list):
                lines = [x if isinstance(x, str) else json.dumps(x, ensure_ascii=False) for x in body]
                data = ('\n'.join(lines) + '\n').encode('utf-8')
                hdrs['Content-Type'] = 'application/x-ndjson'
            else:
                data = json.dumps(body, ensure_ascii=False).encode('utf-8')
                hdrs['Content-Type'] = 'application/json'
        for k, v in (headers or {}).items():
            for hk in list(hdrs):
                if hk.lower() == k.lower():
                    del hdrs[hk]
            hdrs[k] = str(v)
        for attempt in range(2):
            reused = self.conn is not None
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            try:
                if self.conn.sock is None:
                    self.conn.connect()
                    self.conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                self.conn.request(method, target, body=data, headers=hdrs)
                r = self.conn.getresponse()
                raw = r.read()
                rheaders = r.getheaders()
                status = r.status
                if r.will_close:
                    self.close()
                break
            except (http.client.HTTPException, OSError) as e:
                self.close()
                stale = isinstance(e, (http.client.RemoteDisconnected, BrokenPipeError,
                                       ConnectionResetError, http.client.BadStatusLine))
                if reused and stale and attempt == 0:
                    continue  # the server closed an idle keep-alive connection: once more
                raise ConnectionLost('%s %s: %s: %s' % (method, target, type(e).__name__, e))
        ctype = ''
        for k, v in rheaders:
            if k.lower() == 'content-type':
                ctype = v.lower()
        if method == 'HEAD':
            parsed = 200 <= status < 300
        else:
            parsed = _parse_body(raw, ctype)
        resp = Response(method, self.base + target, status, rheaders, raw, parsed)
        self.last = (method, self.base + target, data, resp)
        return resp


def _parse_body(raw, ctype):
    if not raw:
        return '' if 'json' not in ctype else None
    text = raw.decode('utf-8', 'replace')
    if 'json' in ctype or text[:1] in '{[':
        try:
            return json.loads(text)
        except ValueError:
            return text
    if 'yaml' in ctype:
        try:
            return yaml.load(text, Loader=SpecLoader)
        except yaml.YAMLError:
            return text
    return text


# ---------------------------------------------------------------------------
# Values, stash, paths

class Skip(Exception):
    pass


class Failure(AssertionError):
    pass


def java_str(v):
    """String.valueOf as the Java runner sees the value (for regexes and is_true)."""
    if v is True:
        return 'true'
    if v is False:
        return 'false'
    if v is None:
        return 'null'
    if isinstance(v, (dict, list)):
        return json.dumps(v)
    return str(v)


def is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def deep_equal(a, b):
    if is_number(a) and is_number(b):
        return float(a) == float(b)
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(deep_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(deep_equal(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


def first_diff(expected, actual, where=''):
    """A short description of where two values differ."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        for k in expected:
            if k not in actual:
                return '%s.%s missing' % (where, k)
            d = first_diff(expected[k], actual[k], '%s.%s' % (where, k))
            if d:
                return d
        extra = [k for k in actual if k not in expected]
        if extra:
            return '%s has unexpected keys %s' % (where or 'value', extra[:5])
        return None
    if isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            return '%s length %d != expected %d' % (where or 'list', len(actual), len(expected))
        for i, (x, y) in enumerate(zip(expected, actual)):
            d = first_diff(x, y, '%s.%d' % (where, i))
            if d:
                return d
        return None
    if not deep_equal(expected, actual):
        return '%s: expected %s, got %s' % (where or 'value', short(expected), short(actual))
    return None


def short(v, n=300):
    s = json.dumps(v, ensure_ascii=False, default=str) if not isinstance(v, str) else repr(v)
    return s if len(s) <= n else s[:n] + '...'


def split_path(path):
    if path in ('', '$body'):
        return []
    out, cur, i = [], '', 0
    while i < len(path):
        c = path[i]
        if c == '\\' and i + 1 < len(path) and path[i + 1] == '.':
            cur += '.'
            i += 2
            continue
        if c == '.':
            out.append(cur)
            cur = ''
        else:
            cur += c
        i += 1
    out.append(cur)
    return out


class Stash:
    def __init__(self):
        self.vars = {}
        self.body = None

    def clear(self):
        self.vars.clear()
        self.body = None

    def get(self, key):
        if key == 'body':
            return self.body
        if key.startswith('body.') or key.startswith('body\\.'):
            return lookup(self.body, key[5:], self)
        if key in self.vars:
            return self.vars[key]
        # ES allows ${a.b} to reach into a stashed object
        head, _, rest = key.partition('.')
        if rest and head in self.vars:
            return lookup(self.vars[head], rest, self)
        raise Failure('stash has no value for $%s (stashed: %s)' % (key, sorted(self.vars)))

    def replace(self, v):
        """Replace $var / ${var} in a value taken from the test (deep, also keys).

        A string that is exactly `$var` or `${var}` becomes the stashed value
        (any type); `${var}` inside a longer string is substituted as text."""
        if isinstance(v, str):
            m = re.fullmatch(r'\$([A-Za-z_][\w.]*)|\$\{([\w.]+)\}', v)
            if m:
                return self.get(m.group(1) or m.group(2))
            if '${' in v:
                def sub(mo):
                    val = self.get(mo.group(1))
                    return val if isinstance(val, str) else java_str(val)
                return re.sub(r'\$\{([\w.]+)\}', sub, v)
            return v
        if isinstance(v, list):
            return [self.replace(x) for x in v]
        if isinstance(v, dict):
            out = {}
            for k, x in v.items():
                nk = self.replace(k) if isinstance(k, str) and k.startswith('$') else k
                out[java_str(nk) if not isinstance(nk, str) else nk] = self.replace(x)
            return out
        return v


MISSING = object()


def lookup(body, path, stash):
    """Value at a dotted path of the response body, or MISSING."""
    cur = body
    segs = split_path(path)
    if segs and segs[0] == '$body':
        segs = segs[1:]
    for seg in segs:
        if seg.startswith('$') or '${' in seg:
            seg = java_str(stash.replace(seg))
        if cur is MISSING or cur is None:
            return MISSING
        if isinstance(cur, list):
            try:
                idx = int(seg)
            except ValueError:
                return MISSING
            if idx < 0 or idx >= len(cur):
                return MISSING
            cur = cur[idx]
        elif isinstance(cur, dict):
            if seg == '_arbitrary_key_':
                if not cur:
                    return MISSING
                cur = next(iter(cur))
                continue
            if seg not in cur:
                return MISSING
            cur = cur[seg]
        else:
            return MISSING
    return cur


def as_regex(v):
    if isinstance(v, str):
        s = v.strip()
        if len(s) > 1 and s.startswith('/') and s.endswith('/'):
            return s[1:-1]
    return None


def compile_regex(pattern):
    # Java's Pattern.COMMENTS ~ re.VERBOSE; a few Java-only escapes have Python spellings.
    p = pattern.replace('\\p{Alnum}', '[A-Za-z0-9]')
    return re.compile(p, re.VERBOSE)


def version_tuple(s):
    nums = re.findall(r'\d+', str(s))
    return tuple(int(x) for x in nums[:3]) + (0,) * (3 - len(nums[:3]))


def version_in_ranges(spec, version):
    spec = str(spec).strip()
    if spec in ('all', '*'):
        return True
    v = version_tuple(version)
    for rng in spec.split(','):
        rng = rng.strip()
        if not rng:
            continue
        lo, sep, hi = rng.partition('-')
        if not sep:
            if version_tuple(lo) == v:
                return True
            continue
        lo_t = version_tuple(lo) if lo.strip() else (0, 0, 0)
        hi_t = version_tuple(hi) if hi.strip() else (1 << 30, 0, 0)
        if lo_t <= v <= hi_t:
            return True
    return False


def as_list(v):
    if v is None:
        return []
    return v if isinstance(v, list) else [v]


# ---------------------------------------------------------------------------
# Tests

class TestCase:
    def __init__(self, suite, rel, name, steps, setup, teardown, file_skip):
        self.suite, self.rel, self.name, self.steps = suite, rel, name, steps
        self.setup, self.teardown, self.file_skip = setup, teardown, file_skip

    @property
    def id(self):
        return '%s/%s::%s' % (self.suite, self.rel, self.name)


def load_tests(conformance, suites=None):
    """suites: [(label, folder)]; folders are relative to conformance unless absolute."""
    tests = []
    errors = []
    for label, folder in (suites or SUITES):
        root = os.path.join(conformance, folder)
        files = sorted(glob.glob(os.path.join(root, '**', '*.yml'), recursive=True)
                       + glob.glob(os.path.join(root, '**', '*.yaml'), recursive=True))
        for fn in files:
            rel = os.path.relpath(fn, root)
            try:
                docs = load_yaml_all(fn)
            except yaml.YAMLError as e:
                errors.append('%s/%s: YAML error: %s' % (label, rel, str(e).splitlines()[0]))
                continue
            setup, teardown, file_skip = [], [], None
            named = []
            for doc in docs:
                if not isinstance(doc, dict):
                    continue
                for key, val in doc.items():
                    if key == 'setup':
                        setup = val or []
                    elif key == 'teardown':
                        teardown = val or []
                    elif key == 'requires' and isinstance(val, dict):
                        file_skip = file_requires(val)
                    else:
                        named.append((key, val or []))
            for name, steps in named:
                tests.append(TestCase(label, rel, str(name), steps, setup, teardown, file_skip))
    return tests, errors


def file_requires(req):
    """The clients-tests `requires` document: stack/serverless/feature_flag."""
    if req.get('stack') is False:
        return 'requires: not for stack deployments (serverless only)'
    if req.get('feature_flag'):
        return 'requires feature flag %s' % req['feature_flag']
    return None


class Runner:
    def __init__(self, api, client, version, verbose=False, node=None):
        self.api, self.client, self.version, self.verbose = api, client, version, verbose
        self.node = node
        self.stash = Stash()
        self.last_api = None
        self.failed_apis = collections.Counter()  # API of the step a failing test stopped at

    # -- skip ------------------------------------------------------------
    def check_skip(self, steps):
        """Raise Skip if the leading skip/requires steps rule the section out."""
        for step in steps:
            if not isinstance(step, dict) or len(step) != 1:
                break
            (kind, arg), = step.items()
            if kind not in ('skip', 'requires'):
                break
            arg = arg or {}
            reason = arg.get('reason', '')
            if kind == 'skip':
                if 'version' in arg and version_in_ranges(arg['version'], self.version):
                    raise Skip('version %s in skip range %r: %s' % (self.version, arg['version'], reason))
                if arg.get('awaits_fix'):
                    raise Skip('awaits fix: %s' % arg['awaits_fix'])
                if arg.get('known_issues'):
                    raise Skip('known issues: %s' % reason)
                # cluster_features: Osprey advertises none, so a skip on them never fires.
            else:
                if arg.get('cluster_features'):
                    raise Skip('requires cluster features %s' % as_list(arg['cluster_features']))
                if arg.get('capabilities'):
                    raise Skip('requires capabilities %s' % short(arg['capabilities']))
            feats = as_list(arg.get('features')) + as_list(arg.get('test_runner_features'))
            missing = [f for f in feats if f not in SUPPORTED_FEATURES]
            if missing:
                raise Skip('runner feature(s) not supported: %s' % ', '.join(map(str, missing)))

    # -- steps -----------------------------------------------------------
    def run_steps(self, steps):
        for i, step in enumerate(steps):
            if not isinstance(step, dict):
                raise Failure('step %d is not a mapping: %r' % (i, step))
            for kind, arg in step.items():
                if kind in ('skip', 'requires'):
                    continue
                fn = getattr(self, 'step_' + kind, None)
                if fn is None:
                    raise Failure('unknown step %r' % kind)
                try:
                    fn(arg)
                except Failure as e:
                    raise Failure('step %d `%s: %s`\n      %s' % (i + 1, kind, short(arg, 160), e))
                except ConnectionLost as e:
                    raise ConnectionLost('step %d `%s: %s`: %s' % (i + 1, kind, short(arg, 160), e))

    def step_do(self, arg):
        arg = dict(arg)
        catch = arg.pop('catch', None)
        headers = self.stash.replace(arg.pop('headers', None) or {})
        warnings = as_list(arg.pop('warnings', None))
        allowed = as_list(arg.pop('allowed_warnings', None))
        warnings_rx = as_list(arg.pop('warnings_regex', None))
        allowed_rx = as_list(arg.pop('allowed_warnings_regex', None))
        arg.pop('node_selector', None)  # one node: every selector picks it
        if len(arg) != 1:
            raise Failure('do needs exactly one API, got %s' % list(arg))
        (name, params), = arg.items()
        self.last_api = name
        params = dict(params or {})
        ignore = {int(x) for x in as_list(params.pop('ignore', None))}
        params = self.stash.replace(params)
        body = params.pop('body', None)
        try:
            method, template, parts, params = self.api.resolve(name, params, body is not None)
            path = template
            for p in parts:
                val = params.pop(p)
                if isinstance(val, list):
                    val = ','.join(java_str(x) for x in val)
                path = path.replace('{%s}' % p, urllib.parse.quote(java_str(val), safe=',*'))
            query = []
            for k, v in params.items():
                if isinstance(v, list):
                    v = ','.join(java_str(x) for x in v)
                query.append((k, java_str(v)))
        except ParamError as e:
            if catch == 'param':
                return
            raise Failure('cannot call %s: %s' % (name, e))
        if catch == 'param':
            raise Failure('expected a client-side parameter error for %s, but the call resolved to %s %s'
                          % (name, method, template))
        resp = self.client.request(method, path, query, body, headers)
        self.stash.body = resp.body
        status = resp.status
        if catch:
            self.check_catch(catch, resp)
        elif status >= 400 and status not in ignore and method != 'HEAD':
            raise Failure('%s %s returned %d' % (method, path, status))
        elif method == 'HEAD' and status >= 400 and status != 404 and status not in ignore:
            raise Failure('%s %s returned %d' % (method, path, status))
        self.check_warnings(resp, warnings, allowed, warnings_rx, allowed_rx)

    def check_catch(self, catch, resp):
        status = resp.status
        text = resp.raw.decode('utf-8', 'replace')
        if status < 400:
            raise Failure('expected an error (catch: %s) but got %d' % (catch, status))
        rx = as_regex(catch)
        if rx is not None:
            if not compile_regex(rx).search(text):
                raise Failure('error body does not match /%s/: %s' % (rx, short(text)))
            return
        if catch in CATCH_STATUS:
            if status != CATCH_STATUS[catch]:
                raise Failure('catch: %s wants %d, got %d' % (catch, CATCH_STATUS[catch], status))
            return
        if catch == 'request':
            if status in (400, 401, 403, 404, 408, 409):
                raise Failure('catch: request wants an error other than the named kinds, got %d' % status)
            return
        # any other word: an exception type name (e.g. resource_not_found_exception)
        body = resp.body if isinstance(resp.body, dict) else {}
        err = body.get('error') if isinstance(body.get('error'), dict) else {}
        types = [err.get('type')] + [c.get('type') for c in err.get('root_cause', []) if isinstance(c, dict)]
        if catch not in types and catch not in text:
            raise Failure('catch: %s not found in error %s' % (catch, short(text)))

    def check_warnings(self, resp, expected, allowed, expected_rx, allowed_rx):
        got = resp.warnings()
        unexpected = []
        for w in got:
            if w in expected or w in allowed:
                continue
            if any(re.search(r, w) for r in expected_rx + allowed_rx):
                continue
            unexpected.append(w)
        missing = [w for w in expected if w not in got]
        missing += [r for r in expected_rx if not any(re.search(r, w) for w in got)]
        if unexpected:
            raise Failure('unexpected Warning header(s): %s' % unexpected)
        if missing:
            raise Failure('expected Warning header(s) missing: %s (got %s)' % (missing, got))

    def _pairs(self, arg):
        if not isinstance(arg, dict):
            raise Failure('assertion needs a mapping, got %r' % (arg,))
        for path, expected in arg.items():
            path = str(path)
            actual = lookup(self.stash.body, path, self.stash)
            yield path, expected, actual

    def step_match(self, arg):
        for path, expected, actual in self._pairs(arg):
            rx = as_regex(expected)
            if rx is not None:
                if actual is MISSING or actual is None:
                    raise Failure('%s is missing, expected to match /%s/' % (path or '$body', rx.strip()))
                if not compile_regex(rx).search(java_str(actual)):
                    raise Failure('%s = %s does not match /%s/' % (path or '$body', short(actual), rx.strip()))
                continue
            expected = self.stash.replace(expected)
            if actual is MISSING:
                if expected is None:
                    continue
                raise Failure('%s is missing, expected %s' % (path or '$body', short(expected)))
            if not deep_equal(expected, actual):
                d = first_diff(expected, actual, path)
                raise Failure('%s does not match: %s' % (path or '$body', d))

    def _truth(self, arg):
        paths = arg if isinstance(arg, list) else [arg]
        for p in paths:
            p = '' if p is None else str(p)
            yield p, lookup(self.stash.body, p, self.stash)

    def step_is_true(self, arg):
        for p, v in self._truth(arg):
            if v is MISSING or v is None or java_str(v) in ('', 'false', '0'):
                raise Failure('%s is not true: %s' % (p or '$body', 'missing' if v is MISSING else short(v)))

    def step_is_false(self, arg):
        for p, v in self._truth(arg):
            if not (v is MISSING or v is None or java_str(v) in ('', 'false', '0')):
                raise Failure('%s is not false: %s' % (p or '$body', short(v)))

    def step_exists(self, arg):
        for p, v in self._truth(arg):
            if v is MISSING or v is None:
                raise Failure('%s does not exist' % (p or '$body'))

    def _compare(self, arg, op, sym):
        for path, expected, actual in self._pairs(arg):
            expected = self.stash.replace(expected)
            if actual is MISSING or actual is None:
                raise Failure('%s is missing, expected %s %s' % (path, sym, short(expected)))
            a, e = actual, expected
            if is_number(e) and isinstance(a, str):
                try:
                    a = float(a)
                except ValueError:
                    pass
            try:
                ok = op(a, e)
            except TypeError:
                raise Failure('%s = %s cannot be compared with %s' % (path, short(actual), short(expected)))
            if not ok:
                raise Failure('%s = %s, expected %s %s' % (path, short(actual), sym, short(expected)))

    def step_gt(self, arg):
        self._compare(arg, lambda a, e: a > e, '>')

    def step_gte(self, arg):
        self._compare(arg, lambda a, e: a >= e, '>=')

    def step_lt(self, arg):
        self._compare(arg, lambda a, e: a < e, '<')

    def step_lte(self, arg):
        self._compare(arg, lambda a, e: a <= e, '<=')

    def step_length(self, arg):
        for path, expected, actual in self._pairs(arg):
            expected = self.stash.replace(expected)
            if actual is MISSING or not isinstance(actual, (list, dict, str)):
                raise Failure('%s has no length: %s' % (path or '$body',
                                                        'missing' if actual is MISSING else short(actual)))
            if len(actual) != expected:
                raise Failure('%s length is %d, expected %s' % (path or '$body', len(actual), expected))

    def step_contains(self, arg):
        for path, expected, actual in self._pairs(arg):
            expected = self.stash.replace(expected)
            if isinstance(actual, str) and isinstance(expected, str):
                if expected in actual:
                    continue
            elif isinstance(actual, list):
                if any(_contains_item(x, expected) for x in actual):
                    continue
            elif isinstance(actual, dict) and isinstance(expected, dict):
                if _contains_item(actual, expected):
                    continue
            raise Failure('%s = %s does not contain %s' % (
                path or '$body', 'missing' if actual is MISSING else short(actual), short(expected)))

    def step_close_to(self, arg):
        for path, expected, actual in self._pairs(arg):
            expected = self.stash.replace(expected)
            if not isinstance(expected, dict) or 'value' not in expected or 'error' not in expected:
                raise Failure('close_to needs {value, error}, got %r' % (expected,))
            if not is_number(actual):
                raise Failure('%s is not a number: %s' % (path, 'missing' if actual is MISSING else short(actual)))
            if abs(actual - expected['value']) > expected['error']:
                raise Failure('%s = %s is not within %s of %s' % (path, actual, expected['error'],
                                                                   expected['value']))

    def step_set(self, arg):
        for path, var in arg.items():
            v = lookup(self.stash.body, str(path), self.stash)
            if v is MISSING:
                raise Failure('cannot set $%s: %s is missing from the response' % (var, path))
            self.stash.vars[str(var)] = v

    def step_transform_and_set(self, arg):
        for var, expr in arg.items():
            m = re.fullmatch(r'#base64EncodeCredentials\((\w+),(\w+)\)', str(expr).strip())
            if not m:
                raise Failure('unsupported transform %r' % expr)
            a = lookup(self.stash.body, m.group(1), self.stash)
            b = lookup(self.stash.body, m.group(2), self.stash)
            if a is MISSING or b is MISSING:
                raise Failure('transform %r: fields missing from the response' % expr)
            self.stash.vars[str(var)] = base64.b64encode(('%s:%s' % (a, b)).encode()).decode()

    def step_is_after(self, arg):
        for path, expected, actual in self._pairs(arg):
            expected = self.stash.replace(expected)
            if actual is MISSING or str(actual) <= str(expected):
                raise Failure('%s = %s is not after %s' % (path, short(actual), short(expected)))

    # -- cleanup -----------------------------------------------------------
    def wipe(self):
        """The official runners' cleanup, for what Osprey supports; non-2xx is tolerated."""
        c = self.client
        try:
            r = c.request('GET', '/_snapshot/_all')
            if r.status == 200 and isinstance(r.body, dict):
                for repo in r.body:
                    s = c.request('GET', '/_snapshot/%s/_all' % urllib.parse.quote(repo, safe=''))
                    if s.status == 200 and isinstance(s.body, dict):
                        for snap in s.body.get('snapshots', []):
                            c.request('DELETE', '/_snapshot/%s/%s' % (
                                urllib.parse.quote(repo, safe=''), urllib.parse.quote(snap['snapshot'], safe='')))
                    c.request('DELETE', '/_snapshot/%s' % urllib.parse.quote(repo, safe=''))
            c.request('DELETE', '/_data_stream/*', [('expand_wildcards', 'all')])
            # by name first: Elasticsearch 8 refuses wildcard deletes by default
            r = c.request('GET', '/_cat/indices', [('format', 'json'), ('h', 'index'),
                                                   ('expand_wildcards', 'all')])
            if r.status == 200 and isinstance(r.body, list):
                names = [row['index'] for row in r.body if isinstance(row, dict) and row.get('index')]
                for i in range(0, len(names), 50):
                    c.request('DELETE', '/' + ','.join(urllib.parse.quote(n, safe='') for n in names[i:i + 50]),
                              [('expand_wildcards', 'all')])
            r = c.request('DELETE', '/*', [('expand_wildcards', 'all')])
            for p in ('/_index_template/*', '/_component_template/*', '/_template/*'):
                c.request('DELETE', p)
            r = c.request('GET', '/_cluster/settings')
            if r.status == 200 and isinstance(r.body, dict):
                reset = {}
                for scope in ('persistent', 'transient'):
                    flat = _flatten(r.body.get(scope) or {})
                    if flat:
                        reset[scope] = {k: None for k in flat}
                if reset:
                    c.request('PUT', '/_cluster/settings', body=reset)
        except ConnectionLost:
            raise

    # -- one test ------------------------------------------------------------
    def run_test(self, t):
        """-> (status, detail)."""
        if t.file_skip:
            return 'SKIP', t.file_skip
        try:
            self.check_skip(t.setup)
            self.check_skip(t.steps)
        except Skip as e:
            return 'SKIP', str(e)
        self.stash.clear()
        self.client.last = None
        self.last_api = None
        result = ('PASS', '')
        phase = 'setup'
        try:
            self.run_steps(t.setup)
            phase = 'test'
            self.run_steps(t.steps)
        except Failure as e:
            result = ('FAIL', '%s: %s%s' % (phase, e, self.excerpt()))
        except ConnectionLost as e:
            result = ('FAIL', '%s: connection lost: %s%s' % (phase, e, self.crashed()))
        except Exception as e:  # a runner bug must not hide the other tests
            result = ('FAIL', '%s: runner error %s: %s\n%s' % (phase, type(e).__name__, e,
                                                              traceback.format_exc(limit=3)))
        failed_api = self.last_api
        try:
            if t.teardown:
                self.stash.clear()
                self.run_steps(t.teardown)
        except (Failure, ConnectionLost) as e:
            if result[0] == 'PASS':
                result = ('FAIL', 'teardown: %s%s' % (e, self.excerpt()))
        try:
            self.wipe()
        except ConnectionLost as e:
            if result[0] == 'PASS':
                result = ('FAIL', 'wipe: connection lost: %s%s' % (e, self.crashed()))
        if result[0] == 'FAIL':
            self.failed_apis[failed_api or '(teardown/wipe)'] += 1
        return result

    def crashed(self):
        """If we own the node and it died, show its log and start a new one."""
        if self.node is None or self.node.alive():
            return ''
        from io import StringIO
        buf = StringIO()
        self.node.dump_log('node died', lines=30, stream=buf)
        try:
            self.node.restart()
        except Exception as e:  # harness.NodeError; the next tests fail fast on a refused connect
            return '\n' + buf.getvalue() + '(restarting the node failed: %s)' % e
        self.client.reconnect(self.node.url)
        return '\n' + buf.getvalue() + '(node restarted for the next tests)'

    def excerpt(self):
        if not self.client.last:
            return ''
        method, url, data, resp = self.client.last
        req = (data or b'').decode('utf-8', 'replace')
        body = resp.raw.decode('utf-8', 'replace')
        return '\n      last request: %s %s %s\n      response: %d %s' % (
            method, url[:300] + ('...' if len(url) > 300 else ''), req[:300] + ('...' if len(req) > 300 else ''),
            resp.status, body[:500] + ('...' if len(body) > 500 else ''))


def _contains_item(item, expected):
    if isinstance(expected, dict) and isinstance(item, dict):
        return all(k in item and (deep_equal(v, item[k]) or _contains_item(item[k], v))
                   for k, v in expected.items())
    return deep_equal(item, expected)


def _flatten(d, prefix=''):
    out = {}
    for k, v in d.items():
        key = prefix + k
        if isinstance(v, dict):
            out.update(_flatten(v, key + '.'))
        else:
            out[key] = v
    return out


# ---------------------------------------------------------------------------
# --list: resolve every API call offline

def list_mode(tests, api, errors):
    seen_files = set()
    calls = resolved = 0
    unresolved = collections.Counter()
    by_source = collections.Counter()
    bad_params = []
    fully = 0
    per_suite = collections.defaultdict(lambda: [set(), 0, 0])  # files, tests, calls
    for t in tests:
        seen_files.add((t.suite, t.rel))
        ps = per_suite[t.suite]
        ps[0].add(t.rel)
        ps[1] += 1
        ok = True
        for section in (t.setup, t.steps, t.teardown):
            for step in section:
                if not isinstance(step, dict) or 'do' not in step:
                    continue
                d = dict(step['do'])
                for k in ('catch', 'headers', 'warnings', 'allowed_warnings', 'warnings_regex',
                          'allowed_warnings_regex', 'node_selector'):
                    d.pop(k, None)
                for name, params in d.items():
                    calls += 1
                    ps[2] += 1
                    params = dict(params or {})
                    params.pop('ignore', None)
                    body = params.pop('body', None)
                    if not api.known(name):
                        unresolved[name] += 1
                        ok = False
                        continue
                    try:
                        api.resolve(name, params, body is not None)
                        resolved += 1
                        by_source[api.source[name]] += 1
                    except ParamError as e:
                        if step['do'].get('catch') == 'param':
                            resolved += 1
                            by_source[api.source[name]] += 1
                            continue
                        ok = False
                        bad_params.append('%s: %s' % (t.id, e))
        fully += ok
        print('%s %s' % ('ok  ' if ok else 'UNRESOLVED', t.id))
    for e in errors:
        print('YAML-ERROR %s' % e)
    print()
    for label, (files, ntests, ncalls) in sorted(per_suite.items()):
        print('suite %s: %d files, %d tests, %d API calls' % (label, len(files), ntests, ncalls))
    print('files: %d, tests: %d (%d with every API call resolved)' % (len(seen_files), len(tests), fully))
    print('API calls: %d, resolved: %d (%s), unresolved: %d' % (
        calls, resolved, ', '.join('%s %d' % kv for kv in sorted(by_source.items())), calls - resolved))
    if unresolved:
        print('unresolved API names (%d): %s' % (len(unresolved), ', '.join(
            '%s x%d' % kv for kv in sorted(unresolved.items()))))
    for b in bad_params:
        print('unresolved parameters: %s' % b)
    return 0 if not unresolved and not bad_params and not errors else 1


# ---------------------------------------------------------------------------

def read_expected(path):
    if not path or not os.path.exists(path):
        return []
    out = []
    with open(path, encoding='utf-8') as f:
        for line in f:
            line = line.rstrip('\n')
            if line.strip() and not line.lstrip().startswith('#'):
                out.append(line.strip())
    return out


EXPECTED_HEADER = """\
# REST conformance tests known to pass (suite/file::test name), one a line.
# tests/rest/runner.py --expected FILE fails when one of these does not pass.
# Regenerate with: /usr/bin/python3 tests/rest/runner.py --update-expected
"""


def write_expected(path, ids):
    with open(path, 'w', encoding='utf-8') as f:
        f.write(EXPECTED_HEADER)
        for i in sorted(set(ids)):
            f.write(i + '\n')


def server_version(client):
    r = client.request('GET', '/')
    if r.status != 200 or not isinstance(r.body, dict):
        raise SystemExit('GET / answered %d: %s' % (r.status, r.raw[:200]))
    return str((r.body.get('version') or {}).get('number', '0.0.0'))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--conformance', default=os.path.join(os.path.dirname(REPO), 'shared', 'conformance'),
                    help='conformance data (default: ../shared/conformance from the repo root)')
    ap.add_argument('--server', help='URL of a running server (default: start a node with the harness)')
    ap.add_argument('--filter', action='append', default=[],
                    help='only tests whose id (suite/file::name) contains this substring (repeatable)')
    ap.add_argument('--list', action='store_true', help='resolve every API call offline and report')
    ap.add_argument('--tests', metavar='DIR', action='append',
                    help='run the YAML files under DIR instead of the conformance suites (repeatable); '
                         'the API table still comes from the conformance data')
    ap.add_argument('--expected', help='expected-pass list: fail only on regressions')
    ap.add_argument('--update-expected', nargs='?', const=os.path.join(HERE, 'expected-pass.txt'),
                    metavar='FILE', help='rewrite the expected-pass list with the tests that passed')
    ap.add_argument('--timeout', type=float, default=20.0, help='per-request timeout, seconds')
    ap.add_argument('--max-time', type=float, default=0,
                    help='time budget in seconds: tests not started by then are reported as failed')
    ap.add_argument('-q', '--quiet', action='store_true', help='print only failures and the summary')
    args = ap.parse_args(argv)

    conf = os.path.abspath(args.conformance)
    if not os.path.isdir(conf):
        print('SKIP: conformance data not found at %s (it lives in ../shared/conformance beside the repo, '
              'absent in a plain clone)' % conf)
        return SKIP_EXIT

    api = ApiTable(conf)
    suites = None
    if args.tests:
        suites = [(os.path.basename(os.path.normpath(d)), os.path.abspath(d)) for d in args.tests]
    tests, errors = load_tests(conf, suites)
    if args.filter:
        tests = [t for t in tests if any(f in t.id for f in args.filter)]
    if args.list:
        return list_mode(tests, api, errors)

    node = None
    if args.server:
        url = args.server
    else:
        import harness
        try:
            # fs snapshot repositories must live under path.repo
            repo_root = tempfile.mkdtemp(prefix='osprey-rest-repo-')
            atexit.register(shutil.rmtree, repo_root, True)
            node = harness.Node(name='osprey-rest', settings={'path.repo': repo_root})
            node.start()
        except harness.NodeError as e:
            print('FAIL: could not start a node: %s' % e)
            print('0 passed, %d failed, 0 skipped' % len(tests))
            return 1
        url = node.url
    client = Client(url, args.timeout)
    counts = collections.Counter()
    passed = set()
    results = {}
    t0 = time.monotonic()
    try:
        version = server_version(client)
        print('server %s, version %s; %d tests' % (url, version, len(tests)))
        runner = Runner(api, client, version, node=node)
        try:
            runner.wipe()
        except ConnectionLost as e:
            print('FAIL: server unreachable before the first test: %s' % e)
            return 1
        for t in tests:
            if args.max_time and time.monotonic() - t0 > args.max_time:
                status, detail = 'FAIL', 'not run: the %.0f s time budget (--max-time) was used up' % args.max_time
            else:
                status, detail = runner.run_test(t)
            counts[status] += 1
            results[t.id] = status
            if status == 'PASS':
                passed.add(t.id)
            if status == 'FAIL':
                print('FAIL %s\n      %s' % (t.id, detail.replace('\n', '\n      ') if detail else ''))
            elif not args.quiet:
                print('%s %s%s' % (status, t.id, (' (%s)' % detail) if detail else ''))
            sys.stdout.flush()
    finally:
        client.close()
        if node is not None:
            alive = node.alive()
            rc = node.stop()
            if not alive or rc not in (0, None):
                node.dump_log('node exited on its own' if not alive else 'node stopped with status %s' % rc)
                print('node files kept in %s' % node.tmp)
            else:
                node.cleanup()
    for e in errors:
        print('YAML-ERROR %s' % e)
    if runner.failed_apis:
        print('failing tests by the API call they stopped at: %s' % ', '.join(
            '%s %d' % kv for kv in runner.failed_apis.most_common(25)))
    print('time: %.1f s' % (time.monotonic() - t0))

    rc = 1 if counts['FAIL'] else 0
    if args.expected or args.update_expected:
        exp_path = args.expected or args.update_expected
        listed = read_expected(exp_path)
        in_scope = [i for i in listed if not args.filter or any(f in i for f in args.filter)]
        regressions = [i for i in in_scope if results.get(i) != 'PASS']
        new = sorted(passed - set(listed))
        if args.update_expected:
            keep = [i for i in listed if i not in in_scope]
            write_expected(args.update_expected, keep + sorted(passed))
            print('expected-pass list %s rewritten: %d tests' % (args.update_expected, len(set(keep) | passed)))
            rc = 0
        else:
            for i in regressions:
                print('REGRESSION %s: listed as passing, now %s' % (i, results.get(i, 'NOT FOUND')))
            if new:
                print('%d newly passing test(s) not in %s:' % (len(new), os.path.relpath(exp_path)))
                for i in new:
                    print('  NEW %s' % i)
                print('hint: add them with /usr/bin/python3 tests/rest/runner.py --update-expected')
            print('expected-pass: %d listed, %d regressions, %d newly passing' % (
                len(in_scope), len(regressions), len(new)))
            rc = 1 if regressions else 0
    print('%d passed, %d failed, %d skipped' % (counts['PASS'], counts['FAIL'], counts['SKIP']))
    return rc


if __name__ == '__main__':
    sys.exit(main())
