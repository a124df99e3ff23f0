/*
 * settings.c - the node settings registry, YAML loading and -E parsing
 * (osprey/settings.h).
 *
 * The registry below is the single list of node settings: name, type, default,
 * bounds and a one-line description for --help. Values are kept as strings
 * (the last assignment wins, -E after the file) and validated when set, so a
 * bad value fails at start naming the setting. YAML is read with libyaml;
 * nested maps flatten to dotted keys and scalar sequences join with ','.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "osprey/settings.h"

/* One registered setting. */
typedef struct setting_def {
	const char *key;
	osp_setting_type_t type;
	const char *def;        /* default, as text */
	int64_t min, max;       /* INT bounds */
	const char *choices;    /* ENUM: "a|b|c" */
	const char *help;
} setting_def_t;

static const setting_def_t setting_defs[] = {
	{ "cluster.name", OSP_SET_STRING, "osprey", 0, 0, NULL, "cluster name reported by GET /" },
	{ "node.name", OSP_SET_STRING, "", 0, 0, NULL, "node name (default: host name)" },
	{ "path.data", OSP_SET_STRING, "data", 0, 0, NULL, "directory for indices and cluster state" },
	{ "path.repo", OSP_SET_STRING, "", 0, 0, NULL, "roots allowed for fs snapshot repositories (comma-separated)" },
	{ "path.logs", OSP_SET_STRING, "", 0, 0, NULL, "directory for log files (default: stderr)" },
	{ "network.host", OSP_SET_STRING, "127.0.0.1", 0, 0, NULL, "address to serve HTTP on (dpdk: address/prefix)" },
	{ "network.gateway", OSP_SET_STRING, "", 0, 0, NULL, "default gateway (dpdk backend)" },
	{ "http.port", OSP_SET_INT, "9200", 1, 65535, NULL, "HTTP port" },
	{ "http.max_content_length", OSP_SET_BYTES, "100mb", 0, 0, NULL, "largest request body" },
	{ "http.max_initial_line_length", OSP_SET_BYTES, "4kb", 0, 0, NULL, "longest request line" },
	{ "http.max_header_size", OSP_SET_BYTES, "16kb", 0, 0, NULL, "largest header block" },
	{ "http.idle_timeout", OSP_SET_TIME, "300s", 0, 0, NULL, "close idle keep-alive connections after" },
	{ "transport.port", OSP_SET_INT, "9300", 1, 65535, NULL, "node-to-node port" },
	{ "control.socket", OSP_SET_STRING, "", 0, 0, NULL, "control channel socket (default: <path.data>/control.sock)" },
	{ "control.restart_delay", OSP_SET_TIME, "200ms", 0, 0, NULL, "launcher: wait before restarting control" },
	{ "dataplane.net", OSP_SET_ENUM, "kernel", 0, 0, "kernel|dpdk", "network backend" },
	{ "dataplane.workers", OSP_SET_INT, "1", 1, 128, NULL, "worker lcores (each owns shards)" },
	{ "dataplane.eal", OSP_SET_STRING, "", 0, 0, NULL, "extra DPDK EAL arguments" },
	{ "dataplane.port", OSP_SET_INT, "0", 0, 1023, NULL, "DPDK ethdev port id" },
	{ "dataplane.mbufs", OSP_SET_INT, "8191", 1023, 1048575, NULL, "dpdk backend: mbufs in the RX/TX mempool" },
	{ "dataplane.idle_sleep_us", OSP_SET_INT, "-1", -1, 1000000, NULL, "idle back-off sleep (0 = busy poll, -1 = backend default)" },
	{ "storage.refresh_slice_us", OSP_SET_INT, "1000", 0, 1000000, NULL, "longest a worker spends on a shard refresh per tick (0 = whole refresh at once)" },
	{ "storage.postings_cache_bytes", OSP_SET_BYTES, "256mb", 0, 0, NULL, "decoded postings a worker keeps for queries (least recently used go first)" },
	{ "dataplane.lcores", OSP_SET_STRING, "", 0, 0, NULL, "EAL lcore list (default: all cores)" },
	{ "search.max_open_scroll_context", OSP_SET_INT, "500", 0, INT32_MAX, NULL, "open scroll contexts allowed at once" },
	{ "search.default_keep_alive", OSP_SET_TIME, "5m", 0, 0, NULL, "scroll / point in time keep-alive when none is given" },
	{ "search.max_keep_alive", OSP_SET_TIME, "24h", 0, 0, NULL, "longest scroll / point in time keep-alive" },
	{ "cluster.coordination", OSP_SET_ENUM, "local", 0, 0, "local|etcd", "coordination store" },
	{ "cluster.etcd.endpoints", OSP_SET_STRING, "", 0, 0, NULL, "etcd endpoints (comma-separated URLs)" },
	{ "logger.level", OSP_SET_ENUM, "info", 0, 0, "debug|info|warn|error", "log level" },
};

#define N_DEFS (sizeof(setting_defs) / sizeof(setting_defs[0]))

/* The settings object: explicit assignments in order of first set. */
struct osp_settings {
	char **keys;
	char **vals;
	size_t n, cap;
};

static const setting_def_t *
settings_def(const char *key)
{
	for (size_t i = 0; i < N_DEFS; i++)
		if (strcmp(setting_defs[i].key, key) == 0)
			return &setting_defs[i];
	return NULL;
}

osp_settings_t *
osp_settings_new(void)
{
	return calloc(1, sizeof(osp_settings_t));
}

void
osp_settings_free(osp_settings_t *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->n; i++) {
		free(s->keys[i]);
		free(s->vals[i]);
	}
	free(s->keys);
	free(s->vals);
	free(s);
}

static int
unit_scale(const char *unit, const char *const *names, const int64_t *mult,
	   size_t n, int64_t *out)
{
	for (size_t i = 0; i < n; i++) {
		if (strcasecmp(unit, names[i]) == 0) {
			*out = mult[i];
			return 0;
		}
	}
	return -EINVAL;
}

/* Split "123unit" into a non-negative number and a unit. */
static int
split_number(const char *v, double *num, const char **unit)
{
	char *end;

	if (v == NULL || *v == '\0' || isspace((unsigned char)*v))
		return -EINVAL;
	errno = 0;
	*num = strtod(v, &end);
	if (errno || end == v || *num < 0)
		return -EINVAL;
	*unit = end;
	return 0;
}

int
osp_parse_time_ms(const char *v, int64_t *out)
{
	static const char *const names[] = { "nanos", "micros", "ms", "s", "m", "h", "d" };
	static const int64_t mult[] = { 0, 0, 1, 1000, 60000, 3600000, 86400000 };
	double num;
	const char *unit;
	int64_t m;

	if (v && (strcmp(v, "-1") == 0 || strcmp(v, "0") == 0)) {
		*out = atoi(v);
		return 0;
	}
	if (split_number(v, &num, &unit) != 0 || *unit == '\0')
		return -EINVAL;
	if (unit_scale(unit, names, mult, 7, &m) != 0)
		return -EINVAL;
	if (m == 0) /* sub-millisecond units round up to 1 ms unless zero */
		*out = num > 0 ? 1 : 0;
	else
		*out = (int64_t)(num * (double)m);
	return 0;
}

int
osp_parse_bytes(const char *v, int64_t *out)
{
	static const char *const names[] = { "b", "kb", "mb", "gb", "tb", "pb", "k", "m", "g", "t" };
	static const int64_t mult[] = { 1, 1LL << 10, 1LL << 20, 1LL << 30, 1LL << 40, 1LL << 50,
		1LL << 10, 1LL << 20, 1LL << 30, 1LL << 40 };
	double num;
	const char *unit;
	int64_t m;

	if (split_number(v, &num, &unit) != 0 || *unit == '\0')
		return -EINVAL;
	if (unit_scale(unit, names, mult, 10, &m) != 0)
		return -EINVAL;
	if (num * (double)m > 9.0e18)
		return -EINVAL;
	*out = (int64_t)(num * (double)m);
	return 0;
}

static int
parse_int(const char *v, int64_t *out)
{
	char *end;

	if (v == NULL || *v == '\0')
		return -EINVAL;
	errno = 0;
	long long x = strtoll(v, &end, 10);

	if (errno || *end != '\0')
		return -EINVAL;
	*out = x;
	return 0;
}

static bool
enum_has(const char *choices, const char *v)
{
	size_t n = strlen(v);
	const char *p = choices;

	while (p && *p) {
		const char *bar = strchr(p, '|');
		size_t len = bar ? (size_t)(bar - p) : strlen(p);

		if (len == n && strncmp(p, v, n) == 0)
			return true;
		p = bar ? bar + 1 : NULL;
	}
	return false;
}

static int
settings_validate(const setting_def_t *d, const char *value, char *err, size_t errlen)
{
	int64_t x;

	switch (d->type) {
	case OSP_SET_STRING:
		return 0;
	case OSP_SET_INT:
		if (parse_int(value, &x) == 0 && x >= d->min && x <= d->max)
			return 0;
		snprintf(err, errlen, "setting [%s]: [%s] is not an integer in [%lld, %lld]",
			 d->key, value, (long long)d->min, (long long)d->max);
		return -EINVAL;
	case OSP_SET_BOOL:
		if (strcmp(value, "true") == 0 || strcmp(value, "false") == 0)
			return 0;
		snprintf(err, errlen, "setting [%s]: failed to parse value [%s] as only [true] or [false] are allowed",
			 d->key, value);
		return -EINVAL;
	case OSP_SET_TIME:
		if (osp_parse_time_ms(value, &x) == 0)
			return 0;
		snprintf(err, errlen, "setting [%s]: failed to parse [%s] as a time value (e.g. 500ms, 30s, 5m)",
			 d->key, value);
		return -EINVAL;
	case OSP_SET_BYTES:
		if (osp_parse_bytes(value, &x) == 0)
			return 0;
		snprintf(err, errlen, "setting [%s]: failed to parse [%s] as a byte size (e.g. 512kb, 100mb)",
			 d->key, value);
		return -EINVAL;
	case OSP_SET_ENUM:
		if (enum_has(d->choices, value))
			return 0;
		snprintf(err, errlen, "setting [%s]: [%s] is not one of [%s]", d->key, value, d->choices);
		return -EINVAL;
	}
	return -EINVAL;
}

int
osp_settings_set(osp_settings_t *s, const char *key, const char *value,
		 char *err, size_t errlen)
{
	const setting_def_t *d = settings_def(key);
	char *k = NULL, *v = NULL;
	int rc;

	if (d == NULL) {
		snprintf(err, errlen, "unknown setting [%s]", key);
		return -EINVAL;
	}
	rc = settings_validate(d, value, err, errlen);
	if (rc != 0)
		return rc;
	v = strdup(value);
	if (v == NULL)
		goto nomem;
	for (size_t i = 0; i < s->n; i++) {
		if (strcmp(s->keys[i], key) == 0) {
			free(s->vals[i]);
			s->vals[i] = v;
			return 0;
		}
	}
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		char **nk = realloc(s->keys, cap * sizeof(*nk));

		if (nk == NULL)
			goto nomem;
		s->keys = nk;
		char **nv = realloc(s->vals, cap * sizeof(*nv));

		if (nv == NULL)
			goto nomem;
		s->vals = nv;
		s->cap = cap;
	}
	k = strdup(key);
	if (k == NULL)
		goto nomem;
	s->keys[s->n] = k;
	s->vals[s->n] = v;
	s->n++;
	return 0;
nomem:
	free(k);
	free(v);
	snprintf(err, errlen, "out of memory");
	return -ENOMEM;
}

int
osp_settings_set_kv(osp_settings_t *s, const char *kv, char *err, size_t errlen)
{
	const char *eq = strchr(kv, '=');
	char key[256];

	if (eq == NULL || eq == kv || (size_t)(eq - kv) >= sizeof(key)) {
		snprintf(err, errlen, "malformed setting [%s], expected key=value", kv);
		return -EINVAL;
	}
	memcpy(key, kv, (size_t)(eq - kv));
	key[eq - kv] = '\0';
	return osp_settings_set(s, key, eq + 1, err, errlen);
}

int
osp_settings_parse_args(osp_settings_t *s, int *argc, char **argv,
			char *err, size_t errlen)
{
	int out = 1;

	for (int i = 1; i < *argc; i++) {
		const char *kv = NULL;

		if (strcmp(argv[i], "-E") == 0) {
			if (i + 1 >= *argc) {
				snprintf(err, errlen, "-E needs key=value");
				return -EINVAL;
			}
			kv = argv[++i];
		} else if (strncmp(argv[i], "-E", 2) == 0) {
			kv = argv[i] + 2;
		} else {
			argv[out++] = argv[i];
			continue;
		}
		int rc = osp_settings_set_kv(s, kv, err, errlen);

		if (rc != 0)
			return rc;
	}
	*argc = out;
	argv[out] = NULL;
	return 0;
}

/* YAML walking state: the dotted prefix of the current map. */
typedef struct yaml_walk {
	osp_settings_t *s;
	yaml_document_t *doc;
	const char *path;
	char *err;
	size_t errlen;
} yaml_walk_t;

static int
yaml_walk_node(yaml_walk_t *w, yaml_node_t *node, const char *prefix)
{
	char key[512];
	char value[4096];

	switch (node->type) {
	case YAML_MAPPING_NODE:
		for (yaml_node_pair_t *p = node->data.mapping.pairs.start;
		     p < node->data.mapping.pairs.top; p++) {
			yaml_node_t *k = yaml_document_get_node(w->doc, p->key);
			yaml_node_t *v = yaml_document_get_node(w->doc, p->value);

			if (k == NULL || v == NULL || k->type != YAML_SCALAR_NODE) {
				snprintf(w->err, w->errlen, "%s: keys must be plain names", w->path);
				return -EINVAL;
			}
			snprintf(key, sizeof(key), "%s%s%s", prefix, *prefix ? "." : "",
				 (const char *)k->data.scalar.value);
			int rc = yaml_walk_node(w, v, key);

			if (rc != 0)
				return rc;
		}
		return 0;
	case YAML_SEQUENCE_NODE: {
		size_t len = 0;

		value[0] = '\0';
		for (yaml_node_item_t *it = node->data.sequence.items.start;
		     it < node->data.sequence.items.top; it++) {
			yaml_node_t *v = yaml_document_get_node(w->doc, *it);

			if (v == NULL || v->type != YAML_SCALAR_NODE) {
				snprintf(w->err, w->errlen, "%s: setting [%s] takes a list of plain values",
					 w->path, prefix);
				return -EINVAL;
			}
			len += (size_t)snprintf(value + len, sizeof(value) - len, "%s%s",
						len ? "," : "", (const char *)v->data.scalar.value);
			if (len >= sizeof(value)) {
				snprintf(w->err, w->errlen, "%s: setting [%s] is too long", w->path, prefix);
				return -EINVAL;
			}
		}
		return osp_settings_set(w->s, prefix, value, w->err, w->errlen);
	}
	case YAML_SCALAR_NODE:
		if (*prefix == '\0')
			return 0; /* an empty document */
		return osp_settings_set(w->s, prefix, (const char *)node->data.scalar.value,
					w->err, w->errlen);
	default:
		return 0;
	}
}

int
osp_settings_load_yaml(osp_settings_t *s, const char *path, bool optional,
		       char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	yaml_parser_t parser;
	yaml_document_t doc;
	int rc = 0, have_parser = 0, have_doc = 0;

	if (f == NULL) {
		if (optional && errno == ENOENT)
			return 0;
		snprintf(err, errlen, "cannot read settings file %s: %s", path, strerror(errno));
		return -errno;
	}
	if (!yaml_parser_initialize(&parser)) {
		snprintf(err, errlen, "out of memory");
		rc = -ENOMEM;
		goto cleanup;
	}
	have_parser = 1;
	yaml_parser_set_input_file(&parser, f);
	if (!yaml_parser_load(&parser, &doc)) {
		snprintf(err, errlen, "%s:%zu:%zu: %s", path, parser.problem_mark.line + 1,
			 parser.problem_mark.column + 1,
			 parser.problem ? parser.problem : "malformed YAML");
		rc = -EINVAL;
		goto cleanup;
	}
	have_doc = 1;
	yaml_node_t *root = yaml_document_get_root_node(&doc);

	if (root) {
		yaml_walk_t w = { s, &doc, path, err, errlen };

		rc = yaml_walk_node(&w, root, "");
		if (rc != 0 && strncmp(err, path, strlen(path)) != 0) {
			char tmp[512];

			snprintf(tmp, sizeof(tmp), "%s: %s", path, err);
			snprintf(err, errlen, "%s", tmp);
		}
	}
cleanup:
	if (have_doc)
		yaml_document_delete(&doc);
	if (have_parser)
		yaml_parser_delete(&parser);
	fclose(f);
	return rc;
}

static const char *
settings_lookup(const osp_settings_t *s, const char *key)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->keys[i], key) == 0)
			return s->vals[i];
	const setting_def_t *d = settings_def(key);

	return d ? d->def : NULL;
}

const char *
osp_settings_str(const osp_settings_t *s, const char *key)
{
	const char *v = settings_lookup(s, key);

	return v ? v : "";
}

int64_t
osp_settings_int(const osp_settings_t *s, const char *key)
{
	int64_t x = 0;

	parse_int(osp_settings_str(s, key), &x);
	return x;
}

bool
osp_settings_bool(const osp_settings_t *s, const char *key)
{
	return strcmp(osp_settings_str(s, key), "true") == 0;
}

int64_t
osp_settings_time_ms(const osp_settings_t *s, const char *key)
{
	int64_t x = 0;

	osp_parse_time_ms(osp_settings_str(s, key), &x);
	return x;
}

int64_t
osp_settings_bytes(const osp_settings_t *s, const char *key)
{
	int64_t x = 0;

	osp_parse_bytes(osp_settings_str(s, key), &x);
	return x;
}

bool
osp_settings_is_set(const osp_settings_t *s, const char *key)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->keys[i], key) == 0)
			return true;
	return false;
}

size_t
osp_settings_count(const osp_settings_t *s)
{
	return s->n;
}

const char *
osp_settings_key_at(const osp_settings_t *s, size_t i)
{
	return i < s->n ? s->keys[i] : NULL;
}

const char *
osp_settings_value_at(const osp_settings_t *s, size_t i)
{
	return i < s->n ? s->vals[i] : NULL;
}

void
osp_settings_print_help(void *file)
{
	FILE *f = file;

	for (size_t i = 0; i < N_DEFS; i++) {
		const setting_def_t *d = &setting_defs[i];

		fprintf(f, "  %-30s %s (default: %s)\n", d->key, d->help,
			*d->def ? d->def : "-");
	}
}
