/*
 * ctl_coord_etcd.c - the `etcd` coordination backend: ctl_coord over etcd
 * v3's HTTP/JSON gateway (grpc-gateway) with libcurl.
 *
 * Unary calls (range, txn, lease grant/keepalive/revoke) are blocking POSTs
 * with short timeouts on one reused easy handle; on a transport error the
 * next endpoint of cluster.etcd.endpoints is tried once. Compare-and-swap is
 * a Txn: compare MOD(key) == expect (or CREATE(key) == 0 for "absent"),
 * success = the put/delete; "succeeded" absent means the compare failed
 * (-ECANCELED). Watches are streaming POSTs to /v3/watch driven without
 * blocking from poll() through a curl multi handle; the gateway writes one
 * JSON object per line, each carrying events. A broken watch stream is
 * re-created from the revision after the last event it delivered, so no
 * change is missed. Keys and values travel base64-encoded, int64s as
 * strings, as the gateway's JSON mapping of protobuf requires. The handle
 * belongs to the control loop thread.
 */
#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "osprey/json.h"

#include "ctl_coord.h"
#include "ctl_log.h"

#define ETCD_TIMEOUT_MS 5000
#define ETCD_CONNECT_MS 1000
#define ETCD_MAX_ENDPOINTS 8

/* One watch stream. */
typedef struct etcd_watch {
	int64_t id;
	char *prefix;
	ctl_coord_watch_cb cb;
	void *arg;
	int64_t next_rev;        /* start revision for a re-created stream */
	CURL *h;                 /* NULL while not running */
	osp_buf_t body;          /* request body (kept alive for curl) */
	osp_buf_t in;            /* bytes received, not yet a whole line */
	struct etcd_store *st;
} etcd_watch_t;

typedef struct etcd_store {
	ctl_coord_t base;
	char *endpoints[ETCD_MAX_ENDPOINTS];
	int n_endpoints, cur;
	CURL *h;
	CURLM *multi;
	osp_buf_t resp;
	int64_t rev;             /* highest header.revision seen */
	etcd_watch_t **w;
	size_t n_w;
	int64_t next_id;
} etcd_store_t;

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void
b64_put(osp_buf_t *out, const void *data, size_t n)
{
	const unsigned char *p = data;

	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16;

		if (i + 1 < n)
			v |= (uint32_t)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		osp_buf_putc(out, b64[(v >> 18) & 63]);
		osp_buf_putc(out, b64[(v >> 12) & 63]);
		osp_buf_putc(out, i + 1 < n ? b64[(v >> 6) & 63] : '=');
		osp_buf_putc(out, i + 2 < n ? b64[v & 63] : '=');
	}
}

static int
b64_get(osp_buf_t *out, const char *s, size_t n)
{
	uint32_t acc = 0;
	int bits = 0;

	for (size_t i = 0; i < n && s[i] != '='; i++) {
		const char *q = strchr(b64, s[i]);

		if (q == NULL || s[i] == '\0')
			return -EINVAL;
		acc = (acc << 6) | (uint32_t)(q - b64);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			osp_buf_putc(out, (char)((acc >> bits) & 0xff));
		}
	}
	return osp_buf_failed(out) ? -ENOMEM : 0;
}

/* Put a JSON string field holding base64 of data. */
static void
kv_b64(osp_jw_t *w, const char *key, const void *data, size_t n)
{
	osp_buf_t t = OSP_BUF_INIT;

	b64_put(&t, data, n);
	osp_jw_key(w, key);
	osp_jw_strn(w, t.data ? t.data : "", t.len);
	osp_buf_free(&t);
}

static void
kv_i64(osp_jw_t *w, const char *key, int64_t v)
{
	char num[24];

	snprintf(num, sizeof(num), "%lld", (long long)v);
	osp_jw_kv_str(w, key, num);
}

/* int64 sent as a JSON string (or number); 0 when absent. */
static int64_t
get_i64(const osp_json_t *v)
{
	if (osp_json_is(v, OSP_JSON_STRING))
		return strtoll(v->u.str, NULL, 10);
	if (osp_json_is(v, OSP_JSON_NUMBER))
		return v->i;
	return 0;
}

/* Range end covering every key with this prefix (etcd's prefix rule). */
static void
prefix_end(const char *prefix, osp_buf_t *out)
{
	size_t n = strlen(prefix);
	char *e = malloc(n + 1);

	if (e == NULL) {
		out->failed = 1;
		return;
	}
	memcpy(e, prefix, n + 1);
	while (n > 0) {
		if ((unsigned char)e[n - 1] < 0xff) {
			e[n - 1]++;
			break;
		}
		n--;
	}
	if (n == 0)
		osp_buf_putc(out, '\0');   /* whole keyspace: "\0" */
	else
		osp_buf_append(out, e, n);
	free(e);
}

static size_t
etcd_collect(char *p, size_t size, size_t nmemb, void *arg)
{
	osp_buf_t *b = arg;

	osp_buf_append(b, p, size * nmemb);
	return osp_buf_failed(b) ? 0 : size * nmemb;
}

/* POST body to path; parse the reply into *out (arena a). 0, -EIO
 * (transport or HTTP error), -ENOENT (etcd says not found), -EINVAL. */
static int
etcd_call(etcd_store_t *s, const char *path, const osp_buf_t *body, osp_arena_t *a,
	  osp_json_t **out)
{
	osp_json_error_t jerr;
	char url[512];
	long status = 0;
	CURLcode cc = CURLE_COULDNT_CONNECT;

	for (int attempt = 0; attempt < s->n_endpoints; attempt++) {
		osp_buf_clear(&s->resp);
		snprintf(url, sizeof(url), "%s%s", s->endpoints[s->cur], path);
		curl_easy_setopt(s->h, CURLOPT_URL, url);
		curl_easy_setopt(s->h, CURLOPT_POSTFIELDS, body->data);
		curl_easy_setopt(s->h, CURLOPT_POSTFIELDSIZE, (long)body->len);
		curl_easy_setopt(s->h, CURLOPT_WRITEFUNCTION, etcd_collect);
		curl_easy_setopt(s->h, CURLOPT_WRITEDATA, &s->resp);
		cc = curl_easy_perform(s->h);
		if (cc == CURLE_OK)
			break;
		ctl_log("etcd: %s: %s", url, curl_easy_strerror(cc));
		s->cur = (s->cur + 1) % s->n_endpoints;
	}
	if (cc != CURLE_OK)
		return -EIO;
	curl_easy_getinfo(s->h, CURLINFO_RESPONSE_CODE, &status);
	if (osp_json_parse(a, s->resp.data ? s->resp.data : "", s->resp.len, NULL, out, &jerr) != 0)
		return -EIO;
	if (status != 200) {
		const osp_json_t *m = osp_json_get(*out, "error");

		if (osp_json_is(m, OSP_JSON_STRING) && strstr(m->u.str, "not found"))
			return -ENOENT;
		ctl_log("etcd: %s: HTTP %ld: %.*s", path, status, (int)s->resp.len, s->resp.data);
		return -EIO;
	}
	int64_t rev = get_i64(osp_json_path(*out, "header.revision"));

	if (rev > s->rev)
		s->rev = rev;
	return 0;
}

static int
etcd_get(ctl_coord_t *c, const char *key, osp_buf_t *val, int64_t *rev)
{
	etcd_store_t *s = (etcd_store_t *)c;
	osp_buf_t body = OSP_BUF_INIT;
	osp_arena_t a;
	osp_json_t *r = NULL;
	osp_jw_t w;
	int rc;

	osp_arena_init(&a, 16384, 0);
	osp_jw_init(&w, &body, 0);
	osp_jw_obj_begin(&w);
	kv_b64(&w, "key", key, strlen(key));
	osp_jw_obj_end(&w);
	rc = etcd_call(s, "/v3/kv/range", &body, &a, &r);
	if (rc == 0) {
		const osp_json_t *kv = osp_json_at(osp_json_get(r, "kvs"), 0);
		const osp_json_t *v = osp_json_get(kv, "value");

		if (kv == NULL) {
			rc = -ENOENT;
		} else {
			osp_buf_clear(val);
			osp_buf_append(val, "", 0);
			rc = v ? b64_get(val, v->u.str, v->len) : 0;
			*rev = get_i64(osp_json_get(kv, "mod_revision"));
		}
	}
	osp_buf_free(&body);
	osp_arena_free(&a);
	return rc;
}

/* A Txn with one compare on key (expect as in ctl_coord.h) and one op. */
static int
etcd_txn(etcd_store_t *s, const char *key, int64_t expect, const void *val, size_t len,
	 int64_t lease, bool del, int64_t *new_rev)
{
	osp_buf_t body = OSP_BUF_INIT;
	osp_arena_t a;
	osp_json_t *r = NULL;
	osp_jw_t w;
	int rc;

	osp_arena_init(&a, 4096, 0);
	osp_jw_init(&w, &body, 0);
	osp_jw_obj_begin(&w);
	osp_jw_key(&w, "compare");
	osp_jw_arr_begin(&w);
	if (expect != CTL_COORD_ANY) {
		osp_jw_obj_begin(&w);
		osp_jw_kv_str(&w, "target", expect == CTL_COORD_ABSENT ? "CREATE" : "MOD");
		kv_b64(&w, "key", key, strlen(key));
		kv_i64(&w, expect == CTL_COORD_ABSENT ? "create_revision" : "mod_revision",
		       expect == CTL_COORD_ABSENT ? 0 : expect);
		osp_jw_kv_str(&w, "result", "EQUAL");
		osp_jw_obj_end(&w);
	}
	osp_jw_arr_end(&w);
	osp_jw_key(&w, "success");
	osp_jw_arr_begin(&w);
	osp_jw_obj_begin(&w);
	osp_jw_key(&w, del ? "request_delete_range" : "request_put");
	osp_jw_obj_begin(&w);
	kv_b64(&w, "key", key, strlen(key));
	if (!del) {
		kv_b64(&w, "value", val, len);
		if (lease)
			kv_i64(&w, "lease", lease);
	}
	osp_jw_obj_end(&w);
	osp_jw_obj_end(&w);
	osp_jw_arr_end(&w);
	osp_jw_obj_end(&w);
	rc = osp_buf_failed(&body) ? -ENOMEM : etcd_call(s, "/v3/kv/txn", &body, &a, &r);
	if (rc == 0) {
		const osp_json_t *ok = osp_json_get(r, "succeeded");

		if (!osp_json_is(ok, OSP_JSON_BOOL) || !ok->boolean)
			rc = -ECANCELED;
		else if (del && get_i64(osp_json_path(osp_json_at(osp_json_get(r, "responses"), 0),
						      "response_delete_range.deleted")) == 0)
			rc = -ENOENT;
		else if (new_rev)
			*new_rev = get_i64(osp_json_path(r, "header.revision"));
	}
	osp_buf_free(&body);
	osp_arena_free(&a);
	return rc;
}

static int
etcd_put(ctl_coord_t *c, const char *key, const void *val, size_t len,
	 int64_t expect, int64_t lease, int64_t *new_rev)
{
	return etcd_txn((etcd_store_t *)c, key, expect, val, len, lease, false, new_rev);
}

static int
etcd_del(ctl_coord_t *c, const char *key, int64_t expect)
{
	int rc = etcd_txn((etcd_store_t *)c, key, expect, NULL, 0, 0, true, NULL);

	return rc == -ECANCELED && expect <= 0 ? -ENOENT : rc;
}

/* One lease call: body {"ID":id} or {"TTL":ttl}. */
static int
etcd_lease_call(etcd_store_t *s, const char *path, const char *field, int64_t v,
		int64_t *id_out, int64_t *ttl_out)
{
	osp_buf_t body = OSP_BUF_INIT;
	osp_arena_t a;
	osp_json_t *r = NULL;
	int rc;

	osp_arena_init(&a, 4096, 0);
	osp_buf_printf(&body, "{\"%s\":\"%lld\"}", field, (long long)v);
	rc = etcd_call(s, path, &body, &a, &r);
	if (rc == 0) {
		const osp_json_t *res = osp_json_get(r, "result") ? osp_json_get(r, "result") : r;

		if (id_out)
			*id_out = get_i64(osp_json_get(res, "ID"));
		if (ttl_out)
			*ttl_out = get_i64(osp_json_get(res, "TTL"));
	}
	osp_buf_free(&body);
	osp_arena_free(&a);
	return rc;
}

static int
etcd_lease_grant(ctl_coord_t *c, int64_t ttl_ms, int64_t *id)
{
	int64_t ttl = 0;
	int rc;

	if (ttl_ms <= 0)
		return -EINVAL;
	rc = etcd_lease_call((etcd_store_t *)c, "/v3/lease/grant", "TTL",
			     (ttl_ms + 999) / 1000, id, &ttl);
	return rc == 0 && (*id == 0 || ttl <= 0) ? -EIO : rc;
}

static int
etcd_lease_keepalive(ctl_coord_t *c, int64_t id)
{
	int64_t ttl = 0;
	int rc = etcd_lease_call((etcd_store_t *)c, "/v3/lease/keepalive", "ID", id, NULL, &ttl);

	return rc == 0 && ttl <= 0 ? -ENOENT : rc;
}

static int
etcd_lease_revoke(ctl_coord_t *c, int64_t id)
{
	return etcd_lease_call((etcd_store_t *)c, "/v3/lease/revoke", "ID", id, NULL, NULL);
}

/* ---- watches ---- */

static void
watch_deliver(etcd_watch_t *wt, const char *line, size_t n)
{
	osp_arena_t a;
	osp_json_t *r = NULL;
	osp_json_error_t jerr;

	osp_arena_init(&a, 16384, 0);
	if (osp_json_parse(&a, line, n, NULL, &r, &jerr) == 0) {
		OSP_JSON_FOREACH(ev, osp_json_path(r, "result.events")) {
			const osp_json_t *kv = osp_json_get(ev, "kv");
			const osp_json_t *type = osp_json_get(ev, "type");
			const osp_json_t *k = osp_json_get(kv, "key"), *v = osp_json_get(kv, "value");
			osp_buf_t key = OSP_BUF_INIT, val = OSP_BUF_INIT;
			bool is_del = osp_json_is(type, OSP_JSON_STRING) &&
				      strcmp(type->u.str, "DELETE") == 0;
			ctl_coord_event_t e;

			if (!osp_json_is(k, OSP_JSON_STRING))
				continue;
			b64_get(&key, k->u.str, k->len);
			osp_buf_append(&key, "", 0);
			osp_buf_append(&val, "", 0);
			if (v && osp_json_is(v, OSP_JSON_STRING))
				b64_get(&val, v->u.str, v->len);
			e.key = key.data;
			e.value = is_del ? NULL : val.data;
			e.len = is_del ? 0 : val.len;
			e.mod_revision = get_i64(osp_json_get(kv, "mod_revision"));
			if (e.mod_revision >= wt->next_rev)
				wt->next_rev = e.mod_revision + 1;
			wt->cb(wt->arg, &e);
			osp_buf_free(&key);
			osp_buf_free(&val);
		}
	}
	osp_arena_free(&a);
}

static size_t
watch_write(char *p, size_t size, size_t nmemb, void *arg)
{
	etcd_watch_t *wt = arg;
	char *nl;

	osp_buf_append(&wt->in, p, size * nmemb);
	if (osp_buf_failed(&wt->in))
		return 0;
	while (wt->in.len && (nl = memchr(wt->in.data, '\n', wt->in.len)) != NULL) {
		size_t n = (size_t)(nl - wt->in.data);

		watch_deliver(wt, wt->in.data, n);
		memmove(wt->in.data, nl + 1, wt->in.len - n - 1);
		wt->in.len -= n + 1;
	}
	return size * nmemb;
}

static int
watch_start(etcd_store_t *s, etcd_watch_t *wt)
{
	osp_jw_t w;
	osp_buf_t end = OSP_BUF_INIT;
	char url[512];

	osp_buf_clear(&wt->body);
	osp_buf_clear(&wt->in);
	prefix_end(wt->prefix, &end);
	osp_jw_init(&w, &wt->body, 0);
	osp_jw_obj_begin(&w);
	osp_jw_key(&w, "create_request");
	osp_jw_obj_begin(&w);
	kv_b64(&w, "key", wt->prefix, strlen(wt->prefix));
	kv_b64(&w, "range_end", end.data ? end.data : "", end.len);
	kv_i64(&w, "start_revision", wt->next_rev);
	osp_jw_obj_end(&w);
	osp_jw_obj_end(&w);
	osp_buf_free(&end);
	if (osp_buf_failed(&wt->body))
		return -ENOMEM;
	wt->h = curl_easy_init();
	if (wt->h == NULL)
		return -ENOMEM;
	snprintf(url, sizeof(url), "%s/v3/watch", s->endpoints[s->cur]);
	curl_easy_setopt(wt->h, CURLOPT_URL, url);
	curl_easy_setopt(wt->h, CURLOPT_POSTFIELDS, wt->body.data);
	curl_easy_setopt(wt->h, CURLOPT_POSTFIELDSIZE, (long)wt->body.len);
	curl_easy_setopt(wt->h, CURLOPT_WRITEFUNCTION, watch_write);
	curl_easy_setopt(wt->h, CURLOPT_WRITEDATA, wt);
	curl_easy_setopt(wt->h, CURLOPT_PRIVATE, wt);
	curl_easy_setopt(wt->h, CURLOPT_CONNECTTIMEOUT_MS, (long)ETCD_CONNECT_MS);
	curl_easy_setopt(wt->h, CURLOPT_NOSIGNAL, 1L);
	curl_multi_add_handle(s->multi, wt->h);
	return 0;
}

static void
watch_stop(etcd_store_t *s, etcd_watch_t *wt)
{
	if (wt->h) {
		curl_multi_remove_handle(s->multi, wt->h);
		curl_easy_cleanup(wt->h);
		wt->h = NULL;
	}
}

static int
etcd_watch(ctl_coord_t *c, const char *prefix, ctl_coord_watch_cb cb, void *arg,
	   int64_t *id)
{
	etcd_store_t *s = (etcd_store_t *)c;
	etcd_watch_t *wt = calloc(1, sizeof(*wt));
	etcd_watch_t **p;
	int rc;

	if (wt == NULL || (wt->prefix = strdup(prefix)) == NULL ||
	    (p = realloc(s->w, (s->n_w + 1) * sizeof(*p))) == NULL) {
		if (wt)
			free(wt->prefix);
		free(wt);
		return -ENOMEM;
	}
	s->w = p;
	wt->id = ++s->next_id;
	wt->cb = cb;
	wt->arg = arg;
	wt->st = s;
	wt->next_rev = s->rev + 1;   /* changes after what we have seen */
	rc = watch_start(s, wt);
	if (rc != 0) {
		free(wt->prefix);
		free(wt);
		return rc;
	}
	s->w[s->n_w++] = wt;
	*id = wt->id;
	return 0;
}

static void
watch_free(etcd_store_t *s, etcd_watch_t *wt)
{
	watch_stop(s, wt);
	osp_buf_free(&wt->body);
	osp_buf_free(&wt->in);
	free(wt->prefix);
	free(wt);
}

static int
etcd_unwatch(ctl_coord_t *c, int64_t id)
{
	etcd_store_t *s = (etcd_store_t *)c;

	for (size_t i = 0; i < s->n_w; i++) {
		if (s->w[i]->id == id) {
			watch_free(s, s->w[i]);
			s->w[i] = s->w[--s->n_w];
			return 0;
		}
	}
	return -ENOENT;
}

static int
etcd_poll(ctl_coord_t *c, int64_t now_ms)
{
	etcd_store_t *s = (etcd_store_t *)c;
	CURLMsg *m;
	int running = 0, left;

	(void)now_ms;
	if (s->n_w == 0)
		return 0;
	curl_multi_perform(s->multi, &running);
	while ((m = curl_multi_info_read(s->multi, &left)) != NULL) {
		etcd_watch_t *wt = NULL;

		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&wt);
		if (wt == NULL)
			continue;
		/* The stream ended (etcd restart, compaction, network): resume. */
		watch_stop(s, wt);
		s->cur = (s->cur + 1) % s->n_endpoints;
		watch_start(s, wt);
	}
	return 0;
}

static int64_t
etcd_revision(ctl_coord_t *c)
{
	return ((etcd_store_t *)c)->rev;
}

static void
etcd_close(ctl_coord_t *c)
{
	etcd_store_t *s = (etcd_store_t *)c;

	for (size_t i = 0; i < s->n_w; i++)
		watch_free(s, s->w[i]);
	free(s->w);
	if (s->multi)
		curl_multi_cleanup(s->multi);
	if (s->h)
		curl_easy_cleanup(s->h);
	for (int i = 0; i < s->n_endpoints; i++)
		free(s->endpoints[i]);
	osp_buf_free(&s->resp);
	free(s);
}

static const ctl_coord_ops_t etcd_ops = {
	.name = "etcd",
	.get = etcd_get,
	.put = etcd_put,
	.del = etcd_del,
	.watch = etcd_watch,
	.unwatch = etcd_unwatch,
	.lease_grant = etcd_lease_grant,
	.lease_keepalive = etcd_lease_keepalive,
	.lease_revoke = etcd_lease_revoke,
	.poll = etcd_poll,
	.revision = etcd_revision,
	.close = etcd_close,
};

int
ctl_coord_etcd_open(const char *endpoints, ctl_coord_t **out)
{
	etcd_store_t *s = calloc(1, sizeof(*s));
	osp_buf_t body = OSP_BUF_INIT;
	osp_arena_t a;
	osp_json_t *r = NULL;
	char *list = NULL, *save = NULL;
	int rc = -ENOMEM;

	osp_arena_init(&a, 4096, 0);
	if (s == NULL)
		goto cleanup;
	s->base.ops = &etcd_ops;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	list = strdup(endpoints ? endpoints : "");
	if (list == NULL)
		goto cleanup;
	for (char *t = strtok_r(list, ",", &save); t && s->n_endpoints < ETCD_MAX_ENDPOINTS;
	     t = strtok_r(NULL, ",", &save)) {
		size_t n = strlen(t);

		while (n && t[n - 1] == '/')
			t[--n] = '\0';
		s->endpoints[s->n_endpoints] = strncmp(t, "http", 4) == 0 ? strdup(t) : NULL;
		if (s->endpoints[s->n_endpoints] == NULL &&
		    asprintf(&s->endpoints[s->n_endpoints], "http://%s", t) < 0)
			goto cleanup;
		s->n_endpoints++;
	}
	rc = -EINVAL;
	if (s->n_endpoints == 0)
		goto cleanup;
	rc = -ENOMEM;
	s->h = curl_easy_init();
	s->multi = curl_multi_init();
	if (s->h == NULL || s->multi == NULL)
		goto cleanup;
	curl_easy_setopt(s->h, CURLOPT_TIMEOUT_MS, (long)ETCD_TIMEOUT_MS);
	curl_easy_setopt(s->h, CURLOPT_CONNECTTIMEOUT_MS, (long)ETCD_CONNECT_MS);
	curl_easy_setopt(s->h, CURLOPT_NOSIGNAL, 1L);
	/* Reach the cluster once so a wrong endpoint fails at start. */
	osp_buf_puts(&body, "{\"key\":\"AA==\"}");
	rc = etcd_call(s, "/v3/kv/range", &body, &a, &r);
cleanup:
	free(list);
	osp_buf_free(&body);
	osp_arena_free(&a);
	if (rc != 0) {
		if (s)
			etcd_close(&s->base);
		return rc;
	}
	*out = &s->base;
	return 0;
}
