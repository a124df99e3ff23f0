/*
 * analyzer.c - running an analyzer: the built-in analyzers, the per-thread
 * context and the token stream (tokenizer -> filters -> callback).
 *
 * Positions follow Lucene's indexing chain: a value starts at the previous
 * value's last position, every emitted token adds its increment (1 plus the
 * tokens a filter removed before it), and removed trailing tokens still
 * advance the position for the next value. Offsets come from the tokenizer,
 * optionally converted to UTF-16 code units with a forward-only cursor (the
 * tokenizers hand out non-decreasing offsets). The context's scratch buffers
 * grow to the longest token seen and are then reused: no per-token malloc.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libstemmer.h>

#include "analysis_int.h"

const char *
st_token_type_name(st_token_type_t t)
{
	static const char *const names[] = {
		[ST_TOK_ALPHANUM] = "<ALPHANUM>", [ST_TOK_NUM] = "<NUM>",
		[ST_TOK_SOUTHEAST_ASIAN] = "<SOUTHEAST_ASIAN>",
		[ST_TOK_IDEOGRAPHIC] = "<IDEOGRAPHIC>", [ST_TOK_HIRAGANA] = "<HIRAGANA>",
		[ST_TOK_KATAKANA] = "<KATAKANA>", [ST_TOK_HANGUL] = "<HANGUL>",
		[ST_TOK_EMOJI] = "<EMOJI>", [ST_TOK_WORD] = "word",
	};

	if ((unsigned)t >= sizeof(names) / sizeof(names[0]))
		return "word";
	return names[t];
}

/* ---- built-in analyzers ---- */

static const st_filtdef_t *const f_lower[] = { &st_filt_lowercase };
static const st_filtdef_t *const f_stop[] = { &st_filt_lowercase, &st_filt_stop_english };
static const st_filtdef_t *const f_english[] = {
	&st_filt_possessive, &st_filt_lowercase, &st_filt_stop_english, &st_filt_porter,
};

static const struct st_analyzer builtins[] = {
	{ .name = "standard", .tok = { "standard", ST_TK_STANDARD, 255 },
	  .filters = f_lower, .n_filters = 1 },
	{ .name = "simple", .tok = { "letter", ST_TK_LETTER, 255 },
	  .filters = f_lower, .n_filters = 1 },
	{ .name = "whitespace", .tok = { "whitespace", ST_TK_WHITESPACE, 255 } },
	{ .name = "keyword", .tok = { "keyword", ST_TK_KEYWORD, 0 } },
	{ .name = "stop", .tok = { "letter", ST_TK_LETTER, 255 },
	  .filters = f_stop, .n_filters = 2 },
	{ .name = "english", .tok = { "standard", ST_TK_STANDARD, 255 },
	  .filters = f_english, .n_filters = 4 },
};

const st_analyzer_t *
st_analyzer_builtin(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++)
		if (strlen(builtins[i].name) == len && memcmp(builtins[i].name, name, len) == 0)
			return &builtins[i];
	return NULL;
}

int32_t
st_analyzer_position_increment_gap(const st_analyzer_t *an)
{
	return an->pig_set ? an->pig : 100;
}

const char *
st_analyzer_name(const st_analyzer_t *an)
{
	return an->name;
}

/* ---- context ---- */

int
st_analysis_ctx_create(st_analysis_ctx_t **out)
{
	st_analysis_ctx_t *ctx = calloc(1, sizeof(*ctx));

	if (ctx == NULL)
		return -ENOMEM;
	if (st_ctx_reserve(ctx, 256) < 0) {
		st_analysis_ctx_free(ctx);
		return -ENOMEM;
	}
	*out = ctx;
	return 0;
}

void
st_analysis_ctx_free(st_analysis_ctx_t *ctx)
{
	if (ctx == NULL)
		return;
	for (uint32_t i = 0; i < ctx->n_stem; i++)
		sb_stemmer_delete(ctx->stem[i].sb);
	free(ctx->stem_cache);
	free(ctx->gram);
	free(ctx->gram_off);
	free(ctx->term);
	free(ctx->tmp);
	for (int i = 0; i < 2; i++) {
		free(ctx->cf_text[i]);
		free(ctx->cf_map[i]);
	}
	free(ctx->uniq_slots);
	free(ctx->uniq_off);
	free(ctx->uniq_bytes);
	free(ctx);
}

/* ---- running ---- */

/* Forward-only byte -> UTF-16 offset converter. */
typedef struct u16cur {
	const uint8_t *s;
	size_t len;
	size_t b;
	uint32_t u;
} u16cur_t;

static uint32_t
u16_at(u16cur_t *c, size_t byte)
{
	if (byte < c->b) {
		c->b = 0;
		c->u = 0;
	}
	while (c->b < byte && c->b < c->len) {
		int32_t cp;

		c->b += st_utf8_decode(c->s, c->len, c->b, &cp);
		c->u += cp >= 0x10000 ? 2 : 1;
	}
	return c->u;
}

/* One st_analyze call's emission state: position bookkeeping as Lucene's
 * indexing chain does it (pending = increment the next emitted token
 * carries; removed tokens leave theirs pending). */
typedef struct emit {
	st_analyze_pos_t *pos;
	int32_t position;
	int32_t pending;
	u16cur_t *u16;
	unsigned flags;
	const st_rawtok_t *rt;
	const uint32_t *map;       /* char-filtered byte -> input byte, or NULL */
	st_token_cb cb;
	void *arg;
} emit_t;

static int
emit_token(st_analysis_ctx_t *ctx, uint32_t tl, emit_t *e)
{
	st_token_t tok = {
		.term = ctx->term,
		.len = tl,
		.type = e->rt->type,
	};

	if (e->pending > 0)
		e->pos->length++;          /* overlapping tokens do not count for norms */
	e->position += e->pending;
	e->pending = 0;
	tok.position = e->position;
	size_t start = e->map ? e->map[e->rt->start] : e->rt->start;
	size_t end = e->map ? e->map[e->rt->end] : e->rt->end;

	if (e->flags & ST_ANALYZE_UTF16) {
		tok.start_offset = e->pos->offset + u16_at(e->u16, start);
		tok.end_offset = e->pos->offset + u16_at(e->u16, end);
	} else {
		tok.start_offset = e->pos->offset + (uint32_t)start;
		tok.end_offset = e->pos->offset + (uint32_t)end;
	}
	return e->cb(e->arg, &tok);
}

static int chain(st_analysis_ctx_t *ctx, const st_analyzer_t *an, uint32_t i, uint32_t tl, emit_t *e);

/* (edge_)ngram filter at index i: every gram of ctx->term goes through the
 * rest of the chain; the first carries the token's increment, the others
 * stand at the same position with the token's offsets (Lucene 4.4+). */
static int
ngrams(st_analysis_ctx_t *ctx, const st_analyzer_t *an, uint32_t i, uint32_t tl, emit_t *e)
{
	const st_filtdef_t *f = an->filters[i];
	uint32_t ncp = 0;
	int rc = 0;

	if (tl + 1 > ctx->gram_cap) {
		size_t cap = (size_t)tl + 64;
		char *g = realloc(ctx->gram, cap);
		uint32_t *o = realloc(ctx->gram_off, sizeof(*o) * cap);

		if (g)
			ctx->gram = g;
		if (o)
			ctx->gram_off = o;
		if (g == NULL || o == NULL)
			return -ENOMEM;
		ctx->gram_cap = cap;
	}
	memcpy(ctx->gram, ctx->term, tl);
	for (uint32_t k = 0; k < tl; k++)
		if (((uint8_t)ctx->gram[k] & 0xC0) != 0x80)
			ctx->gram_off[ncp++] = k;
	ctx->gram_off[ncp] = tl;
	uint32_t starts = f->kind == ST_TF_EDGE_NGRAM ? (ncp ? 1 : 0) : ncp;

	for (uint32_t st = 0; st < starts && rc == 0; st++) {
		for (uint32_t n = f->min; n <= f->max && st + n <= ncp && rc == 0; n++) {
			uint32_t from = ctx->gram_off[st], to = ctx->gram_off[st + n];

			memcpy(ctx->term, ctx->gram + from, to - from);
			ctx->keyword = false;
			rc = chain(ctx, an, i + 1, to - from, e);
		}
	}
	return rc;
}

/* Run filters i.. on ctx->term and emit what survives. */
static int
chain(st_analysis_ctx_t *ctx, const st_analyzer_t *an, uint32_t i, uint32_t tl, emit_t *e)
{
	for (; i < an->n_filters; i++) {
		const st_filtdef_t *f = an->filters[i];

		if (f->kind == ST_TF_NGRAM || f->kind == ST_TF_EDGE_NGRAM)
			return ngrams(ctx, an, i, tl, e);
		int keep = st_filter_apply(ctx, f, &tl);

		if (keep <= 0)
			return keep;       /* removed: its increment stays pending */
	}
	return emit_token(ctx, tl, e);
}

int
st_analyze(st_analysis_ctx_t *ctx, const st_analyzer_t *an, const char *text,
	   size_t len, unsigned flags, st_analyze_pos_t *pos, st_token_cb cb,
	   void *arg)
{
	st_analyze_pos_t local = ST_ANALYZE_POS_INIT;
	st_tokcur_t cur;
	st_rawtok_t rt;
	u16cur_t u16 = { (const uint8_t *)text, len, 0, 0 };
	emit_t e = { .u16 = &u16, .flags = flags, .rt = &rt, .cb = cb, .arg = arg };
	int rc = 0;

	const char *src = text;
	size_t slen = len;

	if (pos == NULL)
		pos = &local;
	e.pos = pos;
	e.position = pos->position;
	if (an->n_char_filters &&
	    (rc = st_charfilter_run(ctx, an, text, len, &src, &slen, &e.map)) < 0)
		return rc;
	/* the unique filter remembers terms within one value */
	if (ctx->uniq_n)
		memset(ctx->uniq_slots, 0, ctx->uniq_cap * sizeof(*ctx->uniq_slots));
	ctx->uniq_n = ctx->uniq_bytes_len = 0;
	ctx->uniq_pos = INT32_MIN;
	st_tokcur_init(&cur, &an->tok, src, slen);
	while (rc == 0 && st_tokcur_next(&cur, &rt)) {
		uint32_t tl = (uint32_t)(rt.end - rt.start);

		if (st_ctx_reserve(ctx, (size_t)tl + 8) < 0)
			return -ENOMEM;
		memcpy(ctx->term, src + rt.start, tl);
		ctx->keyword = false;
		e.pending++;
		ctx->cur_position = e.position + e.pending;
		if (an->tok.kind == ST_TK_LOWERCASE) {
			int keep = st_filter_apply(ctx, &st_filt_lowercase, &tl);

			if (keep < 0)
				return keep;
		}
		rc = chain(ctx, an, 0, tl, &e);     /* errors and callback stops end the loop */
	}
	/* Lucene: end() carries the increments of removed trailing tokens. */
	pos->position = e.position + e.pending;
	pos->offset += (flags & ST_ANALYZE_UTF16) ? u16_at(&u16, len) : (uint32_t)len;
	return rc;
}

void
st_analyze_pos_next_value(st_analyze_pos_t *pos, int32_t position_increment_gap)
{
	pos->position += position_increment_gap;
	pos->offset += 1;
}

/* Collector for st_analyze_to_arena. */
typedef struct collect {
	osp_arena_t *a;
	st_token_t **toks;
	uint32_t *n, *cap;
} collect_t;

static int
collect_cb(void *arg, const st_token_t *tok)
{
	collect_t *c = arg;

	if (*c->n == *c->cap) {
		uint32_t ncap = *c->cap ? *c->cap * 2 : 16;
		st_token_t *nt = osp_arena_alloc(c->a, sizeof(*nt) * ncap);

		if (nt == NULL)
			return -ENOMEM;
		if (*c->n)
			memcpy(nt, *c->toks, sizeof(*nt) * *c->n);
		*c->toks = nt;
		*c->cap = ncap;
	}
	st_token_t *t = &(*c->toks)[(*c->n)++];
	char *term = osp_arena_strndup(c->a, tok->term, tok->len);

	if (term == NULL)
		return -ENOMEM;
	*t = *tok;
	t->term = term;
	return 0;
}

int
st_analyze_to_arena(st_analysis_ctx_t *ctx, const st_analyzer_t *an,
		    const char *text, size_t len, unsigned flags,
		    st_analyze_pos_t *pos, osp_arena_t *a, st_token_t **toks,
		    uint32_t *n, uint32_t *cap)
{
	collect_t c = { a, toks, n, cap };

	return st_analyze(ctx, an, text, len, flags, pos, collect_cb, &c);
}
