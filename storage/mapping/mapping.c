/*
 * mapping.c - the mapping object: creation, parse and merge entry points,
 * copying, finishing (ids, order, path index), reference counting and
 * lookups (osprey/mapping.h).
 *
 * A merge never touches the current mapping: the tree is deep-copied into
 * a new arena, the update is applied to the copy, and the copy is
 * finished. Ids are kept for existing fields and handed out in path order
 * to new ones, so an id never changes meaning within a mapping's lineage.
 * After finishing, a mapping is read-only and may be read by any core; the
 * reference count is atomic.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mapping_int.h"

int
st_mapping_alloc(const st_analysis_t *analysis, st_mapping_t **out)
{
	st_mapping_t *m = calloc(1, sizeof(*m));

	if (m == NULL)
		return -ENOMEM;
	m->refs = 1;
	osp_arena_init(&m->arena, 8192, 0);
	m->analysis = analysis;
	m->source_enabled = true;
	m->date_detection = -1;
	m->numeric_detection = -1;
	m->root = osp_arena_calloc(&m->arena, sizeof(*m->root));
	if (m->root == NULL) {
		osp_arena_free(&m->arena);
		free(m);
		return -ENOMEM;
	}
	m->root->pub.path = "";
	m->root->pub.name = "";
	m->root->pub.type = ST_FIELD_OBJECT;
	m->root->pub.enabled = true;
	m->root->pub.id = UINT32_MAX;
	*out = m;
	return 0;
}

static void
mapping_free(st_mapping_t *m)
{
	osp_arena_free(&m->arena);
	free(m);
}

void
st_mapping_ref(st_mapping_t *m)
{
	__atomic_add_fetch(&m->refs, 1, __ATOMIC_RELAXED);
}

void
st_mapping_unref(st_mapping_t *m)
{
	if (m && __atomic_sub_fetch(&m->refs, 1, __ATOMIC_ACQ_REL) == 0)
		mapping_free(m);
}

/* ---- copying ---- */

static const char *
dup_str(osp_arena_t *a, const char *s)
{
	return s ? osp_arena_strndup(a, s, strlen(s)) : NULL;
}

/* Deep-copy src (and its children) into dst's arena; compiled formats
 * are recompiled there so the copy shares nothing with src. */
static st_fieldx_t *
copy_field(st_mapping_t *dst, const st_fieldx_t *src, const st_field_t *parent)
{
	osp_arena_t *a = &dst->arena;
	st_fieldx_t *f = osp_arena_alloc(a, sizeof(*f));
	osp_err_t err;

	if (f == NULL)
		return NULL;
	*f = *src;
	f->pub.parent = parent;
	f->pub.path = dup_str(a, src->pub.path);
	f->pub.name = dup_str(a, src->pub.name);
	f->pub.analyzer_name = dup_str(a, src->pub.analyzer_name);
	f->pub.search_analyzer_name = dup_str(a, src->pub.search_analyzer_name);
	f->pub.normalizer_name = dup_str(a, src->pub.normalizer_name);
	f->pub.null_value_str = src->pub.null_value_str ? dup_str(a, src->pub.null_value_str) : NULL;
	f->pub.meta = src->pub.meta ? osp_json_clone(a, src->pub.meta) : NULL;
	f->extra = src->extra ? osp_json_clone(a, src->extra) : NULL;
	f->null_value_json = src->null_value_json ? osp_json_clone(a, src->null_value_json) : NULL;
	if (f->pub.path == NULL || f->pub.name == NULL)
		return NULL;
	if (src->format_spec) {
		st_date_format_t *df;

		if (st_date_format_compile(a, src->format_spec, strlen(src->format_spec), &df, &err) < 0)
			return NULL;
		f->pub.date_format = df;
		f->format_spec = st_date_format_spec(df);
	}
	f->pub.children = NULL;
	f->children_cap = src->pub.n_children;
	if (src->pub.n_children) {
		f->pub.children = osp_arena_alloc(a, sizeof(*f->pub.children) * src->pub.n_children);
		if (f->pub.children == NULL)
			return NULL;
		for (uint32_t i = 0; i < src->pub.n_children; i++) {
			st_fieldx_t *c = copy_field(dst, (const st_fieldx_t *)src->pub.children[i], &f->pub);

			if (c == NULL)
				return NULL;
			f->pub.children[i] = &c->pub;
		}
	}
	return f;
}

int
st_mapping_copy(st_mapping_t *dst, const st_mapping_t *src)
{
	osp_arena_t *a = &dst->arena;
	osp_err_t err;
	st_fieldx_t *root = copy_field(dst, src->root, NULL);

	if (root == NULL)
		return -ENOMEM;
	dst->root = root;
	dst->source_enabled = src->source_enabled;
	dst->source_set = src->source_set;
	dst->routing_required = src->routing_required;
	dst->date_detection = src->date_detection;
	dst->numeric_detection = src->numeric_detection;
	dst->next_id = src->next_id;
	dst->meta = src->meta ? osp_json_clone(a, src->meta) : NULL;
	dst->source_extra = src->source_extra ? osp_json_clone(a, src->source_extra) : NULL;
	dst->dynamic_templates = src->dynamic_templates ? osp_json_clone(a, src->dynamic_templates) : NULL;
	if (dst->dynamic_templates && st_dyn_templates_compile(dst, dst->dynamic_templates, &err) < 0)
		return -ENOMEM;
	dst->dynamic_date_formats = src->dynamic_date_formats ? osp_json_clone(a, src->dynamic_date_formats) : NULL;
	if (src->n_ddf) {
		const st_date_format_t **fs = osp_arena_calloc(a, sizeof(*fs) * src->n_ddf);
		const char **specs = osp_arena_calloc(a, sizeof(*specs) * src->n_ddf);

		if (fs == NULL || specs == NULL)
			return -ENOMEM;
		for (uint32_t i = 0; i < src->n_ddf; i++) {
			st_date_format_t *df;

			if (st_date_format_compile(a, src->ddf_specs[i], strlen(src->ddf_specs[i]), &df, &err) < 0)
				return -ENOMEM;
			fs[i] = df;
			specs[i] = st_date_format_spec(df);
		}
		dst->ddf = fs;
		dst->ddf_specs = specs;
		dst->n_ddf = src->n_ddf;
	}
	return 0;
}

/* ---- finishing ---- */

static int
cmp_field(const void *x, const void *y)
{
	const st_field_t *a = *(const st_field_t *const *)x, *b = *(const st_field_t *const *)y;

	return strcmp(a->name, b->name);
}

static uint32_t
path_hash(const char *s, size_t n)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (uint8_t)s[i]) * 16777619u;
	return h;
}

/* Sort, number new fields, resolve dynamic; counts fields into *n. */
static void
finish_walk(st_mapping_t *m, st_field_t *f, uint8_t dyn, uint32_t *n)
{
	if (f->n_children > 1)
		qsort(f->children, f->n_children, sizeof(*f->children), cmp_field);
	((st_fieldx_t *)f)->sorted = true;
	if (f->type == ST_FIELD_OBJECT) {
		f->effective_dynamic = f->dynamic != ST_DYNAMIC_INHERIT ? f->dynamic : dyn;
		dyn = f->effective_dynamic;
	}
	for (uint32_t i = 0; i < f->n_children; i++) {
		st_field_t *c = f->children[i];

		if (c->id == UINT32_MAX)
			c->id = m->next_id++;
		(*n)++;
		finish_walk(m, c, dyn, n);
	}
}

static void
fill_walk(st_mapping_t *m, st_field_t *f)
{
	for (uint32_t i = 0; i < f->n_children; i++) {
		st_field_t *c = f->children[i];

		m->by_id[c->id] = c;
		m->sorted[m->n_sorted++] = c;
		fill_walk(m, c);
	}
}

int
st_mapping_finish(st_mapping_t *m)
{
	uint32_t n = 0;

	finish_walk(m, &m->root->pub, ST_DYNAMIC_TRUE, &n);
	m->n_fields = m->next_id;
	m->by_id = osp_arena_calloc(&m->arena, sizeof(*m->by_id) * (m->n_fields + 1));
	m->sorted = osp_arena_calloc(&m->arena, sizeof(*m->sorted) * (n + 1));
	uint32_t cap = 16;

	while (cap < n * 2)
		cap *= 2;
	m->index = osp_arena_calloc(&m->arena, sizeof(*m->index) * cap);
	m->index_mask = cap - 1;
	if (m->by_id == NULL || m->sorted == NULL || m->index == NULL)
		return -ENOMEM;
	m->n_sorted = 0;
	fill_walk(m, &m->root->pub);
	for (uint32_t i = 0; i < m->n_sorted; i++) {
		const st_field_t *f = m->sorted[i];
		uint32_t h = path_hash(f->path, f->path_len) & m->index_mask;

		while (m->index[h])
			h = (h + 1) & m->index_mask;
		m->index[h] = f->id + 1;
	}
	return 0;
}

/* ---- entry points ---- */

int
st_mapping_parse(const osp_json_t *mappings, const st_analysis_t *analysis,
		 st_mapping_t **out, osp_err_t *err)
{
	st_mapping_t *m;
	int rc = st_mapping_alloc(analysis, &m);

	if (rc < 0)
		return rc;
	if ((rc = st_mapping_apply(m, mappings, false, err)) < 0 ||
	    (rc = st_mapping_finish(m)) < 0) {
		mapping_free(m);
		return rc;
	}
	*out = m;
	return 0;
}

int
st_mapping_merge(const st_mapping_t *cur, const osp_json_t *update,
		 st_mapping_t **out, osp_err_t *err)
{
	st_mapping_t *m;
	int rc = st_mapping_alloc(cur->analysis, &m);

	if (rc < 0)
		return rc;
	if ((rc = st_mapping_copy(m, cur)) < 0 ||
	    (rc = st_mapping_apply(m, update, true, err)) < 0 ||
	    (rc = st_mapping_finish(m)) < 0) {
		mapping_free(m);
		return rc;
	}
	*out = m;
	return 0;
}

void
st_mapping_err_wrap(osp_err_t *err)
{
	if (strcmp(err->type, "mapper_parsing_exception") != 0 || strncmp(err->reason, "Failed to parse mapping", 23) == 0)
		return;
	snprintf(err->caused_by_type, sizeof(err->caused_by_type), "%s", err->type);
	snprintf(err->caused_by_reason, sizeof(err->caused_by_reason), "%s", err->reason);
	static const char pfx[] = "Failed to parse mapping: ";
	size_t rl = strnlen(err->caused_by_reason, sizeof(err->reason) - sizeof(pfx));

	memcpy(err->reason, pfx, sizeof(pfx) - 1);
	memcpy(err->reason + sizeof(pfx) - 1, err->caused_by_reason, rl);
	err->reason[sizeof(pfx) - 1 + rl] = '\0';
}

/* ---- lookups ---- */

const st_field_t *
st_mapping_field(const st_mapping_t *m, const char *path, size_t len)
{
	uint32_t h = path_hash(path, len) & m->index_mask;

	while (m->index[h]) {
		const st_field_t *f = m->by_id[m->index[h] - 1];

		if (f->path_len == len && memcmp(f->path, path, len) == 0)
			return f;
		h = (h + 1) & m->index_mask;
	}
	return NULL;
}

uint32_t
st_mapping_field_count(const st_mapping_t *m)
{
	return m->n_fields;
}

const st_field_t *
st_mapping_field_at(const st_mapping_t *m, uint32_t id)
{
	return id < m->n_fields ? m->by_id[id] : NULL;
}

/* Glob with '*' only, as Elasticsearch's Regex.simpleMatch. */
bool
st_glob(const char *p, size_t pl, const char *s, size_t sl)
{
	size_t pi = 0, si = 0, star = (size_t)-1, mark = 0;

	while (si < sl) {
		if (pi < pl && p[pi] == '*') {
			star = pi++;
			mark = si;
		} else if (pi < pl && p[pi] == s[si]) {
			pi++;
			si++;
		} else if (star != (size_t)-1) {
			pi = star + 1;
			si = ++mark;
		} else {
			return false;
		}
	}
	while (pi < pl && p[pi] == '*')
		pi++;
	return pi == pl;
}

int
st_mapping_fields_match(const st_mapping_t *m, const char *pattern, size_t len,
			int (*cb)(void *arg, const st_field_t *f), void *arg)
{
	for (uint32_t i = 0; i < m->n_sorted; i++) {
		const st_field_t *f = m->sorted[i];
		int rc;

		if (f->type == ST_FIELD_OBJECT || !st_glob(pattern, len, f->path, f->path_len))
			continue;
		if ((rc = cb(arg, f)) != 0)
			return rc;
	}
	return 0;
}

bool
st_mapping_source_enabled(const st_mapping_t *m)
{
	return m->source_enabled;
}

bool
st_mapping_routing_required(const st_mapping_t *m)
{
	return m->routing_required;
}

st_dynamic_t
st_mapping_dynamic(const st_mapping_t *m)
{
	return (st_dynamic_t)m->root->pub.effective_dynamic;
}

const st_analysis_t *
st_mapping_analysis(const st_mapping_t *m)
{
	return m->analysis;
}

const st_field_t *
st_mapping_root(const st_mapping_t *m)
{
	return &m->root->pub;
}

static const st_date_format_t *ddf_default[2];
static osp_arena_t ddf_arena;
static pthread_once_t ddf_once = PTHREAD_ONCE_INIT;
static const char *const ddf_specs[2] = {
	"strict_date_optional_time", "yyyy/MM/dd HH:mm:ss Z||yyyy/MM/dd Z",
};

static void
ddf_init(void)
{
	osp_err_t err;

	osp_arena_init(&ddf_arena, 4096, 0);
	for (int i = 0; i < 2; i++) {
		st_date_format_t *f = NULL;

		if (st_date_format_compile(&ddf_arena, ddf_specs[i], strlen(ddf_specs[i]), &f, &err) == 0)
			ddf_default[i] = f;
	}
}

/* Elasticsearch's default dynamic_date_formats, compiled once per process. */
const st_date_format_t *
st_mapping_ddf_default(uint32_t i, const char **spec)
{
	pthread_once(&ddf_once, ddf_init);
	if (i >= 2)
		return NULL;
	*spec = ddf_specs[i];
	return ddf_default[i];
}
