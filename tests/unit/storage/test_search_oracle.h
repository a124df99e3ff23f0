/*
 * test_search_oracle.h - the random corpus model, random query trees and
 * the brute-force evaluator of test_oracle.c (formulas only, no engine
 * code). Single-threaded test code; state is global to the test binary.
 */
#ifndef TEST_SEARCH_ORACLE_H
#define TEST_SEARCH_ORACLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NDOCS 2100
#define NSEG 3
#define NWORDS 14
#define NTAGS 6

/* One raw document of the model. */
typedef struct mdoc {
	uint8_t title[8], body[40];
	uint32_t ntitle, nbody;
	bool tag[NTAGS];
	bool has_num;
	int64_t num;
	double price;
	int64_t nums[3];         /* multi-valued long "nums", ascending */
	uint32_t nnums;
	bool has_when, has_temp;
	int64_t when;            /* date "when" (epoch ms) */
	double temp;             /* double "temp" (negatives too) */
	bool deleted;
	uint32_t seg, local;
} mdoc_t;

extern mdoc_t docs[NDOCS];
extern const char *words[NWORDS];
extern const char *tags[NTAGS];
extern uint32_t npool;

enum { Q_TERM, Q_MATCH, Q_PHRASE, Q_BOOL, Q_DISMAX, Q_MM, Q_RANGE, Q_TERMS, Q_PREFIX,
       Q_EXISTS, Q_CONST, Q_ALL, Q_KTERM };

typedef struct qn qn_t;
struct qn {
	int kind;
	int field;               /* 0 title, 1 body */
	uint8_t w[4];
	uint32_t nw;
	bool and_op;
	int msm;                 /* -100 = none; >=0 count; <0 negative */
	double boost;
	qn_t *must[3], *should[4], *filter[2], *must_not[2];
	uint32_t nm, ns, nf, nn;
	double tie;
	bool most_fields;
	int64_t lo, hi;
	int rf;                  /* range field: RF_* */
	bool lo_inc, hi_inc, lo_open, hi_open;
	bool tagset[NTAGS];
	int tag;
};

/* Range fields: long num, double price, multi-valued long nums, date when,
 * double temp. Double bounds are hundredths (lo / 100.0), date bounds days
 * from RF_BASE. */
enum { RF_NUM, RF_PRICE, RF_NUMS, RF_WHEN, RF_TEMP, RF_N };
extern const char *const rf_name[RF_N];
#define RF_BASE 1577836800000LL  /* 2020-01-01 */
#define RF_DAY 86400000LL

uint32_t rnd(uint32_t n);
/* A random range on field rf (-1 = any); whether m matches one. */
void gen_range(qn_t *q, int rf);
bool range_match(const qn_t *q, const mdoc_t *m);
uint8_t word(void);
void compute_stats(void);
qn_t *gen(int depth);
int jput(char *b, size_t cap, size_t *w, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void to_json(const qn_t *q, char *b, size_t cap, size_t *w);
double eval(const qn_t *q, const mdoc_t *m, double pb);

#endif
