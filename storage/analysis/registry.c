/*
 * registry.c - an index's analysis registry built from its "analysis"
 * settings: custom analyzers, tokenizers and token filters, plus ad-hoc
 * analyzers for the _analyze API.
 *
 * Everything a registry holds (names, stop sets, filter arrays) is
 * allocated from the registry's own arena and freed with it; after
 * st_analysis_create returns nothing changes, so every core may read it.
 * Lookups are linear: an index defines a handful of components. Errors are
 * worded as Elasticsearch's AnalysisRegistry words them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libstemmer.h>

#include "analysis_int.h"

/* The registry: arrays of custom components in one arena. */
struct st_analysis {
	osp_arena_t arena;
	st_analyzer_t **analyzers;
	uint32_t n_analyzers;
	st_tokdef_t **tokenizers;
	uint32_t n_tokenizers;
	st_filtdef_t **filters;
	uint32_t n_filters;
	st_analyzer_t **normalizers;
	uint32_t n_normalizers;
	st_cfdef_t **char_filters;
	uint32_t n_char_filters;
	st_regex_t *regexes;         /* compiled patterns, freed with the registry */
};

static const st_filtdef_t *const norm_lower_filters[] = { &st_filt_lowercase };
static const struct st_analyzer norm_lowercase = {
	.name = "lowercase", .tok = { .name = "keyword", .kind = ST_TK_KEYWORD },
	.filters = norm_lower_filters, .n_filters = 1,
};
static const st_tokdef_t tok_keyword = { .name = "keyword", .kind = ST_TK_KEYWORD };
static const st_filtdef_t filt_unique = { .name = "unique", .kind = ST_TF_UNIQUE };

static const st_filtdef_t filt_snowball = { .name = "snowball", .kind = ST_TF_STEM, .algo = "english" };
static const st_filtdef_t filt_stemmer = { .name = "stemmer", .kind = ST_TF_STEM, .algo = "porter" };

/* Built-in filters by name. */
static const st_filtdef_t *const builtin_filts[] = {
	&st_filt_lowercase, &st_filt_uppercase, &st_filt_stop_english, &st_filt_porter,
	&st_filt_asciifolding, &st_filt_trim, &filt_snowball, &filt_stemmer, &filt_unique,
};

static bool
name_eq(const char *a, const char *b, size_t blen)
{
	return strlen(a) == blen && memcmp(a, b, blen) == 0;
}

/* Stemmer languages: Elasticsearch name -> libstemmer algorithm. Only the
 * languages Elasticsearch implements with Porter/Snowball are listed. */
static const struct {
	const char *es, *algo;
} stem_langs[] = {
	{ "english", "porter" }, { "porter", "porter" }, { "porter2", "english" },
	{ "armenian", "armenian" }, { "basque", "basque" }, { "catalan", "catalan" },
	{ "danish", "danish" }, { "dutch", "dutch" }, { "finnish", "finnish" },
	{ "german2", "german" }, { "hungarian", "hungarian" }, { "irish", "irish" },
	{ "lithuanian", "lithuanian" }, { "norwegian", "norwegian" },
	{ "romanian", "romanian" }, { "russian", "russian" },
	{ "swedish", "swedish" }, { "turkish", "turkish" },
};

/* The snowball filter takes any libstemmer algorithm ("English", "French"). */
static const char *
lookup_snowball(const char *lang, size_t n)
{
	char low[32];

	if (n >= sizeof(low))
		return NULL;
	for (size_t i = 0; i < n; i++)
		low[i] = (char)((lang[i] >= 'A' && lang[i] <= 'Z') ? lang[i] + 32 : lang[i]);
	for (const char **l = sb_stemmer_list(); *l; l++)
		if (name_eq(*l, low, n))
			return *l;
	return NULL;
}

static const char *
lookup_stem_algo(const char *lang, size_t n)
{
	char low[32];

	if (n >= sizeof(low))
		return NULL;
	for (size_t i = 0; i < n; i++)
		low[i] = (char)((lang[i] >= 'A' && lang[i] <= 'Z') ? lang[i] + 32 : lang[i]);
	for (size_t i = 0; i < sizeof(stem_langs) / sizeof(stem_langs[0]); i++)
		if (name_eq(stem_langs[i].es, low, n))
			return stem_langs[i].algo;
	return NULL;
}

static const st_tokdef_t *
find_tok(const st_analysis_t *reg, const char *name, size_t n)
{
	for (uint32_t i = 0; reg && i < reg->n_tokenizers; i++)
		if (name_eq(reg->tokenizers[i]->name, name, n))
			return reg->tokenizers[i];
	return st_tokdef_builtin(name, n);
}

static const st_cfdef_t *
find_cf(const st_analysis_t *reg, const char *name, size_t n)
{
	for (uint32_t i = 0; reg && i < reg->n_char_filters; i++)
		if (name_eq(reg->char_filters[i]->name, name, n))
			return reg->char_filters[i];
	return st_charfilter_builtin(name, n);
}

static const st_filtdef_t *
find_filt(const st_analysis_t *reg, const char *name, size_t n)
{
	for (uint32_t i = 0; reg && i < reg->n_filters; i++)
		if (name_eq(reg->filters[i]->name, name, n))
			return reg->filters[i];
	for (size_t i = 0; i < sizeof(builtin_filts) / sizeof(builtin_filts[0]); i++)
		if (name_eq(builtin_filts[i]->name, name, n))
			return builtin_filts[i];
	return NULL;
}

const st_analyzer_t *
st_analysis_get(const st_analysis_t *reg, const char *name, size_t len)
{
	for (uint32_t i = 0; reg && i < reg->n_analyzers; i++)
		if (name_eq(reg->analyzers[i]->name, name, len))
			return reg->analyzers[i];
	if (name_eq("default", name, len))
		return st_analyzer_builtin("standard", 8);
	return st_analyzer_builtin(name, len);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Read "stopwords" (string or array) into f; absent -> dflt. */
static int
parse_stopwords(osp_arena_t *a, const osp_json_t *v, bool ignore_case,
		const char *dflt, st_filtdef_t *f, osp_err_t *err)
{
	const char *single = dflt;

	if (v && v->type == OSP_JSON_STRING)
		single = v->u.str;
	if (v == NULL || v->type == OSP_JSON_STRING) {
		if (strcmp(single, "_english_") == 0) {
			f->words = st_english_stop_words;
			f->n_words = st_english_stop_words_n;
		} else if (strcmp(single, "_none_") == 0) {
			f->words = NULL;
			f->n_words = 0;
		} else if (v && single[0] != '_') {
			goto one_word;
		} else {
			return osp_err_illegal_argument(err, "Unknown stopwords list [%s]", single);
		}
		return 0;
	}
	if (v->type != OSP_JSON_ARRAY)
		return osp_err_illegal_argument(err, "stopwords must be a string or an array of strings");
	const char **w = osp_arena_alloc(a, sizeof(*w) * (v->len ? v->len : 1));
	uint32_t n = 0;

	if (w == NULL)
		return -ENOMEM;
	ST_JSON_EACH(x, v) {
		if (x->type != OSP_JSON_STRING)
			return osp_err_illegal_argument(err, "stopwords must be a string or an array of strings");
		char *s = osp_arena_strndup(a, x->u.str, x->len);

		if (s == NULL)
			return -ENOMEM;
		if (ignore_case)
			for (char *p = s; *p; p++)
				if (*p >= 'A' && *p <= 'Z')
					*p = (char)(*p + 32);
		w[n++] = s;
	}
	qsort(w, n, sizeof(*w), cmp_str);
	f->words = w;
	f->n_words = n;
	return 0;
one_word:
	w = osp_arena_alloc(a, sizeof(*w));
	if (w == NULL)
		return -ENOMEM;
	w[0] = osp_arena_strndup(a, single, strlen(single));
	if (w[0] == NULL)
		return -ENOMEM;
	f->words = w;
	f->n_words = 1;
	return 0;
}

bool
st_def_bool(const osp_json_t *def, const char *key, bool dflt)
{
	const osp_json_t *v = osp_json_get(def, key);

	if (v && v->type == OSP_JSON_BOOL)
		return v->boolean;
	if (v && v->type == OSP_JSON_STRING)
		return strcmp(v->u.str, "true") == 0 ? true : strcmp(v->u.str, "false") == 0 ? false : dflt;
	return dflt;
}

int
st_def_uint(const osp_json_t *def, const char *key, uint32_t dflt, uint32_t *out, osp_err_t *err)
{
	const osp_json_t *v = osp_json_get(def, key);

	*out = dflt;
	if (v == NULL)
		return 0;
	if (v->type == OSP_JSON_NUMBER && v->is_int && v->i >= 0 && v->i <= INT32_MAX) {
		*out = (uint32_t)v->i;
		return 0;
	}
	if (v->type == OSP_JSON_STRING) {
		char *end;
		long x = strtol(v->u.str, &end, 10);

		if (*end == '\0' && end != v->u.str && x >= 0 && x <= INT32_MAX) {
			*out = (uint32_t)x;
			return 0;
		}
	}
	return osp_err_illegal_argument(err, "Failed to parse value for setting [%s]", key);
}

/* Build a filter description from {"type":..., ...}. */
static int
build_filter(osp_arena_t *a, const char *name, const osp_json_t *def,
	     const st_filtdef_t **out, osp_err_t *err)
{
	const osp_json_t *t = osp_json_get(def, "type");
	st_filtdef_t *f = osp_arena_calloc(a, sizeof(*f));
	int rc;

	if (f == NULL)
		return -ENOMEM;
	if (!osp_json_is(t, OSP_JSON_STRING))
		return osp_err_illegal_argument(err, "filter [%s] must have a type associated with it", name);
	f->name = name;
	const char *ty = t->u.str;

	if (strcmp(ty, "lowercase") == 0) {
		f->kind = ST_TF_LOWERCASE;
	} else if (strcmp(ty, "uppercase") == 0) {
		f->kind = ST_TF_UPPERCASE;
	} else if (strcmp(ty, "asciifolding") == 0) {
		if (st_def_bool(def, "preserve_original", false))
			return osp_err_illegal_argument(err, "[preserve_original] is not supported by filter [%s]", name);
		f->kind = ST_TF_ASCIIFOLDING;
	} else if (strcmp(ty, "trim") == 0) {
		f->kind = ST_TF_TRIM;
	} else if (strcmp(ty, "porter_stem") == 0) {
		f->kind = ST_TF_STEM;
		f->algo = "porter";
	} else if (strcmp(ty, "unique") == 0) {
		f->kind = ST_TF_UNIQUE;
		f->same_position = st_def_bool(def, "only_on_same_position", false);
	} else if (strcmp(ty, "stop") == 0) {
		f->kind = ST_TF_STOP;
		f->ignore_case = st_def_bool(def, "ignore_case", false);
		rc = parse_stopwords(a, osp_json_get(def, "stopwords"), f->ignore_case,
				     "_english_", f, err);
		if (rc < 0)
			return rc;
	} else if (strcmp(ty, "stemmer") == 0 || strcmp(ty, "snowball") == 0) {
		const osp_json_t *l = osp_json_get(def, "language");
		bool snow = ty[1] == 'n';

		if (l == NULL)
			l = osp_json_get(def, "name");
		if (l && l->type != OSP_JSON_STRING)
			return osp_err_illegal_argument(err, "[language] must be a string");
		const char *lang = l ? l->u.str : (snow ? "English" : "english");
		size_t ll = strlen(lang);

		if (!snow && strcmp(lang, "possessive_english") == 0) {
			f->kind = ST_TF_POSSESSIVE;
		} else {
			f->kind = ST_TF_STEM;
			f->algo = snow ? lookup_snowball(lang, ll) : lookup_stem_algo(lang, ll);
			if (f->algo == NULL)
				return osp_err_illegal_argument(err, "Unknown stemmer language [%s] for [%s]", lang, name);
		}
	} else if (strcmp(ty, "ngram") == 0 || strcmp(ty, "nGram") == 0 ||
		   strcmp(ty, "edge_ngram") == 0 || strcmp(ty, "edgeNGram") == 0) {
		bool edge = ty[0] == 'e';

		f->kind = edge ? ST_TF_EDGE_NGRAM : ST_TF_NGRAM;
		if ((rc = st_def_uint(def, "min_gram", 1, &f->min, err)) < 0 ||
		    (rc = st_def_uint(def, "max_gram", 2, &f->max, err)) < 0)
			return rc;
		if (st_def_bool(def, "preserve_original", false))
			return osp_err_illegal_argument(err, "[preserve_original] is not supported by filter [%s]", name);
		if (f->min < 1 || f->min > f->max)
			return osp_err_illegal_argument(err, "[min_gram] must be at least 1 and not larger than [max_gram] "
							"in filter [%s]", name);
		if (!edge && f->max - f->min > 1)
			return osp_err_illegal_argument(err, "The difference between max_gram and min_gram in NGram "
							"Tokenizer must be less than or equal to: [1] but was [%u]. This "
							"limit can be set by changing the [index.max_ngram_diff] index "
							"level setting.", f->max - f->min);
	} else if (strcmp(ty, "keyword_marker") == 0) {
		const osp_json_t *kw = osp_json_get(def, "keywords");

		f->kind = ST_TF_KEYWORD_MARKER;
		f->ignore_case = st_def_bool(def, "ignore_case", false);
		if (kw == NULL)
			return osp_err_illegal_argument(err, "keyword filter requires either `keywords`, `keywords_path`, "
							"or `keywords_pattern` to be configured");
		if ((rc = parse_stopwords(a, kw, f->ignore_case, "_none_", f, err)) < 0)
			return rc;
	} else if (strcmp(ty, "length") == 0) {
		f->kind = ST_TF_LENGTH;
		if ((rc = st_def_uint(def, "min", 0, &f->min, err)) < 0 ||
		    (rc = st_def_uint(def, "max", INT32_MAX, &f->max, err)) < 0)
			return rc;
	} else {
		return osp_err_illegal_argument(err, "Unknown filter type [%s] for [%s]", ty, name);
	}
	*out = f;
	return 0;
}

/* An analyzer from {"type":..., "tokenizer":..., "filter":[...]}; reg
 * resolves names (it may be partially built). */
/* "char_filter" (a name, an inline definition or an array of them) into
 * an->char_filters; who says which error: 0 custom analyzer, 1 _analyze,
 * 2 normalizer. */
static int
resolve_char_filters(osp_arena_t *a, const st_analysis_t *reg, const char *name,
		     const osp_json_t *cf, int who, st_analyzer_t *an, osp_err_t *err)
{
	uint32_t n = 0, cap = cf ? (cf->type == OSP_JSON_ARRAY ? cf->len : 1) : 0;
	const st_cfdef_t **l;
	int rc;

	if (cap == 0)
		return 0;
	l = osp_arena_calloc(a, sizeof(*l) * cap);
	if (l == NULL)
		return -ENOMEM;
	for (const osp_json_t *x = cf->type == OSP_JSON_ARRAY ? cf->u.child : cf; x;
	     x = cf->type == OSP_JSON_ARRAY ? x->next : NULL) {
		const st_cfdef_t *c = NULL;

		if (x->type == OSP_JSON_OBJECT) {
			if ((rc = st_charfilter_build(a, "_anonymous_charfilter", x, &c, err)) < 0)
				return rc;
		} else if (x->type == OSP_JSON_STRING) {
			c = find_cf(reg, x->u.str, x->len);
		}
		if (c == NULL) {
			const char *cn = x->type == OSP_JSON_STRING ? x->u.str : "?";

			if (who == 1)
				return osp_err_illegal_argument(err, reg ? "failed to find char_filter under [%s]" :
								"failed to find global char_filter under [%s]", cn);
			return osp_err_illegal_argument(err, who == 2 ?
							"Custom normalizer [%s] failed to find char_filter under name [%s]" :
							"Custom Analyzer [%s] failed to find char_filter under name [%s]",
							name, cn);
		}
		l[n++] = c;
	}
	an->char_filters = l;
	an->n_char_filters = n;
	return 0;
}

static int
build_analyzer(osp_arena_t *a, const st_analysis_t *reg, st_regex_t **regexes,
	       const char *name, const osp_json_t *def, bool adhoc, st_analyzer_t **out,
	       osp_err_t *err)
{
	const osp_json_t *t = osp_json_get(def, "type");
	const osp_json_t *tok = osp_json_get(def, "tokenizer");
	const osp_json_t *filt = osp_json_get(def, "filter");
	st_analyzer_t *an = osp_arena_calloc(a, sizeof(*an));
	int rc;

	if (an == NULL)
		return -ENOMEM;
	an->name = name;
	if (t && t->type != OSP_JSON_STRING)
		return osp_err_illegal_argument(err, "analyzer [%s] must specify either an analyzer type, or a tokenizer", name);
	if (t && strcmp(t->u.str, "custom") != 0) {
		const st_analyzer_t *b = st_analyzer_builtin(t->u.str, t->len);

		if (b == NULL)
			return osp_err_illegal_argument(err, "Unknown analyzer type [%s] for [%s]", t->u.str, name);
		*an = *b;
		an->name = name;
		an->own = NULL;
		/* configurable built-ins: max_token_length, stopwords */
		if (an->tok.kind == ST_TK_STANDARD &&
		    (rc = st_def_uint(def, "max_token_length", 255, &an->tok.max_token_length, err)) < 0)
			return rc;
		const osp_json_t *sw = osp_json_get(def, "stopwords");
		bool has_stop = strcmp(b->name, "stop") == 0 || strcmp(b->name, "english") == 0;

		if (sw && (has_stop || strcmp(b->name, "standard") == 0)) {
			st_filtdef_t *sf = osp_arena_calloc(a, sizeof(*sf));
			const st_filtdef_t **fl = osp_arena_calloc(a, sizeof(*fl) * 4);

			if (sf == NULL || fl == NULL)
				return -ENOMEM;
			sf->name = "stop";
			sf->kind = ST_TF_STOP;
			if ((rc = parse_stopwords(a, sw, false, "_none_", sf, err)) < 0)
				return rc;
			uint32_t n = 0;

			for (uint32_t i = 0; i < b->n_filters; i++)
				if (b->filters[i]->kind != ST_TF_STOP)
					fl[n++] = b->filters[i];
			/* stop goes after lowercase, before the stemmer */
			uint32_t at = n;

			for (uint32_t i = 0; i < n; i++)
				if (fl[i]->kind == ST_TF_STEM)
					at = i;
			memmove(&fl[at + 1], &fl[at], sizeof(*fl) * (n - at));
			fl[at] = sf;
			an->filters = fl;
			an->n_filters = n + 1;
		}
		const osp_json_t *se = osp_json_get(def, "stem_exclusion");

		if (se && strcmp(b->name, "english") == 0) {
			st_filtdef_t *kf = osp_arena_calloc(a, sizeof(*kf));
			const st_filtdef_t **nfl = osp_arena_calloc(a, sizeof(*nfl) * (an->n_filters + 1));
			uint32_t n = 0;

			if (kf == NULL || nfl == NULL)
				return -ENOMEM;
			kf->name = "keyword_marker";
			kf->kind = ST_TF_KEYWORD_MARKER;
			if ((rc = parse_stopwords(a, se, false, "_none_", kf, err)) < 0)
				return rc;
			for (uint32_t i = 0; i < an->n_filters; i++) {
				if (an->filters[i]->kind == ST_TF_STEM)
					nfl[n++] = kf;      /* Lucene: SetKeywordMarkerFilter before the stemmer */
				nfl[n++] = an->filters[i];
			}
			an->filters = nfl;
			an->n_filters = n;
		}
		*out = an;
		return 0;
	}
	if ((rc = resolve_char_filters(a, reg, name, osp_json_get(def, "char_filter"),
				       adhoc ? 1 : 0, an, err)) < 0)
		return rc;
	if (osp_json_get(def, "position_increment_gap")) {
		uint32_t g;

		if ((rc = st_def_uint(def, "position_increment_gap", 100, &g, err)) < 0)
			return rc;
		an->pig_set = true;
		an->pig = (int32_t)g;
	}
	if (tok == NULL && adhoc && filt) {
		an->tok = tok_keyword;          /* filters only: keyword tokenizer */
	} else if (tok == NULL) {
		return osp_err_illegal_argument(err, "analyzer [%s] must specify either an analyzer type, or a tokenizer", name);
	} else if (tok->type == OSP_JSON_STRING) {
		const st_tokdef_t *k = find_tok(reg, tok->u.str, tok->len);

		if (k == NULL) {
			if (adhoc)
				return osp_err_illegal_argument(err, reg ? "failed to find tokenizer under [%s]" :
								"failed to find global tokenizer under [%s]", tok->u.str);
			return osp_err_illegal_argument(err, "Custom Analyzer [%s] failed to find tokenizer under name [%s]",
							name, tok->u.str);
		}
		an->tok = *k;
	} else if (tok->type == OSP_JSON_OBJECT) {
		const st_tokdef_t *k;

		if ((rc = st_tokdef_build(a, regexes, "_anonymous_tokenizer", tok, &k, err)) < 0)
			return rc;
		an->tok = *k;
	} else {
		return osp_err_illegal_argument(err, "analyzer [%s] must specify either an analyzer type, or a tokenizer", name);
	}
	uint32_t nf = filt ? (filt->type == OSP_JSON_ARRAY ? filt->len : 1) : 0;
	const st_filtdef_t **fl = osp_arena_calloc(a, sizeof(*fl) * (nf ? nf : 1));
	uint32_t n = 0;

	if (fl == NULL)
		return -ENOMEM;
	for (const osp_json_t *x = filt ? (filt->type == OSP_JSON_ARRAY ? filt->u.child : filt) : NULL;
	     x; x = filt->type == OSP_JSON_ARRAY ? x->next : NULL) {
		const st_filtdef_t *f = NULL;

		if (x->type == OSP_JSON_STRING) {
			f = find_filt(reg, x->u.str, x->len);
			if (f == NULL) {
				if (adhoc)
					return osp_err_illegal_argument(err, reg ? "failed to find filter under [%s]" :
									"failed to find global filter under [%s]", x->u.str);
				return osp_err_illegal_argument(err, "Custom Analyzer [%s] failed to find filter under name [%s]",
								name, x->u.str);
			}
		} else if (x->type == OSP_JSON_OBJECT) {
			if ((rc = build_filter(a, "_anonymous_filter", x, &f, err)) < 0)
				return rc;
		} else {
			return osp_err_illegal_argument(err, "filter must be a string or an object");
		}
		fl[n++] = f;
	}
	uint32_t grams = 0;

	for (uint32_t i = 0; i < n; i++)
		grams += fl[i]->kind == ST_TF_NGRAM || fl[i]->kind == ST_TF_EDGE_NGRAM;
	if (grams > 1)
		return osp_err_illegal_argument(err, "analyzer [%s]: only one ngram or edge_ngram filter per "
						"analyzer is supported", name);
	an->filters = fl;
	an->n_filters = n;
	*out = an;
	return 0;
}

const st_analyzer_t *
st_analysis_get_normalizer(const st_analysis_t *reg, const char *name, size_t len)
{
	for (uint32_t i = 0; reg && i < reg->n_normalizers; i++)
		if (name_eq(reg->normalizers[i]->name, name, len))
			return reg->normalizers[i];
	return name_eq("lowercase", name, len) ? &norm_lowercase : NULL;
}

/* {"type":"custom","filter":[...]}: the keyword tokenizer plus filters that
 * work on whole values (no stop words, no stemming). */
static int
build_normalizer(osp_arena_t *a, const st_analysis_t *reg, const char *name,
		 const osp_json_t *def, st_analyzer_t **out, osp_err_t *err)
{
	const osp_json_t *t = osp_json_get(def, "type");
	const osp_json_t *filt = osp_json_get(def, "filter");
	st_analyzer_t *an = osp_arena_calloc(a, sizeof(*an));
	uint32_t n = 0;
	int rc;

	if (an == NULL)
		return -ENOMEM;
	if (t && !(t->type == OSP_JSON_STRING && strcmp(t->u.str, "custom") == 0))
		return osp_err_illegal_argument(err, "Unknown normalizer type [%s] for [%s]",
						t->type == OSP_JSON_STRING ? t->u.str : "?", name);
	uint32_t nf = filt && filt->type == OSP_JSON_ARRAY ? filt->len : (filt ? 1 : 0);
	const st_filtdef_t **fl = osp_arena_calloc(a, sizeof(*fl) * (nf ? nf : 1));

	if (fl == NULL)
		return -ENOMEM;
	for (const osp_json_t *x = filt ? (filt->type == OSP_JSON_ARRAY ? filt->u.child : filt) : NULL;
	     x; x = filt->type == OSP_JSON_ARRAY ? x->next : NULL) {
		const st_filtdef_t *f = x->type == OSP_JSON_STRING ? find_filt(reg, x->u.str, x->len) : NULL;

		if (f == NULL)
			return osp_err_illegal_argument(err, "Custom normalizer [%s] failed to find filter under name [%s]",
							name, x->type == OSP_JSON_STRING ? x->u.str : "?");
		if (f->kind == ST_TF_STOP || f->kind == ST_TF_STEM || f->kind == ST_TF_POSSESSIVE ||
		    f->kind == ST_TF_LENGTH || f->kind == ST_TF_NGRAM || f->kind == ST_TF_EDGE_NGRAM ||
		    f->kind == ST_TF_UNIQUE)
			return osp_err_illegal_argument(err, "Custom normalizer [%s] may not use filter [%s]",
							name, x->u.str);
		fl[n++] = f;
	}
	an->name = name;
	an->tok = tok_keyword;
	if ((rc = resolve_char_filters(a, reg, name, osp_json_get(def, "char_filter"), 2, an, err)) < 0)
		return rc;
	an->filters = fl;
	an->n_filters = n;
	*out = an;
	return 0;
}

static char *
key_dup(osp_arena_t *a, const osp_json_t *m)
{
	return osp_arena_strndup(a, m->key, m->key_len);
}

int
st_analysis_create(const osp_json_t *analysis, st_analysis_t **out, osp_err_t *err)
{
	st_analysis_t *reg = calloc(1, sizeof(*reg));
	const osp_json_t *toks = osp_json_get(analysis, "tokenizer");
	const osp_json_t *filts = osp_json_get(analysis, "filter");
	const osp_json_t *ans = osp_json_get(analysis, "analyzer");
	const osp_json_t *norms = osp_json_get(analysis, "normalizer");
	const osp_json_t *cfs = osp_json_get(analysis, "char_filter");
	int rc = -ENOMEM;

	if (reg == NULL)
		return -ENOMEM;
	osp_arena_init(&reg->arena, 4096, 0);
	reg->tokenizers = osp_arena_calloc(&reg->arena, sizeof(void *) * (toks ? toks->len + 1 : 1));
	reg->filters = osp_arena_calloc(&reg->arena, sizeof(void *) * (filts ? filts->len + 1 : 1));
	reg->analyzers = osp_arena_calloc(&reg->arena, sizeof(void *) * (ans ? ans->len + 1 : 1));
	reg->normalizers = osp_arena_calloc(&reg->arena, sizeof(void *) * (norms ? norms->len + 1 : 1));
	reg->char_filters = osp_arena_calloc(&reg->arena, sizeof(void *) * (cfs ? cfs->len + 1 : 1));
	if (!reg->tokenizers || !reg->filters || !reg->analyzers || !reg->normalizers ||
	    !reg->char_filters)
		goto cleanup;
	ST_JSON_EACH(m, osp_json_is(cfs, OSP_JSON_OBJECT) ? cfs : NULL) {
		const st_cfdef_t *c;
		char *name = key_dup(&reg->arena, m);

		rc = -ENOMEM;
		if (name == NULL)
			goto cleanup;
		if ((rc = st_charfilter_build(&reg->arena, name, m, &c, err)) < 0)
			goto cleanup;
		reg->char_filters[reg->n_char_filters++] = (st_cfdef_t *)c;
	}
	ST_JSON_EACH(m, osp_json_is(toks, OSP_JSON_OBJECT) ? toks : NULL) {
		const st_tokdef_t *k;
		char *name = key_dup(&reg->arena, m);

		if (name == NULL)
			goto cleanup;
		if ((rc = st_tokdef_build(&reg->arena, &reg->regexes, name, m, &k, err)) < 0)
			goto cleanup;
		reg->tokenizers[reg->n_tokenizers++] = (st_tokdef_t *)k;
	}
	ST_JSON_EACH(m, osp_json_is(filts, OSP_JSON_OBJECT) ? filts : NULL) {
		const st_filtdef_t *f;
		char *name = key_dup(&reg->arena, m);

		rc = -ENOMEM;
		if (name == NULL)
			goto cleanup;
		if ((rc = build_filter(&reg->arena, name, m, &f, err)) < 0)
			goto cleanup;
		reg->filters[reg->n_filters++] = (st_filtdef_t *)f;
	}
	ST_JSON_EACH(m, osp_json_is(ans, OSP_JSON_OBJECT) ? ans : NULL) {
		st_analyzer_t *an = NULL;
		char *name = key_dup(&reg->arena, m);

		rc = -ENOMEM;
		if (name == NULL)
			goto cleanup;
		if ((rc = build_analyzer(&reg->arena, reg, &reg->regexes, name, m, false, &an, err)) < 0)
			goto cleanup;
		reg->analyzers[reg->n_analyzers++] = an;
	}
	ST_JSON_EACH(m, osp_json_is(norms, OSP_JSON_OBJECT) ? norms : NULL) {
		st_analyzer_t *an = NULL;
		char *name = key_dup(&reg->arena, m);

		rc = -ENOMEM;
		if (name == NULL)
			goto cleanup;
		if ((rc = build_normalizer(&reg->arena, reg, name, m, &an, err)) < 0)
			goto cleanup;
		reg->normalizers[reg->n_normalizers++] = an;
	}
	*out = reg;
	return 0;
cleanup:
	st_analysis_free(reg);
	return rc;
}

void
st_analysis_free(st_analysis_t *reg)
{
	if (reg == NULL)
		return;
	st_regex_list_free(reg->regexes);
	osp_arena_free(&reg->arena);
	free(reg);
}

int
st_analyzer_build(const st_analysis_t *reg, const osp_json_t *body,
		  st_analyzer_t **out, osp_err_t *err)
{
	osp_arena_t *a = malloc(sizeof(*a));
	st_analyzer_t *an;
	int rc;

	if (a == NULL)
		return -ENOMEM;
	osp_arena_init(a, 1024, 0);
	/* _analyze with only filters runs the keyword tokenizer */
	rc = osp_err_illegal_argument(err, "tokenizer is required");
	if (osp_json_get(body, "tokenizer") == NULL && osp_json_get(body, "filter") == NULL)
		goto cleanup;
	st_regex_t *res = NULL;

	rc = build_analyzer(a, reg, &res, "_anonymous_", body, true, &an, err);
	if (rc < 0) {
		st_regex_list_free(res);
		goto cleanup;
	}
	an->own = a;
	an->regexes = res;
	*out = an;
	return 0;
cleanup:
	osp_arena_free(a);
	free(a);
	return rc;
}

void
st_analyzer_free(st_analyzer_t *an)
{
	if (an == NULL || an->own == NULL)
		return;
	osp_arena_t *a = an->own;

	st_regex_list_free(an->regexes);
	osp_arena_free(a);
	free(a);
}
