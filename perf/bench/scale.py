"""scale.py - cost against corpus size, planned by time and disk budget.

Each point n indexes the first n documents of one Zipfian corpus (built
once at the largest size, cached; the generator is sequential, so a prefix
is the corpus the same seed gives at size n) in every engine, measures the
MedTerm queries of the main Zipfian corpus on it, and drops the index before
the next one so disk holds one index at a time. Engine by engine (Osprey,
the subject, first), each through all its points; before each build the
plan extrapolates the engine's previous point (time and size linear in
documents, times 1.25 for what grows faster) and leaves out, with the
reason, an engine whose estimate does not fit the time or disk left, and a
build still running when the budget ends is stopped: a point that cannot be
measured is reported as such, never silently."""
import os
import shutil
import subprocess

SLACK = 1.25          # estimates: superlinear growth (merges, deeper trees)
CORPUS_BYTES_PER_DOC = 900    # docs.ndjson + docs.tsv of the Zipfian corpus


def free_bytes(path):
    return shutil.disk_usage(path).free


def plan_skip(prev, n, left_s, free, query_s):
    """Why engine e cannot index n docs now, from its previous point prev
    ({'docs', 'build_s', 'index_bytes'}), or None when it fits."""
    if not prev:
        return None
    f = n / prev['docs'] * SLACK
    est_s, est_b = prev['build_s'] * f, prev['index_bytes'] * f
    if est_s + query_s > left_s:
        return ('estimated %.0f s to index (%.0f docs/s at %d docs), %.0f s of the time '
                'budget left' % (est_s, prev['docs'] / max(prev['build_s'], 1e-3), prev['docs'],
                                 left_s))
    if est_b > 0.8 * free:
        return ('estimated index of %.1f GB (from %.1f MB at %d docs), %.1f GB of disk free' %
                (est_b / 1e9, prev['index_bytes'] / 1e6, prev['docs'], free / 1e9))
    return None


def run(ctx, points, eng, main_dir, main_docs, params, build_corpus):
    """ctx: the run (a, res, budget, runs, work, log). main_dir is the main
    Zipfian corpus (its index is reused at its own size). build_corpus(docs)
    returns the directory of the Zipfian corpus with that many documents."""
    a, res, budget, log = ctx['a'], ctx['res'], ctx['budget'], ctx['log']
    skipped = res.setdefault('scale_not_measured', [])
    points = sorted(points)
    if not points:
        return
    top = points[-1]
    if top <= main_docs:
        src = main_dir
    else:
        need = top * CORPUS_BYTES_PER_DOC
        if need > 0.8 * free_bytes(a.work) and not os.path.exists(
                os.path.join(a.work, 'corpus', 'zipf-%d-%d' % (top, a.seed), 'meta.json')):
            for n in [p for p in points if p > main_docs]:
                skipped.append({'docs': n, 'engine': 'all', 'reason': 'corpus of %.1f GB does not '
                                'fit in %s' % (need / 1e9, a.work)})
            points = [p for p in points if p <= main_docs]
            src = main_dir
        else:
            log('scale: corpus of %d docs' % top)
            src = build_corpus(top)
    query_s = a.duration + a.warmup + 10
    prev = {}
    for e in eng:
        for n in points:
            left = budget.left()
            why = plan_skip(prev.get(e.name), n, left, free_bytes(a.work), query_s)
            if why is None and left < query_s + 30:
                why = 'time budget spent (%.0f s left)' % left
            if why:
                skipped.append({'docs': n, 'engine': e.name, 'reason': why})
                log('scale: not measuring %s at %d: %s' % (e.name, n, why))
                continue
            reuse = n == main_docs and e.name in res['corpora'].get('zipf', {}).get('builds', {})
            label = 'zipf' if reuse else 'zipf%d' % n
            try:
                if reuse:
                    b = res['corpora']['zipf']['builds'][e.name]
                else:
                    log('scale: index %d docs in %s' % (n, e.name))
                    b = e.build(label, src, limit=n, timeout=left - query_s)
                row = {'docs': n, 'engine': e.name, 'build_s': b['build_s'],
                       'index_bytes': b['index_bytes'], 'indexed': b.get('docs', n)}
                out = os.path.join(ctx['runs'], 'scale-%s-%d.json' % (e.name, n))
                r = e.query(label, 'MedTerm', params, out, a.duration, a.warmup)
                lat = r['latency_us']
                row.update({'p50_ms': lat['p50'] / 1000, 'p99_ms': lat['p99'] / 1000})
                res['scaling'].append(row)
                prev[e.name] = row
                log('scale %s %d: build %.1fs p50 %.2f ms' % (e.name, n, row['build_s'],
                                                              row['p50_ms']))
            except (RuntimeError, subprocess.SubprocessError, OSError) as ex:
                skipped.append({'docs': n, 'engine': e.name, 'reason': 'failed: %s' % ex})
            finally:
                if not reuse:
                    try:
                        e.drop(label)
                    except (RuntimeError, subprocess.SubprocessError, OSError) as ex:
                        res['notes'].append('drop %s/%s: %s' % (e.name, label, ex))
