/*
 * rest_sctx.c - the registry of scroll and point-in-time contexts
 * (dp_sctx.h).
 *
 * Contexts sit in one array on the network core (hundreds at most, so a
 * linear scan by number is cheaper than any index). An id is the base64 of
 * 12 bytes: "OSPS" (scroll) or "OSPP" (pit) and the context number, big
 * endian; numbers are never reused within a process. Freeing a context
 * sends one release job per pinned view to the worker that pinned it; the
 * job owns itself (heap) and frees itself when it comes back.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/dp_core.h"
#include "dp_csettings.h"
#include "dp_sctx.h"

#define SCTX_MAGIC_SCROLL "OSPS"
#define SCTX_MAGIC_PIT "OSPP"

static dp_sctx_t **sctx_all;
static uint32_t sctx_n, sctx_cap;
static uint64_t sctx_next_num = 1;
static int64_t sctx_max_scroll = 500;
static int64_t sctx_default_keep_alive_ms = 5 * 60 * 1000;
static int64_t sctx_max_keep_alive_ms = 24 * 3600 * 1000LL;

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void
dp_sctx_init(const osp_settings_t *s)
{
	sctx_max_scroll = osp_settings_int(s, "search.max_open_scroll_context");
	sctx_default_keep_alive_ms = osp_settings_time_ms(s, "search.default_keep_alive");
	sctx_max_keep_alive_ms = osp_settings_time_ms(s, "search.max_keep_alive");
}

/* ES prints a keep-alive as TimeValue.toString does ("1d", "1.5h"). */
static void
sctx_time_str(int64_t ms, char *out, size_t n)
{
	static const struct { int64_t ms; const char *u; } units[] = {
		{ 86400000, "d" }, { 3600000, "h" }, { 60000, "m" }, { 1000, "s" }, { 1, "ms" },
	};

	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (ms >= units[i].ms || units[i].ms == 1) {
			double v = (double)ms / (double)units[i].ms;

			if (ms % units[i].ms == 0)
				snprintf(out, n, "%lld%s", (long long)(ms / units[i].ms), units[i].u);
			else
				snprintf(out, n, "%.1f%s", v, units[i].u);
			return;
		}
	}
}

int
dp_sctx_keep_alive(const char *v, const char *what, int64_t *ms, osp_err_t *err)
{
	char a[32], b[32];

	if (v == NULL) {
		*ms = sctx_default_keep_alive_ms;
		return 0;
	}
	if (osp_parse_time_ms(v, ms) != 0 || *ms < 0) {
		osp_err_set(err, 400, "illegal_argument_exception",
			    "failed to parse setting [%s] with value [%s] as a time value: unit is missing or unrecognized",
			    what, v);
		return -EINVAL;
	}
	if (*ms > sctx_max_keep_alive_ms) {
		sctx_time_str(*ms, a, sizeof(a));
		sctx_time_str(sctx_max_keep_alive_ms, b, sizeof(b));
		osp_err_set(err, 400, "illegal_argument_exception",
			    "Keep alive for request (%s) is too large. It must be less than (%s). "
			    "This limit can be set by changing the [search.max_keep_alive] cluster level setting.",
			    a, b);
		return -EINVAL;
	}
	return 0;
}

void
dp_sctx_id_encode(const char magic[4], uint64_t num, char out[DP_SCTX_ID_MAX])
{
	uint8_t raw[12];
	char *o = out;

	memcpy(raw, magic, 4);
	for (int i = 0; i < 8; i++)
		raw[4 + i] = (uint8_t)(num >> (56 - 8 * i));
	for (int i = 0; i < 12; i += 3) {
		uint32_t v = (uint32_t)raw[i] << 16 | (uint32_t)raw[i + 1] << 8 | raw[i + 2];

		*o++ = b64[v >> 18];
		*o++ = b64[(v >> 12) & 63];
		*o++ = b64[(v >> 6) & 63];
		*o++ = b64[v & 63];
	}
	*o = '\0';
}

bool
dp_sctx_id_decode(const char *id, const char magic[4], uint64_t *num)
{
	uint8_t raw[12];

	if (strlen(id) != 16)
		return false;
	for (int i = 0; i < 16; i += 4) {
		uint32_t v = 0;

		for (int k = 0; k < 4; k++) {
			const char *p = id[i + k] ? strchr(b64, id[i + k]) : NULL;

			if (p == NULL)
				return false;
			v = v << 6 | (uint32_t)(p - b64);
		}
		raw[i / 4 * 3] = (uint8_t)(v >> 16);
		raw[i / 4 * 3 + 1] = (uint8_t)(v >> 8);
		raw[i / 4 * 3 + 2] = (uint8_t)v;
	}
	if (memcmp(raw, magic, 4) != 0)
		return false;
	*num = 0;
	for (int i = 0; i < 8; i++)
		*num = *num << 8 | raw[4 + i];
	return true;
}

uint32_t
dp_sctx_open(bool pit)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < sctx_n; i++)
		n += !sctx_all[i]->closed && sctx_all[i]->pit == pit;
	return n;
}

dp_sctx_t *
dp_sctx_new(bool pit, uint32_t n, int64_t keep_alive_ms, osp_err_t *err)
{
	dp_sctx_t *c;
	int64_t max = dp_csettings_int("search.max_open_scroll_context", sctx_max_scroll);

	if (!pit && (int64_t)dp_sctx_open(false) >= max) {
		osp_err_set(err, 429, "too_many_scroll_contexts_exception",
			    "Trying to create too many scroll contexts. Must be less than or equal to: [%lld]. "
			    "This limit can be set by changing the [search.max_open_scroll_context] setting.",
			    (long long)max);
		return NULL;
	}
	if (sctx_n == sctx_cap) {
		uint32_t cap = sctx_cap ? sctx_cap * 2 : 64;
		dp_sctx_t **all = realloc(sctx_all, cap * sizeof(*all));

		if (all == NULL)
			goto nomem;
		sctx_all = all;
		sctx_cap = cap;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		goto nomem;
	osp_arena_init(&c->arena, 8192, 0);
	c->shards = osp_arena_calloc(&c->arena, (n ? n : 1) * sizeof(*c->shards));
	if (c->shards == NULL) {
		osp_arena_free(&c->arena);
		free(c);
		goto nomem;
	}
	c->n = n;
	c->pit = pit;
	c->num = sctx_next_num++;
	c->keep_alive_ms = keep_alive_ms;
	c->expires_ns = dp_now_ns() + (uint64_t)keep_alive_ms * 1000000ull;
	c->busy = 1;
	dp_sctx_id_encode(c->pit ? SCTX_MAGIC_PIT : SCTX_MAGIC_SCROLL, c->num, c->id);
	sctx_all[sctx_n++] = c;
	return c;
nomem:
	osp_err_set(err, 500, "out_of_memory_error", "no memory for a search context");
	return NULL;
}

static void
sctx_release_done(dp_job_t *job)
{
	free(job);
}

/* Drop the pins and the memory of c (already out of the registry). */
static void
sctx_free(dp_sctx_t *c)
{
	for (uint32_t i = 0; i < c->n; i++) {
		dp_job_view_t *j;

		if (c->shards[i].view == NULL)
			continue;
		j = calloc(1, sizeof(*j));
		if (j == NULL)
			continue;   /* leaks one pin rather than touching it here */
		j->view = c->shards[i].view;
		j->job.fn = dp_job_view_run;
		j->job.done = sctx_release_done;
		j->job.worker = c->shards[i].worker;
		dp_core_submit(&j->job);
		c->shards[i].view = NULL;
	}
	osp_arena_free(&c->arena);
	free(c);
}

/* Take c out of the registry; free it now unless a page uses it. */
static void
sctx_close_at(uint32_t i)
{
	dp_sctx_t *c = sctx_all[i];

	sctx_all[i] = sctx_all[--sctx_n];
	c->closed = true;
	if (c->busy == 0)
		sctx_free(c);
}

void
dp_sctx_done(dp_sctx_t *c)
{
	if (c == NULL || c->busy == 0)
		return;
	c->expires_ns = dp_now_ns() + (uint64_t)c->keep_alive_ms * 1000000ull;
	if (--c->busy == 0 && c->closed)
		sctx_free(c);
}

static int
sctx_find(uint64_t num)
{
	for (uint32_t i = 0; i < sctx_n; i++)
		if (sctx_all[i]->num == num)
			return (int)i;
	return -1;
}

dp_sctx_t *
dp_sctx_use(const char *id, bool pit, int64_t keep_alive_ms, osp_err_t *err)
{
	uint64_t num;
	int i;

	if (!dp_sctx_id_decode(id, pit ? SCTX_MAGIC_PIT : SCTX_MAGIC_SCROLL, &num)) {
		if (pit)
			osp_err_set(err, 400, "illegal_argument_exception", "invalid id: [%s]", id);
		else
			osp_err_set(err, 400, "illegal_argument_exception", "Cannot parse scroll id");
		return NULL;
	}
	dp_sctx_poll();
	i = sctx_find(num);
	if (i < 0) {
		osp_err_set(err, 404, "search_context_missing_exception",
			    "No search context found for id [%llu]", (unsigned long long)num);
		return NULL;
	}
	dp_sctx_t *c = sctx_all[i];

	if (keep_alive_ms > 0)
		c->keep_alive_ms = keep_alive_ms;
	c->expires_ns = dp_now_ns() + (uint64_t)c->keep_alive_ms * 1000000ull;
	c->busy++;
	return c;
}

void
dp_sctx_close(dp_sctx_t *c)
{
	for (uint32_t i = 0; i < sctx_n; i++) {
		if (sctx_all[i] == c) {
			sctx_close_at(i);
			return;
		}
	}
}

bool
dp_sctx_clear(const char *id, bool pit)
{
	uint64_t num;
	int i;

	if (!dp_sctx_id_decode(id, pit ? SCTX_MAGIC_PIT : SCTX_MAGIC_SCROLL, &num) || (i = sctx_find(num)) < 0)
		return false;
	sctx_close_at((uint32_t)i);
	return true;
}

uint32_t
dp_sctx_clear_all_scrolls(void)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < sctx_n;) {
		if (!sctx_all[i]->pit) {
			sctx_close_at(i);
			n++;
		} else {
			i++;
		}
	}
	return n;
}

unsigned
dp_sctx_poll(void)
{
	uint64_t now;
	unsigned n = 0;

	if (sctx_n == 0)
		return 0;
	now = dp_now_ns();
	for (uint32_t i = 0; i < sctx_n;) {
		dp_sctx_t *c = sctx_all[i];

		if (c->busy == 0 && now >= c->expires_ns) {
			sctx_close_at(i);
			n++;
		} else {
			i++;
		}
	}
	return n;
}

void
dp_sctx_fini(void)
{
	/* Workers stop with the process; their views go with them. */
	for (uint32_t i = 0; i < sctx_n; i++) {
		osp_arena_free(&sctx_all[i]->arena);
		free(sctx_all[i]);
	}
	free(sctx_all);
	sctx_all = NULL;
	sctx_n = sctx_cap = 0;
}
