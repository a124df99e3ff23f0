/*
 * rest_cat_table.c - rendering _cat tables as text or JSON (dp_cat.h).
 *
 * Text output pads every column to its widest cell plus one space, as
 * Elasticsearch's RestTable does, with numeric columns right-aligned.
 */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dp_cat.h"

#define CAT_MAX_COLS 64

void
dp_cat_init(dp_cat_t *t, dp_rest_req_t *r, const dp_cat_col_t *cols, uint32_t n_cols)
{
	memset(t, 0, sizeof(*t));
	t->r = r;
	t->cols = cols;
	t->n_cols = n_cols;
}

const char **
dp_cat_row(dp_cat_t *t)
{
	osp_arena_t *a = t->r->http->arena;

	if (t->n_rows == t->cap_rows) {
		uint32_t cap = t->cap_rows ? t->cap_rows * 2 : 32;
		const char ***rows = osp_arena_alloc(a, cap * sizeof(*rows));

		if (rows == NULL)
			return NULL;
		if (t->n_rows)
			memcpy(rows, t->rows, t->n_rows * sizeof(*rows));
		t->rows = rows;
		t->cap_rows = cap;
	}
	const char **row = osp_arena_alloc(a, t->n_cols * sizeof(*row));

	if (row == NULL)
		return NULL;
	for (uint32_t c = 0; c < t->n_cols; c++)
		row[c] = "";
	t->rows[t->n_rows++] = row;
	return row;
}

const char *
dp_cat_str(dp_cat_t *t, const char *s)
{
	const char *p = osp_arena_strndup(t->r->http->arena, s, strlen(s));

	return p ? p : "";
}

const char *
dp_cat_int(dp_cat_t *t, int64_t v)
{
	char b[32];

	snprintf(b, sizeof(b), "%lld", (long long)v);
	return dp_cat_str(t, b);
}

const char *
dp_cat_bytes(dp_cat_t *t, int64_t v)
{
	static const char *const units[] = { "b", "kb", "mb", "gb", "tb", "pb" };
	const char *unit = dp_rest_qs(t->r, "bytes");
	char b[48];

	if (unit) {
		for (int i = 0; i < 6; i++) {
			if (strcmp(unit, units[i]) == 0) {
				snprintf(b, sizeof(b), "%lld", (long long)(v >> (10 * i)));
				return dp_cat_str(t, b);
			}
		}
	}
	double x = (double)v;
	int i = 0;

	while (x >= 1024 && i < 5) {
		x /= 1024;
		i++;
	}
	if (i == 0)
		snprintf(b, sizeof(b), "%lldb", (long long)v);
	else if (x == (double)(int64_t)x)
		snprintf(b, sizeof(b), "%lld%s", (long long)x, units[i]);
	else
		snprintf(b, sizeof(b), "%.1f%s", x, units[i]);
	return dp_cat_str(t, b);
}

static bool
cat_col_is(const dp_cat_col_t *c, const char *name)
{
	if (fnmatch(name, c->name, 0) == 0)
		return true;
	if (c->aliases == NULL)
		return false;
	char buf[256];

	snprintf(buf, sizeof(buf), "%s", c->aliases);
	for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save))
		if (fnmatch(name, t, 0) == 0)
			return true;
	return false;
}

/* Columns to show, by index, from ?h= or the defaults. */
static uint32_t
cat_select(dp_cat_t *t, uint32_t *sel)
{
	const char *h = dp_rest_qs(t->r, "h");
	uint32_t n = 0;

	if (h == NULL || *h == '\0') {
		for (uint32_t c = 0; c < t->n_cols && n < CAT_MAX_COLS; c++)
			if (!t->cols[c].hidden && !(c < 64 && (t->hide_mask >> c) & 1))
				sel[n++] = c;
		return n;
	}
	char buf[1024];

	snprintf(buf, sizeof(buf), "%s", h);
	for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		for (uint32_t c = 0; c < t->n_cols && n < CAT_MAX_COLS; c++)
			if (cat_col_is(&t->cols[c], tok))
				sel[n++] = c;
	return n;
}

/* Sort keys from ?s=col[:asc|:desc],... */
typedef struct cat_sort {
	uint32_t col;
	bool desc;
	bool numeric;
} cat_sort_t;

static cat_sort_t cat_keys[8];
static uint32_t cat_nkeys;

static int
cat_cmp(const void *x, const void *y)
{
	const char *const *a = *(const char *const *const *)x;
	const char *const *b = *(const char *const *const *)y;

	for (uint32_t k = 0; k < cat_nkeys; k++) {
		const char *p = a[cat_keys[k].col], *q = b[cat_keys[k].col];
		int c;

		if (cat_keys[k].numeric) {
			double dp = atof(p), dq = atof(q);

			c = dp < dq ? -1 : dp > dq ? 1 : 0;
		} else {
			c = strcmp(p, q);
		}
		if (c)
			return cat_keys[k].desc ? -c : c;
	}
	return 0;
}

static void
cat_sort_rows(dp_cat_t *t)
{
	const char *s = dp_rest_qs(t->r, "s");
	char buf[512];

	cat_nkeys = 0;
	if (s == NULL || *s == '\0')
		return;
	snprintf(buf, sizeof(buf), "%s", s);
	for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok && cat_nkeys < 8;
	     tok = strtok_r(NULL, ",", &save)) {
		char *colon = strchr(tok, ':');
		bool desc = false;

		if (colon) {
			desc = strcmp(colon + 1, "desc") == 0;
			*colon = '\0';
		}
		for (uint32_t c = 0; c < t->n_cols; c++) {
			if (cat_col_is(&t->cols[c], tok)) {
				cat_keys[cat_nkeys++] = (cat_sort_t){ c, desc, t->cols[c].right };
				break;
			}
		}
	}
	if (cat_nkeys)
		qsort(t->rows, t->n_rows, sizeof(*t->rows), cat_cmp);
}

/* ?help: "name | aliases | description", the first two columns padded to
 * their widest cell as Elasticsearch's RestTable pads them. */
static void
cat_help(dp_cat_t *t)
{
	size_t wn = 0, wa = 0;
	osp_buf_t out;

	for (uint32_t c = 0; c < t->n_cols; c++) {
		size_t ln = strlen(t->cols[c].name);
		size_t la = t->cols[c].aliases ? strlen(t->cols[c].aliases) : 0;

		wn = ln > wn ? ln : wn;
		wa = la > wa ? la : wa;
	}
	osp_buf_init(&out);
	for (uint32_t c = 0; c < t->n_cols; c++)
		osp_buf_printf(&out, "%-*s | %-*s | %s\n", (int)wn, t->cols[c].name, (int)wa,
			       t->cols[c].aliases ? t->cols[c].aliases : "", t->cols[c].desc);
	dp_rest_reply_text(t->r, 200, &out);
}

void
dp_cat_reply(dp_cat_t *t)
{
	uint32_t sel[CAT_MAX_COLS], ns;
	const char *format = dp_rest_qs(t->r, "format");
	bool ok = true, v = dp_rest_qs_bool(t->r, "v", false, &ok);

	if (!ok)
		return;
	if (dp_rest_qs(t->r, "help")) {
		cat_help(t);
		return;
	}
	ns = cat_select(t, sel);
	cat_sort_rows(t);
	if (format && strcmp(format, "json") == 0) {
		osp_buf_t out;
		osp_jw_t w;

		dp_rest_jw(t->r, &w, &out);
		osp_jw_arr_begin(&w);
		for (uint32_t i = 0; i < t->n_rows; i++) {
			osp_jw_obj_begin(&w);
			for (uint32_t k = 0; k < ns; k++) {
				const char *cell = t->rows[i][sel[k]];

				osp_jw_key(&w, t->cols[sel[k]].name);
				if (*cell)
					osp_jw_str(&w, cell);
				else
					osp_jw_null(&w);
			}
			osp_jw_obj_end(&w);
		}
		osp_jw_arr_end(&w);
		dp_rest_reply(t->r, 200, &out);
		return;
	}
	size_t width[CAT_MAX_COLS];
	osp_buf_t out;

	for (uint32_t k = 0; k < ns; k++) {
		width[k] = v ? strlen(t->cols[sel[k]].name) : 0;
		for (uint32_t i = 0; i < t->n_rows; i++) {
			size_t l = strlen(t->rows[i][sel[k]]);

			if (l > width[k])
				width[k] = l;
		}
	}
	osp_buf_init(&out);
	for (int64_t i = v ? -1 : 0; i < (int64_t)t->n_rows; i++) {
		for (uint32_t k = 0; k < ns; k++) {
			const char *cell = i < 0 ? t->cols[sel[k]].name : t->rows[i][sel[k]];
			bool right = i >= 0 && t->cols[sel[k]].right;
			bool last = k + 1 == ns;

			/* Every cell is padded, the last one too, as ES's RestTable. */
			if (right)
				osp_buf_printf(&out, "%*s", (int)width[k], cell);
			else
				osp_buf_printf(&out, "%-*s", (int)width[k], cell);
			if (!last)
				osp_buf_putc(&out, ' ');
		}
		osp_buf_putc(&out, '\n');
	}
	dp_rest_reply_text(t->r, 200, &out);
}

const char *
dp_cat_time(dp_cat_t *t, int64_t ms)
{
	static const struct { const char *name; double ms; } units[] = {
		{ "d", 86400000.0 }, { "h", 3600000.0 }, { "m", 60000.0 }, { "s", 1000.0 },
		{ "ms", 1.0 }, { "micros", 0.001 }, { "nanos", 0.000001 },
	};
	const char *unit = dp_rest_qs(t->r, "time");
	char b[48];

	if (unit) {
		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
			if (strcmp(unit, units[i].name) == 0) {
				snprintf(b, sizeof(b), "%lld", (long long)((double)ms / units[i].ms));
				return dp_cat_str(t, b);
			}
		}
	}
	/* TimeValue.toString: the largest unit the value reaches, one decimal. */
	for (size_t i = 0; i < 5; i++) {
		double x = (double)ms / units[i].ms;

		if (x >= 1.0 || i == 4) {
			size_t n = (size_t)snprintf(b, sizeof(b), "%.1f", x);

			if (n >= 2 && strcmp(b + n - 2, ".0") == 0)
				b[n - 2] = '\0';
			strncat(b, units[i].name, sizeof(b) - strlen(b) - 1);
			return dp_cat_str(t, b);
		}
	}
	return "";
}
