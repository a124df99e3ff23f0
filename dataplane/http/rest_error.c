/*
 * rest_error.c - rendering osp_err_t as Elasticsearch renders exceptions
 * (ElasticsearchException.generateFailureXContent), see dp_rest_error.h.
 *
 * The root cause is the exception itself: an osp_err_t's caused_by is the
 * kind of cause Elasticsearch does not unwrap (a Java or Jackson exception),
 * so root_cause repeats type, reason and metadata without caused_by. The
 * writer is hand-rolled over osp_buf_t because the error path must work
 * even where the JSON writer is not linked (fuzzers, the HTTP core).
 */
#include <stdio.h>
#include <string.h>

#include "dp_rest_error.h"

/* JSON string escaping (RFC 8259; '/' left alone, as Jackson does). */
static void
put_str(osp_buf_t *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const char *run = s;

	osp_buf_putc(b, '"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		const char *esc = NULL;
		char u[7];

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		osp_buf_append(b, run, (size_t)(s - run));
		switch (c) {
		case '"': esc = "\\\""; break;
		case '\\': esc = "\\\\"; break;
		case '\n': esc = "\\n"; break;
		case '\r': esc = "\\r"; break;
		case '\t': esc = "\\t"; break;
		case '\b': esc = "\\b"; break;
		case '\f': esc = "\\f"; break;
		default:
			u[0] = '\\'; u[1] = 'u'; u[2] = '0'; u[3] = '0';
			u[4] = hex[c >> 4]; u[5] = hex[c & 15]; u[6] = '\0';
			esc = u;
			break;
		}
		osp_buf_puts(b, esc);
		run = s + 1;
	}
	osp_buf_append(b, run, (size_t)(s - run));
	osp_buf_putc(b, '"');
}

static void
put_kv(osp_buf_t *b, const char *k, const char *v)
{
	osp_buf_putc(b, ',');
	put_str(b, k);
	osp_buf_putc(b, ':');
	put_str(b, v);
}

static void
put_stack(osp_buf_t *b, const char *type, const char *reason)
{
	char tmp[sizeof(((osp_err_t *)0)->reason) + 160];

	snprintf(tmp, sizeof(tmp), "%s: %s\n\tat osprey.dataplane", type, reason);
	put_kv(b, "stack_trace", tmp);
}

/* type, reason and metadata, in Elasticsearch's order. */
static void
put_body(osp_buf_t *b, const osp_err_t *e, bool cause, bool trace)
{
	osp_buf_puts(b, "\"type\":");
	put_str(b, e->type[0] ? e->type : "exception");
	put_kv(b, "reason", e->reason);
	if (e->resource_type[0])
		put_kv(b, "resource.type", e->resource_type);
	if (e->resource_id[0])
		put_kv(b, "resource.id", e->resource_id);
	if (e->index_uuid[0])
		put_kv(b, "index_uuid", e->index_uuid);
	if (e->shard >= 0)
		osp_buf_printf(b, ",\"shard\":\"%d\"", e->shard);
	if (e->index[0])
		put_kv(b, "index", e->index);
	if (e->line >= 0 && e->col >= 0)
		osp_buf_printf(b, ",\"line\":%d,\"col\":%d", e->line, e->col);
	if (cause && e->caused_by_type[0]) {
		osp_buf_puts(b, ",\"caused_by\":{\"type\":");
		put_str(b, e->caused_by_type);
		put_kv(b, "reason", e->caused_by_reason);
		if (trace)
			put_stack(b, e->caused_by_type, e->caused_by_reason);
		osp_buf_putc(b, '}');
	}
	if (trace)
		put_stack(b, e->type, e->reason);
}

void
dp_rest_error_json(osp_buf_t *out, const osp_err_t *e, bool error_trace)
{
	osp_buf_puts(out, "{\"error\":{\"root_cause\":[{");
	put_body(out, e, false, error_trace);
	osp_buf_puts(out, "}],");
	put_body(out, e, true, error_trace);
	osp_buf_printf(out, "},\"status\":%u}", e->status ? e->status : 500);
}

void
dp_rest_error_simple_json(osp_buf_t *out, uint16_t status, const char *msg)
{
	osp_buf_puts(out, "{\"error\":");
	put_str(out, msg);
	osp_buf_printf(out, ",\"status\":%u}", status);
}
