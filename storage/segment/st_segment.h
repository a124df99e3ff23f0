/*
 * st_segment.h - the immutable segment codec: build, open, delete, merge.
 *
 * A segment is a set of named component buffers ("<name>.si", ".tim", ...)
 * produced in memory by a builder (refresh) or a merge, written to files by
 * the shard's I/O layer, and handed back as bytes to st_segment_open, which
 * validates every component (header, segment id, length, CRC32C footer,
 * structure) and returns an st_reader_t (storage/st_reader.h). This library
 * does no file I/O of its own. Deletes are a separate, generation-numbered
 * live-docs component ("<name>_<delgen>.liv"); applying deletes produces a
 * new reader view (copy-on-write) sharing the decoded segment with older
 * views, so in-flight searches keep what they saw.
 *
 * What segment readers add to st_reader.h's promises:
 *   - numeric fields are indexed as 8-byte sortable terms (st_seg_encode_*),
 *     booleans as "T"/"F"; docs-only fields have freqs NULL and
 *     total_term_freq = doc_freq;
 *   - block maxima: min_norm is 0 for fields without norms;
 *   - lookup_id: when an _id occurs twice in a segment (updated before the
 *     refresh), the highest live doc wins, else the highest doc;
 *   - decoded term blocks, postings and doc values stay cached (in the
 *     segment) until its last view is released: memory follows what queries
 *     touched (st_seg_stats_t.decoded_bytes).
 *
 * Everything here belongs to one worker core: no call is thread-safe, and a
 * builder, reader or merge is touched by the core that created it.
 */
#ifndef ST_SEGMENT_H
#define ST_SEGMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "osprey/buf.h"
#include "osprey/err.h"
#include "st_reader.h"

/* ---- Lucene's one-byte norms (SmallFloat, 4 mantissa bits) ---- */

/* SmallFloat.intToByte4: lengths 0..23 map to themselves, larger lengths
 * to a float-like byte with 4 significant bits (rounded down). */
uint8_t
st_seg_int_to_byte4(uint32_t i);

/* SmallFloat.byte4ToInt: the smallest length that encodes to b. */
uint32_t
st_seg_byte4_to_int(uint8_t b);

/* ---- numeric terms ---- */

/* Indexed longs and doubles become 8-byte big-endian terms whose byte order
 * is the numeric order (Lucene NumericUtils sortable encoding), so a range
 * query is a terms_seek to the lower bound plus iteration to the upper one. */
void
st_seg_encode_long(int64_t v, uint8_t out[8]);
void
st_seg_encode_double(double v, uint8_t out[8]);
int64_t
st_seg_decode_long(const uint8_t in[8]);
double
st_seg_decode_double(const uint8_t in[8]);

/* ---- fields ---- */

typedef enum st_seg_index {
	ST_SEG_INDEX_NONE = 0,        /* not searchable */
	ST_SEG_INDEX_DOCS = 1,        /* doc ids only (keyword, numeric, bool) */
	ST_SEG_INDEX_FREQS = 2,       /* + term frequencies */
	ST_SEG_INDEX_POSITIONS = 3,   /* + positions (text, phrases) */
} st_seg_index_t;

typedef enum st_seg_dv {
	ST_SEG_DV_NONE = 0,
	ST_SEG_DV_LONG = 1,           /* sorted numeric int64 (long, date, bool 0/1) */
	ST_SEG_DV_DOUBLE = 2,         /* sorted numeric double */
	ST_SEG_DV_SORTED_SET = 3,     /* keyword ordinals */
} st_seg_dv_t;

/* How one field is indexed; the same name must always come with the same
 * spec within a segment (and across segments that are merged). */
typedef struct st_seg_field_spec {
	const char *name;             /* NUL-terminated; copied */
	st_seg_index_t index;
	bool norms;                   /* only with index >= FREQS */
	st_seg_dv_t dv;
} st_seg_field_spec_t;

/* ---- component files ---- */

/* One named component: name is "<seg>.<ext>" (NUL-terminated, owned by the
 * struct); buf holds the bytes. Produced by finish/merge, consumed by open. */
typedef struct st_seg_file {
	char name[64];
	osp_buf_t buf;
} st_seg_file_t;

/* The components of one segment; the owner calls st_seg_files_free. */
typedef struct st_seg_files {
	uint32_t n;
	st_seg_file_t f[10];
} st_seg_files_t;

void
st_seg_files_free(st_seg_files_t *fs);

/* ---- builder ---- */

typedef struct st_seg_builder st_seg_builder_t;

/* Identity of a doc as the shard assigned it. Bytes are copied. */
typedef struct st_seg_doc_meta_in {
	const char *id;
	uint32_t id_len;
	const char *routing;          /* NULL = none */
	uint32_t routing_len;
	int64_t seq_no;
	int64_t primary_term;
	int64_t version;
} st_seg_doc_meta_in_t;

typedef struct st_seg_builder_opts {
	const char *name;             /* segment name, e.g. "_0" (< 40 bytes) */
	uint8_t seg_id[16];           /* all zero = random */
	int zstd_level;               /* 0 = default (3) */
	uint32_t source_block_bytes;  /* 0 = default (16 KiB) */
} st_seg_builder_opts_t;

/* Create an empty builder; the caller frees it with st_seg_builder_free. */
int
st_seg_builder_create(const st_seg_builder_opts_t *opts, st_seg_builder_t **out);

void
st_seg_builder_free(st_seg_builder_t *b);

/* Register (or find) a field; *fid is a small handle for the value calls.
 * -EINVAL when the name was registered with a different spec. */
int
st_seg_builder_field(st_seg_builder_t *b, const st_seg_field_spec_t *spec,
		     uint32_t *fid);

/* Start the next doc (its id is the count of docs added before). */
int
st_seg_builder_doc_begin(st_seg_builder_t *b, const st_seg_doc_meta_in_t *meta,
			 const char *source, size_t source_len);

/* Index one term occurrence of the current doc. pos is used when the field
 * has positions and must not decrease for the same term within a doc
 * (-EINVAL). Terms longer than 32766 bytes are -EINVAL (Lucene's limit). */
int
st_seg_builder_add_term(st_seg_builder_t *b, uint32_t fid, const char *term,
			uint32_t len, uint32_t pos);

/* Field length for norms (tokens minus overlaps); default: the number of
 * add_term calls of this doc and field. */
int
st_seg_builder_set_length(st_seg_builder_t *b, uint32_t fid, uint32_t len);

/* Doc values of the current doc (multi-valued: call repeatedly). */
int
st_seg_builder_add_dv_long(st_seg_builder_t *b, uint32_t fid, int64_t v);
int
st_seg_builder_add_dv_double(st_seg_builder_t *b, uint32_t fid, double v);
int
st_seg_builder_add_dv_term(st_seg_builder_t *b, uint32_t fid, const char *term,
			   uint32_t len);

/* Conveniences by field kind: index (when the field is indexed) and add doc
 * values (when it has them) in one call. Booleans index "T"/"F" and store
 * 1/0 long doc values, as Elasticsearch does. Dates are longs. */
int
st_seg_builder_add_keyword(st_seg_builder_t *b, uint32_t fid, const char *term,
			   uint32_t len);
int
st_seg_builder_add_long(st_seg_builder_t *b, uint32_t fid, int64_t v);
int
st_seg_builder_add_double(st_seg_builder_t *b, uint32_t fid, double v);
int
st_seg_builder_add_bool(st_seg_builder_t *b, uint32_t fid, bool v);

int
st_seg_builder_doc_end(st_seg_builder_t *b);

uint32_t
st_seg_builder_doc_count(const st_seg_builder_t *b);

/* Bytes of memory the builder holds (for the shard's refresh trigger). */
size_t
st_seg_builder_mem(const st_seg_builder_t *b);

/* Optional slicing of the encode: do about `budget` units (a posting, a
 * doc's norm or doc value) of it; OSP_AGAIN while more remains, 0 when only
 * st_seg_builder_finish's final assembly is left. No docs may be added once
 * this was called. */
int
st_seg_builder_finish_step(st_seg_builder_t *b, uint64_t budget);

/* Encode everything (what finish_step has not done yet) into *out (the
 * caller owns it afterwards). The builder is spent: free it next. An empty
 * builder yields -ENODATA. */
int
st_seg_builder_finish(st_seg_builder_t *b, st_seg_files_t *out);

/* ---- opening ---- */

typedef struct st_seg_open_opts {
	uint64_t gen;                 /* st_reader_t.gen */
	const osp_buf_t *liv;         /* live-docs component bytes, or NULL */
} st_seg_open_opts_t;

/* Validate and open a segment from its components (any order; .liv files
 * are ignored here, pass one through opts->liv). On success the buffers
 * move into the segment (each files->f[i].buf is left empty) and *out holds
 * one reference; on failure nothing is taken, err (may be NULL) says why
 * ("corrupt_index_exception") and the result is -EBADMSG (corrupt, wrong
 * segment id, truncated), -EINVAL (bad arguments, missing component) or
 * -ENOMEM. */
int
st_segment_open(st_seg_files_t *files, const st_seg_open_opts_t *opts,
		st_reader_t **out, osp_err_t *err);

/* Deep check (Lucene's CheckIndex): decode every posting, position, doc
 * value and stored block and compare field statistics with .si. 0, or
 * -EBADMSG with err ("corrupt_index_exception") naming what is wrong. Costs
 * a full decode; decoded postings are not kept. */
int
st_segment_check(const st_reader_t *r, osp_err_t *err);

/* True when r was opened by st_segment_open (not a test reader). */
bool
st_segment_is_segment(const st_reader_t *r);

/* ---- deletes ---- */

/* A new view of r's segment with docs[0..n) deleted as well (ids >= max_doc
 * are -EINVAL). r is untouched; the new view starts with one reference and
 * delete generation st_segment_delgen(r) + 1 when anything changed. */
int
st_segment_delete(const st_reader_t *r, const uint32_t *docs, size_t n,
		  st_reader_t **out);

/* A new view with exactly the deletes of a .liv component. */
int
st_segment_apply_liv(const st_reader_t *r, const osp_buf_t *liv,
		     st_reader_t **out, osp_err_t *err);

uint64_t
st_segment_delgen(const st_reader_t *r);

/* Serialize r's deletes as "<seg>_<delgen>.liv" into *out. */
int
st_segment_write_liv(const st_reader_t *r, st_seg_file_t *out);

/* ---- stats ---- */

typedef struct st_seg_stats {
	char name[40];
	uint32_t max_doc;
	uint32_t num_docs;
	uint32_t deleted;
	uint64_t delgen;
	uint64_t total_bytes;         /* sum of the components */
	uint32_t ncomp;
	struct {
		char ext[8];          /* "tim", "doc", ... */
		uint64_t bytes;
	} comp[10];
	uint64_t decoded_bytes;       /* memory of lazily decoded structures */
} st_seg_stats_t;

int
st_segment_stats(const st_reader_t *r, st_seg_stats_t *out);

/* ---- decoded postings cache ---- */

/* Postings decoded for queries live in a per-thread LRU cache (each worker
 * thread has its own; the default budget is 256 MB). A pointer from the
 * postings ops stays valid until this thread's next st_segment_cache_trim,
 * which the owner calls only between jobs (no query in flight): it evicts
 * least recently used postings until the thread's total is within budget
 * and returns the bytes freed. */
void
st_segment_cache_set_budget(size_t bytes);
size_t
st_segment_cache_bytes(void);
size_t
st_segment_cache_trim(void);

/* ---- merge ---- */

typedef struct st_seg_merge st_seg_merge_t;

/* Start merging readers[0..n) (segment readers; each is referenced until
 * st_seg_merge_free) into a new segment of the given name holding their live
 * docs in reader order. The caller drives st_seg_merge_step. */
int
st_seg_merge_create(st_reader_t *const *readers, size_t n,
		    const st_seg_builder_opts_t *opts, st_seg_merge_t **out);

/* Do about `budget` units of work (a unit is one doc, 128 bytes of _source
 * or one posting moved; 4096 units take about 1-3 ms). A step may overrun by
 * one input's postings of one term, or one field's norms/doc values. OSP_AGAIN while more
 * remains, 0 when done, negative errno on failure. */
int
st_seg_merge_step(st_seg_merge_t *m, uint64_t budget);

/* After step returned 0: the merged components (*out owned by the caller).
 * -ENODATA when no live doc remained (drop the inputs, write nothing). */
int
st_seg_merge_finish(st_seg_merge_t *m, st_seg_files_t *out);

/* Old doc id -> new doc id of input i, or ST_NO_MORE_DOCS when deleted;
 * valid after create (lets the shard carry over deletes racing the merge). */
uint32_t
st_seg_merge_map_doc(const st_seg_merge_t *m, size_t i, uint32_t doc);

void
st_seg_merge_free(st_seg_merge_t *m);

#endif
