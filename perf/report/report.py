#!/usr/bin/python3
"""report.py - render a bench.py results.json as a Markdown report a person
reads in a minute, with SVG plots drawn by gnuplot (gnuplot-nox).

Every latency figure is shown beside the peers' and as a ratio
Osprey / peer (above 1: Osprey is slower; below 1: faster). Writes
report.md, categories.svg, load.svg, scaling.svg and the gnuplot data
files next to results.json.

A results directory may hold sub-runs (`RESULTS_DIR/<name>/results.json`,
e.g. a separate `--steps scale --scale 1000000,10000000` run): their
scaling points that the main run did not measure are merged into its
scaling table, marked with the sub-run's name, and its machine load is
quoted.

usage: report.py RESULTS_DIR
"""
import json
import math
import os
import re
import shutil
import subprocess
import sys

PEERS = ['sqlite-fts5', 'xapian', 'postgresql']
CATS = ['HighTerm', 'MedTerm', 'LowTerm', 'AndHighHigh', 'AndHighMed', 'OrHighHigh',
        'OrHighMed', 'Phrase', 'IntNRQ', 'TermSort', 'TermAgg']


def med(runs, key):
    v = sorted(r[key] for r in runs)
    return v[len(v) // 2] if v else None


def fmt_ms(x):
    if x is None:
        return '–'
    return '%.3g' % x if x < 100 else '%.0f' % x


def ratio(a, b):
    if a is None or b is None or b <= 0:
        return None
    return a / b


def fmt_ratio(r):
    if r is None:
        return '–'
    return ('**%.2f×**' if r > 1 else '%.2f×') % r


def geomean(xs):
    xs = [x for x in xs if x and x > 0]
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else None


def gnuplot(script, out_dir):
    if not shutil.which('gnuplot'):
        return False
    p = subprocess.run(['gnuplot'], input=script, text=True, cwd=out_dir, capture_output=True,
                       timeout=60)
    if p.returncode:
        sys.stderr.write('gnuplot: %s\n' % p.stderr[-500:])
    return p.returncode == 0


def engines_in(res):
    names = []
    for c in res['corpora'].values():
        for e in c['builds']:
            if e not in names:
                names.append(e)
    return names


def plot_categories(res, d, engs):
    ok = []
    for name, c in res['corpora'].items():
        rows = []
        for cat in CATS:
            runs = c['categories'].get(cat, {})
            rows.append([cat] + [fmt_num(med(runs.get(e, []), 'p50_ms')) for e in engs])
        fn = 'categories-%s.dat' % name
        with open(os.path.join(d, fn), 'w') as f:
            f.write('# cat ' + ' '.join(engs) + '\n')
            for r in rows:
                f.write(' '.join(r) + '\n')
        svg = 'categories-%s.svg' % name
        cols = ', '.join("'%s' using %d:xtic(1) title '%s'" % (fn, i + 2, e)
                         for i, e in enumerate(engs))
        if gnuplot('''set terminal svg size 1000,420 dynamic font "sans,11"
set output '%s'
set title "p50 latency per category, %s corpus (ms, log scale; lower is better)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set logscale y
set yrange [0.001:*]
set key outside top center horizontal
set xtics nomirror font ",9"
set bmargin 5
set grid ytics
plot %s
''' % (svg, name, cols), d):
            ok.append(svg)
    return ok


def fmt_num(x):
    return '%.6f' % x if x is not None else 'NaN'


def plot_load(res, d):
    curves = res.get('curve', {})
    if not curves:
        return None
    plots = []
    for i, (e, pts) in enumerate(curves.items(), 1):
        fn = 'load-%s.dat' % e
        with open(os.path.join(d, fn), 'w') as f:
            f.write('# offered throughput p50_ms p99_ms p999_ms\n')
            for p in pts:
                f.write('%g %g %g %g %g\n' % (p['offered'], p['throughput'], p['p50_ms'],
                                              p['p99_ms'], p['p999_ms']))
        plots.append("'%s' using 1:4 with linespoints lt %d lw 2 pt 7 title '%s p99'"
                     % (fn, i, e))
        plots.append("'%s' using 1:3 with linespoints lt %d lw 1 pt 6 title '%s p50'"
                     % (fn, i, e))
    ok = gnuplot('''set terminal svg size 900,460 dynamic font "sans,11"
set output 'load.svg'
set title "%s latency vs offered load (open loop, CO-corrected), %s corpus"
set xlabel "offered load (requests/s)"
set ylabel "latency (ms)"
set logscale xy
set grid
set key outside right
plot %s
''' % (res.get('curve_category', ''), res.get('curve_corpus', ''), ', '.join(plots)), d)
    return 'load.svg' if ok else None


def plot_scaling(res, d):
    rows = res.get('scaling', [])
    if not rows:
        return None
    engs = []
    for r in rows:
        if r['engine'] not in engs:
            engs.append(r['engine'])
    for e in engs:
        with open(os.path.join(d, 'scale-%s.dat' % e), 'w') as f:
            f.write('# docs build_s index_mb p50_ms p99_ms\n')
            for r in sorted((r for r in rows if r['engine'] == e), key=lambda r: r['docs']):
                f.write('%d %g %g %g %g\n' % (r['docs'], r['build_s'], r['index_bytes'] / 1e6,
                                              r['p50_ms'], r['p99_ms']))

    def panel(col, title, ylabel):
        p = ', '.join("'scale-%s.dat' using 1:%d with linespoints lw 2 title '%s'" % (e, col, e)
                      for e in engs)
        return 'set title "%s"\nset ylabel "%s"\nplot %s\n' % (title, ylabel, p)

    ok = gnuplot('''set terminal svg size 1200,400 dynamic font "sans,10"
set output 'scaling.svg'
set multiplot layout 1,3 title "Cost vs corpus size (Zipfian corpus prefixes)"
set logscale xy
set grid
set xlabel "documents"
set key top left
''' + panel(2, 'indexing time', 's') + panel(3, 'index size', 'MB') +
                 panel(4, 'MedTerm p50 latency', 'ms') + 'unset multiplot\n', d)
    return 'scaling.svg' if ok else None


def merge_subruns(res, d):
    """Scaling rows (and their not-measured reasons) from d/*/results.json
    for (docs, engine) pairs the main run lacks."""
    have = {(r['docs'], r['engine']) for r in res.get('scaling', [])}
    res.setdefault('scaling', [])
    res.setdefault('scale_not_measured', [])
    merged = []
    for sub in sorted(os.listdir(d)):
        fn = os.path.join(d, sub, 'results.json')
        if not os.path.isfile(fn):
            continue
        with open(fn) as f:
            o = json.load(f)
        added = 0
        for r in o.get('scaling', []):
            if (r['docs'], r['engine']) not in have:
                res['scaling'].append(dict(r, run=sub))
                have.add((r['docs'], r['engine']))
                added += 1
        for r in o.get('scale_not_measured', []):
            res['scale_not_measured'].append(dict(r, run=sub))
        m = o.get('machine', {})
        merged.append('`%s/` (%s → %s UTC, load %s at start, %s at end, commit %s): %d '
                      'scaling points' % (sub, o.get('started', '?')[11:19],
                                          o.get('finished', '?')[11:19],
                                          '/'.join(m.get('loadavg_start', [])),
                                          '/'.join(m.get('loadavg_end', [])),
                                          m.get('commit', '?'), added))
    # a reason stands only where no run measured the point
    res['scale_not_measured'] = [r for r in res['scale_not_measured']
                                 if (r['docs'], r['engine']) not in have]
    return merged


def http_section(res, L):
    h = res.get('http')
    if not h or 'root' not in h:
        return
    L.append('## HTTP: Osprey against nginx, and the cost of HTTP per search\n')
    L.append('The same `wrk` command (`%s`, %d round(s) alternating, median) against Osprey '
             'and against nginx (%d worker process = Osprey\'s network cores, keep-alive, '
             'access_log off) serving the very bytes Osprey answered (%d B for `GET /`, %d B '
             'for the search). The search is a term query (GET with a JSON body, top 10 ids) '
             'on a %d-document index.\n' % (re.sub(r'-s \S*/', '-s ', h.get('wrk_cmd', 'wrk')),
                                             h['rounds'],
                                             h['nginx_workers'], h['bytes']['root'],
                                             h['bytes']['search'], h.get('synth_docs', 10000)))
    L.append('| request | Osprey req/s | nginx req/s | Osprey ÷ nginx (target ≥ 1.0) |')
    L.append('|---|---|---|---|')
    for what, label in (('root', '`GET /`'), ('search', 'term search')):
        x = h.get(what)
        if x:
            L.append('| %s | %.0f | %.0f | %s |' % (label, x['osprey']['rps'], x['nginx']['rps'],
                                                   fmt_ratio(x['ratio']).replace('**', '')))
    L.append('')
    if h.get('overhead'):
        L.append('HTTP overhead per search = Osprey p50 over HTTP (pf-load, one connection, '
                 'closed loop) minus the in-process median of the same query on the same '
                 'documents in one segment (`perf/storage-search/bench_search`); it holds '
                 'request parsing, routing, the rings to the worker and back (query and fetch '
                 'phases), and the reply. **Median: %.0f µs** (target ≤ 20 µs).\n'
                 % h['overhead_median_us'])
        L.append('| query | in-process µs | over HTTP p50 µs | overhead µs |')
        L.append('|---|---|---|---|')
        for r in h['overhead']:
            L.append('| %s | %.0f | %.0f | %.0f |' % (r['query'], r['inprocess_us'],
                                                      r['http_p50_us'], r['overhead_us']))
        L.append('')
    for name, c in res['corpora'].items():
        bk = c.get('bulk')
        if bk and bk.get('mb_per_s'):
            L.append('- End-to-end `_bulk` on %s: %.0f docs/s, %.1f MB/s of request bodies.'
                     % (name, bk['docs_per_s'], bk['mb_per_s']))
    L.append('')


def main():
    d = sys.argv[1]
    with open(os.path.join(d, 'results.json')) as f:
        res = json.load(f)
    merged = merge_subruns(res, d)
    engs = engines_in(res)
    peers = [p for p in PEERS if p in engs]
    m = res['machine']
    L = []
    L.append('# Osprey against its peers — %s\n' % res['started'][:10])
    L.append('Machine: %s, %s CPUs, %s GiB, Linux %s; load average %s at start, %s at end; '
             'repository at commit %s (node: %s, built from %s at %s). Run %s → %s (UTC).\n' % (
                 m.get('cpu', '?'), m.get('cpus'), m.get('mem_gib'), m.get('kernel'),
                 '/'.join(m.get('loadavg_start', [])), '/'.join(m.get('loadavg_end', [])),
                 m.get('commit', '?'), m.get('osprey', '?'),
                 m.get('node_commit', 'the working tree'), m.get('osprey_built', '?'),
                 res['started'][11:19],
                 res['finished'][11:19]))
    cfg = res['config']
    L.append('Each figure is one closed-loop run of %ss after %ss warm-up (one connection, '
             'one query after another: service time), %d round(s); engines interleaved category '
             'by category on the same corpus and the same queries. Osprey is measured over HTTP '
             'on loopback with `pf-load`; SQLite FTS5, Xapian and PostgreSQL in-process with '
             '`pf-peer` (PostgreSQL through libpq on loopback). **Ratios are Osprey ÷ peer** '
             'on p50 latency: above 1 Osprey is slower (bold), below 1 faster.\n' % (
                 cfg['duration'], cfg['warmup'], cfg['rounds']))
    # headline
    L.append('## In one line per corpus\n')
    for name, c in res['corpora'].items():
        parts = []
        for p in peers:
            g = geomean([ratio(med(c['categories'].get(cat, {}).get('osprey', []), 'p50_ms'),
                               med(c['categories'].get(cat, {}).get(p, []), 'p50_ms'))
                         for cat in CATS])
            if g:
                parts.append('%.2f× %s' % (g, p))
        if parts:
            L.append('- **%s** (%d docs): Osprey p50 latency is, geometric mean over the %d '
                     'categories, %s.' % (name, c['docs'], len(CATS), ', '.join(parts)))
    L.append('')
    # per corpus tables
    for name, c in res['corpora'].items():
        L.append('## %s corpus (%d documents)\n' % (name, c['docs']))
        hdr = ['category'] + ['%s p50 / p99 ms' % e for e in engs] + \
              ['Osprey÷%s' % p for p in peers]
        L.append('| ' + ' | '.join(hdr) + ' |')
        L.append('|' + '---|' * len(hdr))
        for cat in CATS:
            runs = c['categories'].get(cat, {})
            row = [cat]
            for e in engs:
                r = runs.get(e, [])
                row.append('%s / %s' % (fmt_ms(med(r, 'p50_ms')), fmt_ms(med(r, 'p99_ms'))))
            o = med(runs.get('osprey', []), 'p50_ms')
            row += [fmt_ratio(ratio(o, med(runs.get(p, []), 'p50_ms'))) for p in peers]
            L.append('| ' + ' | '.join(row) + ' |')
        # bulk / indexing row
        b = c['builds']
        rate = {e: b[e]['docs'] / b[e]['build_s'] for e in b if b[e]['build_s'] > 0}
        row = ['Indexing (docs/s)'] + ['%.0f' % rate[e] if e in rate else '–' for e in engs]
        row += [fmt_ratio(ratio(rate[p], rate.get('osprey'))) if p in rate else '–'
                for p in peers]
        L.append('| ' + ' | '.join(row) + ' |')
        L.append('')
        if 'bulk' in c:
            bk = c['bulk']
            L.append('Osprey `_bulk` ingest (100 documents a request, 2 connections, closed '
                     'loop, replaying the corpus with its ids): %.0f docs/s, request p50 %s ms, '
                     'p99 %s ms. The Indexing row is the whole corpus loaded once (Osprey: '
                     '`_bulk` of 1000 + `_refresh`; peers: their native bulk path) and its ratio '
                     'is peer rate ÷ Osprey rate, so above 1 Osprey is slower there too.\n' % (
                         bk['docs_per_s'], fmt_ms(bk['p50_ms']), fmt_ms(bk['p99_ms'])))
        L.append('Index size: ' + ', '.join('%s %.1f MB' % (e, b[e]['index_bytes'] / 1e6)
                                            for e in engs if e in b) + '.\n')
        for svg in plot_categories({'corpora': {name: c}}, d, engs):
            L.append('![p50 per category, %s](%s)\n' % (name, svg))
    # load curve
    if res.get('curve'):
        L.append('## Latency vs offered load\n')
        L.append('%s queries on the %s corpus, open loop at a constant rate doubling each step '
                 'until the engine saturates (throughput under 90%% of the offered rate, or p99 '
                 'over 1 s); latency counts from each query\'s intended send time, so queueing '
                 'shows (coordinated omission corrected). Osprey: 16 connections over HTTP; the '
                 'in-process peers answer on one thread.\n' % (res.get('curve_category'),
                                                                res.get('curve_corpus')))
        svg = plot_load(res, d)
        if svg:
            L.append('![latency vs offered load](%s)\n' % svg)
        L.append('| engine | highest offered rate with p99 ≤ 100 ms (req/s) | p50 / p99 ms there '
                 '| highest throughput reached (req/s) |')
        L.append('|---|---|---|---|')
        for e, pts in res['curve'].items():
            good = [p for p in pts if p['throughput'] >= 0.95 * p['offered'] and p['p99_ms'] <= 100]
            top = max((p['throughput'] for p in pts), default=0)
            if good:
                g = good[-1]
                L.append('| %s | %g | %s / %s | %.0f |' % (e, g['offered'], fmt_ms(g['p50_ms']),
                                                          fmt_ms(g['p99_ms']), top))
            else:
                L.append('| %s | below %g | – | %.0f |' % (e, pts[0]['offered'] if pts else 0, top))
        L.append('')
    http_section(res, L)
    if res.get('scaling') or res.get('scale_not_measured'):
        L.append('## Cost vs corpus size\n')
        L.append('Prefixes of one Zipfian corpus (same generator and seed), each engine '
                 'loading through its fastest bulk path (rules in `perf/README.md`), MedTerm '
                 'queries of the main Zipfian corpus, closed loop.\n')
        svg = plot_scaling(res, d)
        if svg:
            L.append('![cost vs corpus size](%s)\n' % svg)
        L.append('| docs | engine | indexing s | docs/s | index MB | MedTerm p50 / p99 ms |')
        L.append('|---|---|---|---|---|---|')
        rows = [(r['docs'], r['engine'], r) for r in res.get('scaling', [])]
        rows += [(r['docs'], r['engine'], r) for r in res.get('scale_not_measured', [])]
        for n, e, r in sorted(rows, key=lambda x: (x[0], x[1])):
            tag = ' (`%s/`)' % r['run'] if r.get('run') else ''
            if 'reason' in r:
                L.append('| %d | %s | not measured: %s%s | | | |' % (n, e, r['reason'], tag))
                continue
            L.append('| %d | %s%s | %.1f | %.0f | %.1f | %s / %s |' % (
                n, e, tag, r['build_s'], n / max(r['build_s'], 1e-3), r['index_bytes'] / 1e6,
                fmt_ms(r['p50_ms']), fmt_ms(r['p99_ms'])))
        L.append('')
        for m in merged:
            L.append('- merged from ' + m)
        if merged:
            L.append('')
    L.append('## How to read and what is not equal\n')
    L.append('- Osprey pays an HTTP round trip on loopback (and JSON) per query; the in-process '
             'peers do not.')
    fl = res.get('osprey_floor')
    if fl:
        L.append('- That fixed cost, measured in the same run as `GET /` on one connection: '
                 'p50 %s ms, p99 %s ms. A category whose Osprey p50 is far above it costs '
                 'Osprey that much in search, not in HTTP.' % (fmt_ms(fl['p50_ms']),
                                                               fmt_ms(fl['p99_ms'])))
    L.append('- The load curve compares unequal servers: Osprey answers on all cores, each '
             'in-process peer on one thread (a one-worker server); read it for the shape '
             '(where queueing starts), the closed-loop tables for per-query cost.')
    L.append('- Every engine returns the top 10 document ids (Osprey: `_source: false`, '
             '`track_total_hits: false`); the aggregation returns the 10 largest sections.')
    L.append('- Index sizes are not like for like: PostgreSQL\'s includes the stored text '
             '(heap) and Osprey\'s its stored `_source` and translog; SQLite\'s FTS5 table is '
             'contentless and Xapian keeps no document data.')
    L.append('- Analysis: lower-cased words, no stemming, no stop words everywhere (Osprey\'s '
             'standard analyzer, FTS5 unicode61, Xapian without a stemmer, PostgreSQL `simple`).')
    if res.get('notes') or res.get('skipped'):
        L.append('\n## Notes from the run\n')
        for n in res.get('notes', []):
            L.append('- ' + n)
        for s in res.get('skipped', []):
            L.append('- skipped (time budget): ' + s)
    L.append('\nRaw results: `results.json`; per-run JSON with full histograms: `runs/`.')
    with open(os.path.join(d, 'report.md'), 'w') as f:
        f.write('\n'.join(L) + '\n')
    print(os.path.join(d, 'report.md'))


if __name__ == '__main__':
    main()
