/*
 * st_agg_hll.c - cardinality sketches for the cardinality aggregation.
 *
 * As Elasticsearch's HyperLogLogPlusPlus: a sketch starts as an exact set
 * of 64-bit value hashes (linear counting) and, once it holds more than
 * precision_threshold hashes, turns into 2^p HyperLogLog registers with p
 * derived from the threshold the way Elasticsearch derives it
 * (bitsRequired(ceil(threshold / 0.75) * 4), clamped to 4..18). Sketches
 * merge (set union, register max), so shard partials reduce exactly below
 * the threshold. The HLL estimate uses the classic estimator with linear
 * counting for small ranges (no HLL++ empirical bias tables). Memory comes
 * from the arena passed in; a grown set's old table is abandoned there.
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "st_search_int.h"

static uint64_t
fmix64(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	k *= 0xc4ceb9fe1a85ec53ULL;
	k ^= k >> 33;
	return k;
}

uint64_t
st_hash64(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ (n * 0xc6a4a7935bd1e995ULL);

	while (n >= 8) {
		uint64_t k;
		memcpy(&k, b, 8);
		h = fmix64(h ^ fmix64(k)) * 5 + 0x52dce729;
		b += 8;
		n -= 8;
	}
	if (n) {
		uint64_t k = 0;
		memcpy(&k, b, n);
		h = fmix64(h ^ fmix64(k ^ 0x8a5cd789635d2dffULL));
	}
	h = fmix64(h);
	return h ? h : 1;        /* 0 marks an empty set slot */
}

static uint8_t
precision_from_threshold(uint32_t t)
{
	uint64_t entries = (uint64_t)ceil(t / 0.75) * 4;
	int bits = entries ? 64 - __builtin_clzll(entries) : 1;

	if (bits < 4)
		bits = 4;
	if (bits > 18)
		bits = 18;
	return (uint8_t)bits;
}

int
st_hll_init(st_hll_t *h, uint32_t precision_threshold, osp_arena_t *a)
{
	(void)a;
	memset(h, 0, sizeof(*h));
	h->threshold = precision_threshold;
	h->p = precision_from_threshold(precision_threshold);
	return 0;
}

static void
reg_add(st_hll_t *h, uint64_t hash)
{
	uint32_t idx = (uint32_t)(hash >> (64 - h->p));
	uint64_t rest = (hash << h->p) | (1ULL << (h->p - 1));
	uint8_t rank = (uint8_t)(__builtin_clzll(rest) + 1);

	if (rank > h->regs[idx])
		h->regs[idx] = rank;
}

static int
to_registers(st_hll_t *h, osp_arena_t *a)
{
	h->regs = osp_arena_calloc(a, (size_t)1 << h->p);
	if (!h->regs)
		return -ENOMEM;
	for (uint32_t i = 0; i < h->set_cap; i++)
		if (h->set[i])
			reg_add(h, h->set[i]);
	h->set = NULL;
	h->set_n = h->set_cap = 0;
	return 0;
}

static int
set_insert(st_hll_t *h, uint64_t hash, osp_arena_t *a)
{
	if ((h->set_n + 1) * 4 > h->set_cap * 3) {
		uint32_t ncap = h->set_cap ? h->set_cap * 2 : 16;
		uint64_t *ns = osp_arena_calloc(a, ncap * sizeof(*ns)), *old = h->set;
		uint32_t ocap = h->set_cap;
		if (!ns)
			return -ENOMEM;
		h->set = ns;
		h->set_cap = ncap;
		h->set_n = 0;
		for (uint32_t i = 0; i < ocap; i++)
			if (old[i])
				set_insert(h, old[i], a);
	}
	for (uint32_t i = (uint32_t)hash & (h->set_cap - 1);; i = (i + 1) & (h->set_cap - 1)) {
		if (h->set[i] == hash)
			return 0;
		if (!h->set[i]) {
			h->set[i] = hash;
			h->set_n++;
			return 0;
		}
	}
}

int
st_hll_add(st_hll_t *h, uint64_t hash, osp_arena_t *a)
{
	int rc;

	if (h->regs) {
		reg_add(h, hash);
		return 0;
	}
	if ((rc = set_insert(h, hash, a)))
		return rc;
	if (h->set_n > h->threshold)
		return to_registers(h, a);
	return 0;
}

int
st_hll_merge(st_hll_t *dst, const st_hll_t *src, osp_arena_t *a)
{
	int rc;

	if (src->regs) {
		if (!dst->regs && (rc = to_registers(dst, a)))
			return rc;
		for (uint32_t i = 0; i < (1u << dst->p); i++)
			if (src->regs[i] > dst->regs[i])
				dst->regs[i] = src->regs[i];
		return 0;
	}
	for (uint32_t i = 0; i < src->set_cap; i++)
		if (src->set[i] && (rc = st_hll_add(dst, src->set[i], a)))
			return rc;
	return 0;
}

uint64_t
st_hll_estimate(const st_hll_t *h)
{
	double m, sum = 0, alpha, e;
	uint32_t zeros = 0;

	if (!h->regs)
		return h->set_n;
	m = (double)(1u << h->p);
	for (uint32_t i = 0; i < (1u << h->p); i++) {
		sum += ldexp(1.0, -h->regs[i]);
		zeros += h->regs[i] == 0;
	}
	alpha = h->p == 4 ? 0.673 : h->p == 5 ? 0.697 : h->p == 6 ? 0.709
						     : 0.7213 / (1 + 1.079 / m);
	e = alpha * m * m / sum;
	if (e <= 2.5 * m && zeros)
		e = m * log(m / zeros);
	return (uint64_t)llround(e);
}
