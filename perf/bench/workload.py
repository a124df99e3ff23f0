"""workload.py - turn a category's query parameters into pf-load request
files, from the Elasticsearch JSON templates in perf/workloads/osprey/.

A template is one request body with {{w1}} and {{w2}} standing for the
parameters of one query line (words, or lo/hi of a range). Users bring
their own by adding a <Category>.json template and a <Category>.tsv."""
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
TEMPLATES = os.path.join(os.path.dirname(HERE), 'workloads', 'osprey')


def render(template, params):
    body = template
    for i, p in enumerate(params, 1):
        body = body.replace('{{w%d}}' % i, json.dumps(p)[1:-1])
    json.loads(body)  # a template must give valid JSON
    return body


def search_requests(category, params_path, index, out_path, templates=TEMPLATES):
    with open(os.path.join(templates, category + '.json')) as f:
        tmpl = f.read().strip()
    n = 0
    with open(params_path) as f, open(out_path, 'wb') as out:
        for line in f:
            line = line.rstrip('\n')
            if not line:
                continue
            body = render(tmpl, line.split('\t')).encode()
            out.write(b'POST /%s/_search %d\n' % (index.encode(), len(body)) + body + b'\n')
            n += 1
    return n


def bulk_requests(ndjson_path, index, out_path, per_request=100, max_requests=200):
    """_bulk bodies of per_request documents each, with explicit ids so a
    replayed stream overwrites instead of growing the index."""
    n = 0
    with open(ndjson_path, 'rb') as f, open(out_path, 'wb') as out:
        chunk = []
        for line in f:
            doc_id = json.loads(line)['id']
            chunk.append(b'{"index":{"_id":"%d"}}\n' % doc_id + line)
            if len(chunk) == per_request:
                body = b''.join(chunk)
                out.write(b'POST /%s/_bulk %d\n' % (index.encode(), len(body)) + body + b'\n')
                chunk = []
                n += 1
                if n >= max_requests:
                    break
    return n


def body_bytes(req_path):
    """Mean body size of a request file's records (for MB/s figures)."""
    total = n = 0
    with open(req_path, 'rb') as f:
        while True:
            head = f.readline()
            if not head:
                break
            blen = int(head.split(b' ')[2])
            f.seek(blen + 1, os.SEEK_CUR)
            total += blen
            n += 1
    return total / n if n else 0
