#!/usr/bin/python3
"""make_queries.py - draw each category's query parameters from a corpus's
own term statistics, deterministically (seeded).

Reads CORPUS/docs.tsv (id, section, size, body), counts document frequency
of lower-cased words ([a-z][a-z0-9]+, the tokens every engine agrees on) and
of adjacent word pairs, and writes OUT/<Category>.tsv, one query a line:
  HighTerm/MedTerm/LowTerm/TermSort/TermAgg  word
  AndHighHigh/AndHighMed/OrHighHigh/OrHighMed  word<TAB>word
  Phrase  word<TAB>word (an adjacent pair that occurs in the corpus)
  IntNRQ  lo<TAB>hi (a range of `size` between corpus quantiles)
Bands, as fractions of documents containing the word: high >= 5%
(falling back to the top 100 words), medium 0.5%..2%, low 3 documents..0.1%.
Common English function words are left out of the high band, as luceneutil's
task files do, so 'the' does not dominate. Also writes stats.json.

usage: make_queries.py CORPUS_DIR OUT_DIR [--per-cat N] [--seed S]
"""
import argparse
import json
import os
import random
import re

WORD = re.compile(r'[a-z][a-z0-9]+')
STOP = set('''a an and are as at be but by for from has have he her his i if in into is it
its not of on or our she so such than that the their them then there these they this to
was we were which will with you your can may all also one more no any been do does other
only some when what who would should could must each use used using see'''.split())


def pick_band(dfs, lo, hi, fallback):
    band = [w for w, d in dfs if lo <= d <= hi]
    return band if len(band) >= 5 else fallback


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('corpus')
    ap.add_argument('out')
    ap.add_argument('--per-cat', type=int, default=200)
    ap.add_argument('--seed', type=int, default=7)
    ap.add_argument('--sample', type=int, default=200000,
                    help='documents read for statistics (default 200000)')
    a = ap.parse_args()
    df, pairs, sizes, n = {}, {}, [], 0
    with open(os.path.join(a.corpus, 'docs.tsv')) as f:
        for line in f:
            parts = line.rstrip('\n').split('\t', 3)
            if len(parts) < 4:
                continue
            sizes.append(int(parts[2]))
            if n >= a.sample:
                continue
            n += 1
            words = WORD.findall(parts[3].lower())
            for w in set(words):
                df[w] = df.get(w, 0) + 1
            if n <= 50000:
                for p in set(zip(words, words[1:])):
                    pairs[p] = pairs.get(p, 0) + 1
    ranked = sorted(((w, d) for w, d in df.items() if len(w) < 64),
                    key=lambda x: (-x[1], x[0]))
    content = [(w, d) for w, d in ranked if w not in STOP and len(w) > 2]
    high = pick_band(content, 0.05 * n, n, [w for w, _ in content[:100]])
    med = pick_band(content, 0.005 * n, 0.02 * n, [w for w, _ in content[100:1000]])
    low = pick_band(content, 3, max(3, 0.001 * n), [w for w, _ in content[-2000:]])
    ph = sorted(((p, c) for p, c in pairs.items()
                 if c >= 3 and not (p[0] in STOP and p[1] in STOP) and p[0] != p[1]),
                key=lambda x: (-x[1], x[0]))[:1000]
    rng = random.Random(a.seed)
    sizes.sort()
    k = a.per_cat

    def pair(b1, b2):
        out = []
        while len(out) < k:
            x, y = rng.choice(b1), rng.choice(b2)
            if x != y:
                out.append((x, y))
        return out

    def rng_range():
        q1 = rng.uniform(0.0, 0.6)
        q2 = min(0.999, q1 + rng.uniform(0.05, 0.4))
        return (sizes[int(q1 * (len(sizes) - 1))], sizes[int(q2 * (len(sizes) - 1))])

    cats = {
        'HighTerm': [(rng.choice(high),) for _ in range(k)],
        'MedTerm': [(rng.choice(med),) for _ in range(k)],
        'LowTerm': [(rng.choice(low),) for _ in range(k)],
        'AndHighHigh': pair(high, high),
        'AndHighMed': pair(high, med),
        'OrHighHigh': pair(high, high),
        'OrHighMed': pair(high, med),
        'Phrase': [rng.choice(ph)[0] for _ in range(k)] if ph else pair(high, high),
        'IntNRQ': [rng_range() for _ in range(k)],
        'TermSort': [(rng.choice(med),) for _ in range(k)],
        'TermAgg': [(rng.choice(high),) for _ in range(k)],
    }
    os.makedirs(a.out, exist_ok=True)
    for name, qs in cats.items():
        with open(os.path.join(a.out, name + '.tsv'), 'w') as f:
            for q in qs:
                f.write('\t'.join(str(x) for x in q) + '\n')
    with open(os.path.join(a.out, 'stats.json'), 'w') as f:
        json.dump({'docs_sampled': n, 'distinct_terms': len(df), 'high_band': len(high),
                   'med_band': len(med), 'low_band': len(low), 'phrases': len(ph)}, f)


if __name__ == '__main__':
    main()
