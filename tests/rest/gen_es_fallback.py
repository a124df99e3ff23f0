#!/usr/bin/python3
"""Regenerate es-api-fallback.json: method + path templates of every API in
Elasticsearch's naming, read from the npm @elastic/elasticsearch client's
generated sources (Apache-2.0).  The runner uses it only for API names the
OpenSearch OpenAPI spec does not define (ml.*, security.*, esql.*, ...).

Usage: /usr/bin/python3 tests/rest/gen_es_fallback.py \
           tests/clients/node/node_modules/@elastic/elasticsearch > tests/rest/es-api-fallback.json
"""
import json
import os
import re
import sys

FUNC = re.compile(r'^(?:async function \w+|    async \w+)\(params, options\) \{$', re.M)
NAME = re.compile(r"name: '([\w.]+)'")
METHOD = re.compile(r"method = (body != null \? 'POST' : 'GET'|'([A-Z]+)');")
PATH = re.compile(r"path = (?:'([^']*)'|`([^`]*)`);")
PART = re.compile(r"\$\{encodeURIComponent\(params\.(\w+)\.toString\(\)\)\}")


def main():
    root = sys.argv[1]
    api_dir = os.path.join(root, 'lib', 'api', 'api')
    version = json.load(open(os.path.join(root, 'package.json')))['version']
    table = {}
    for fn in sorted(os.listdir(api_dir)):
        if not fn.endswith('.js'):
            continue
        src = open(os.path.join(api_dir, fn)).read()
        starts = [m.start() for m in FUNC.finditer(src)] + [len(src)]
        for a, b in zip(starts, starts[1:]):
            chunk = src[a:b]
            name = NAME.search(chunk)
            if not name:
                continue
            variants = []
            # method and path assignments come in pairs, in order
            pos = 0
            while True:
                m = METHOD.search(chunk, pos)
                if not m:
                    break
                p = PATH.search(chunk, m.end())
                if not p:
                    break
                pos = p.end()
                tmpl = p.group(1) if p.group(1) is not None else p.group(2)
                if not tmpl:
                    continue
                tmpl = PART.sub(lambda x: '{' + x.group(1) + '}', tmpl)
                if m.group(2):
                    methods = [m.group(2)]
                else:
                    methods = ['GET', 'POST']
                variants.append({'path': tmpl, 'methods': methods})
            if variants:
                table[name.group(1)] = variants
    out = {'_source': '@elastic/elasticsearch %s lib/api/api (Apache-2.0)' % version,
           'apis': table}
    json.dump(out, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write('\n')


if __name__ == '__main__':
    main()
