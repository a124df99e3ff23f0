#!/usr/bin/python3
"""build_corpus.py - build one benchmark corpus, offline and deterministically.

Corpora (each document has the common fields the query categories use:
`body` text, `section` keyword, `size` long, plus its own extras):
  debian    the Debian package catalogue from apt's lists
            (/var/lib/apt/lists/*Packages[.lz4|.gz|.xz]): name, section,
            priority, version, size, installed_size, tags, body = description
  linuxdoc  paragraphs of English prose from Debian's linux-doc package
            (translations/ left out)
            (/usr/share/doc/linux-doc/Documentation/**/*.rst.gz): body,
            section = top directory, path, size = paragraph length
  zipf      seeded synthetic documents: words drawn from a Zipf(s=1.07)
            law over a real English vocabulary (linux-doc's words ranked by
            frequency, or made-up syllable words when linux-doc is absent),
            log-normal lengths, Zipfian section, size
Output: NDJSON (one document a line, with "id") and a TSV for the in-process
peers: id, section, size, body (tabs/newlines folded to spaces). Documents
are emitted in a fixed order (sorted file lists, seeded generators), so the
same inputs give byte-identical outputs.

usage: build_corpus.py NAME OUTDIR [--docs N] [--seed S]
"""
import argparse
import glob
import gzip
import json
import math
import os
import random
import re
import subprocess
import sys

WORD = re.compile(r"[a-z][a-z0-9]+")


def apt_lists():
    files = sorted(glob.glob('/var/lib/apt/lists/*_Packages*'))
    return [f for f in files if not f.endswith('.diff_Index')]


def read_apt_file(path):
    if path.endswith('.gz'):
        with gzip.open(path, 'rt', errors='replace') as f:
            return f.read()
    if path.endswith('.lz4') or path.endswith('.xz'):
        return subprocess.run(['/usr/lib/apt/apt-helper', 'cat-file', path], check=True,
                              capture_output=True).stdout.decode('utf-8', 'replace')
    with open(path, errors='replace') as f:
        return f.read()


def debian_docs(limit):
    seen = set()
    n = 0
    for path in apt_lists():
        for stanza in read_apt_file(path).split('\n\n'):
            fields, last = {}, None
            for line in stanza.split('\n'):
                if line[:1] in (' ', '\t') and last:
                    fields[last] += ' ' + line.strip()
                elif ':' in line:
                    k, v = line.split(':', 1)
                    last = k
                    fields[k] = v.strip()
            name = fields.get('Package')
            if not name or name in seen:
                continue
            seen.add(name)
            tags = [t.strip() for t in fields.get('Tag', '').split(',') if t.strip()]
            yield {
                'name': name,
                'section': fields.get('Section', 'unknown'),
                'priority': fields.get('Priority', 'optional'),
                'version': fields.get('Version', ''),
                'size': int(fields.get('Size', '0') or 0),
                'installed_size': int(fields.get('Installed-Size', '0') or 0),
                'tags': tags,
                'body': fields.get('Description', ''),
            }
            n += 1
            if limit and n >= limit:
                return


DOC_ROOT = '/usr/share/doc/linux-doc/Documentation'


def linuxdoc_paragraphs():
    files = sorted(glob.glob(DOC_ROOT + '/**/*.rst.gz', recursive=True) +
                   glob.glob(DOC_ROOT + '/**/*.txt.gz', recursive=True))
    for path in files:
        rel = os.path.relpath(path, DOC_ROOT)
        top = rel.split('/', 1)[0] if '/' in rel else 'top'
        if top == 'translations':  # English prose only
            continue
        try:
            with gzip.open(path, 'rt', errors='replace') as f:
                text = f.read()
        except OSError:
            continue
        for para in re.split(r'\n\s*\n', text):
            lines = para.split('\n')
            # prose only: no directives, literal blocks, tables, titles
            if any(l.startswith((' ', '\t', '..', '=', '-', '+', '|', '*')) for l in lines):
                continue
            p = ' '.join(l.strip() for l in lines)
            if len(p) < 80 or p.count(' ') < 12 or '::' in p:
                continue
            yield top, rel[:-3], p


def linuxdoc_docs(limit):
    n = 0
    for top, rel, p in linuxdoc_paragraphs():
        yield {'section': top, 'path': rel, 'size': len(p), 'body': p}
        n += 1
        if limit and n >= limit:
            return


def vocabulary(max_words=50000):
    counts = {}
    if os.path.isdir(DOC_ROOT):
        for i, (_, _, p) in enumerate(linuxdoc_paragraphs()):
            for w in WORD.findall(p.lower()):
                counts[w] = counts.get(w, 0) + 1
            if i >= 60000:
                break
    words = sorted(counts, key=lambda w: (-counts[w], w))[:max_words]
    if len(words) < 1000:  # no linux-doc: pronounceable made-up words
        rng = random.Random(7)
        syl = [c + v for c in 'bcdfghklmnprstvz' for v in 'aeiou']
        words = sorted({''.join(rng.choice(syl) for _ in range(rng.randint(1, 4)))
                        for _ in range(max_words)})
        rng.shuffle(words)
    return words


def zipf_docs(n, seed):
    words = vocabulary()
    s = 1.07
    weights = [1.0 / math.pow(r + 1, s) for r in range(len(words))]
    cum, acc = [], 0.0
    for w in weights:
        acc += w
        cum.append(acc)
    rng = random.Random(seed)
    sections = ['sec%02d' % i for i in range(40)]
    sec_cum = []
    acc = 0.0
    for i in range(len(sections)):
        acc += 1.0 / (i + 1)
        sec_cum.append(acc)
    # random.choices with cum_weights draws exactly as bisect over
    # rng.random() * total (one random() per word, same order), about twice
    # as fast: 10M documents in minutes, not an hour.
    choices = rng.choices
    for _ in range(n):
        length = max(5, min(2000, int(rng.lognormvariate(4.0, 0.7))))
        body = ' '.join(choices(words, cum_weights=cum, k=length))
        sec = choices(sections, cum_weights=sec_cum)[0]
        yield {'section': sec, 'size': int(rng.paretovariate(1.2) * 1000), 'body': body}


def zipfgen_binary():
    """pf-zipfgen (perf/corpus/pf_zipfgen.c): the same generator in C."""
    here = os.path.dirname(os.path.abspath(__file__))
    build = os.environ.get('PF_BUILD', os.path.join(here, '..', '..', 'build-perf'))
    for c in (os.environ.get('PF_ZIPFGEN'), os.path.join(build, 'perf', 'corpus', 'pf-zipfgen')):
        if c and os.access(c, os.X_OK):
            return c
    return None


def zipf_native(n, seed, outdir):
    """Write the zipf corpus with pf-zipfgen; False when it is not built."""
    gen = zipfgen_binary()
    if not gen or os.environ.get('PF_ZIPFGEN') == 'python':
        return False
    vocab = os.path.join(outdir, 'vocab.txt')
    with open(vocab, 'w') as f:
        f.write(''.join(w + '\n' for w in vocabulary()))
    subprocess.run([gen, vocab, str(n), str(seed), outdir], check=True)
    return True


def clean(s):
    return ' '.join(s.split())


def write_docs(it, outdir):
    n = 0
    with open(os.path.join(outdir, 'docs.ndjson'), 'w') as nd, \
            open(os.path.join(outdir, 'docs.tsv'), 'w') as tsv:
        for doc in it:
            n += 1
            doc = dict(id=n, **doc)
            doc['body'] = clean(doc['body'])
            nd.write(json.dumps(doc, sort_keys=True, ensure_ascii=False) + '\n')
            tsv.write('%d\t%s\t%d\t%s\n' % (n, clean(doc['section']), doc['size'], doc['body']))
    return n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('name', choices=['debian', 'linuxdoc', 'zipf'])
    ap.add_argument('outdir')
    ap.add_argument('--docs', type=int, default=0, help='cap (zipf: count, default 100000)')
    ap.add_argument('--seed', type=int, default=42)
    a = ap.parse_args()
    os.makedirs(a.outdir, exist_ok=True)
    if a.name == 'debian':
        it = debian_docs(a.docs)
    elif a.name == 'linuxdoc':
        it = linuxdoc_docs(a.docs)
    else:
        it = zipf_docs(a.docs or 100000, a.seed)
    if a.name == 'zipf' and zipf_native(a.docs or 100000, a.seed, a.outdir):
        n = a.docs or 100000
    else:
        n = write_docs(it, a.outdir)
    if n == 0:
        sys.exit('build_corpus: no documents for %s (missing source?)' % a.name)
    with open(os.path.join(a.outdir, 'meta.json'), 'w') as f:
        json.dump({'corpus': a.name, 'docs': n, 'seed': a.seed}, f)
    print('%s: %d documents' % (a.name, n))


if __name__ == '__main__':
    main()
