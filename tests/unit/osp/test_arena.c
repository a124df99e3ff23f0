/*
 * test_arena.c - behaviour of osprey/arena.h: alignment, block chaining,
 * large allocations in their own blocks, the byte limit (including sizes
 * that would overflow), strndup, reset reuse and free/re-init.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "osprey/arena.h"

static void
test_alignment_and_contents(void **state)
{
	osp_arena_t a;
	char *ptrs[200];

	(void)state;
	osp_arena_init(&a, 1024, 0);
	for (int i = 0; i < 200; i++) {
		size_t n = (size_t)(i % 37) + 1;

		ptrs[i] = osp_arena_alloc(&a, n);
		assert_non_null(ptrs[i]);
		assert_int_equal((uintptr_t)ptrs[i] % 16, 0);
		memset(ptrs[i], i, n);
	}
	/* earlier allocations are intact after many blocks were added */
	for (int i = 0; i < 200; i++) {
		size_t n = (size_t)(i % 37) + 1;

		for (size_t k = 0; k < n; k++)
			assert_int_equal((unsigned char)ptrs[i][k], (unsigned char)i);
	}
	char *z = osp_arena_calloc(&a, 100);

	for (int k = 0; k < 100; k++)
		assert_int_equal(z[k], 0);
	assert_non_null(osp_arena_alloc(&a, 0));
	osp_arena_free(&a);
}

static void
test_big_allocations(void **state)
{
	osp_arena_t a;

	(void)state;
	osp_arena_init(&a, 1024, 0);
	char *small1 = osp_arena_alloc(&a, 16);
	char *big = osp_arena_alloc(&a, 100000);
	char *small2 = osp_arena_alloc(&a, 16);

	assert_non_null(big);
	memset(big, 7, 100000);
	/* the big block did not steal the current block's free space */
	assert_ptr_equal(small2, small1 + 16);
	/* big first, then small */
	osp_arena_free(&a);
	osp_arena_init(&a, 1024, 0);
	big = osp_arena_alloc(&a, 5000);
	small1 = osp_arena_alloc(&a, 8);
	assert_non_null(big);
	assert_non_null(small1);
	assert_int_equal(a.used, 5008 + 16);
	osp_arena_free(&a);
}

static void
test_limit(void **state)
{
	osp_arena_t a;

	(void)state;
	osp_arena_init(&a, 256, 100);
	assert_non_null(osp_arena_alloc(&a, 64));
	assert_non_null(osp_arena_alloc(&a, 32));
	assert_null(osp_arena_alloc(&a, 16));   /* 96 + 16 > 100 */
	assert_null(osp_arena_alloc(&a, SIZE_MAX));
	assert_null(osp_arena_alloc(&a, SIZE_MAX - 20));
	assert_null(osp_arena_strndup(&a, "x", SIZE_MAX));
	osp_arena_free(&a);

	/* no limit: sizes that would overflow the block header fail cleanly */
	osp_arena_init(&a, 256, 0);
	assert_null(osp_arena_alloc(&a, SIZE_MAX));
	assert_null(osp_arena_alloc(&a, SIZE_MAX - 15));
	assert_null(osp_arena_alloc(&a, SIZE_MAX - 20));   /* header would wrap */
	assert_non_null(osp_arena_alloc(&a, 1));
	osp_arena_free(&a);
}

static void
test_strndup(void **state)
{
	osp_arena_t a;

	(void)state;
	osp_arena_init(&a, 0, 0);
	char *s = osp_arena_strndup(&a, "hello world", 5);

	assert_string_equal(s, "hello");
	s = osp_arena_strndup(&a, "", 0);
	assert_string_equal(s, "");
	osp_arena_free(&a);
}

static void
test_reset_reuses_block(void **state)
{
	osp_arena_t a;

	(void)state;
	osp_arena_init(&a, 4096, 0);
	char *first = osp_arena_alloc(&a, 100);

	for (int i = 0; i < 100; i++)
		assert_non_null(osp_arena_alloc(&a, 500));
	assert_non_null(osp_arena_alloc(&a, 1 << 20));
	osp_arena_reset(&a);
	assert_int_equal(a.used, 0);
	assert_non_null(a.head);
	char *again = osp_arena_alloc(&a, 100);

	/* one default-size block kept; allocation restarts at its start */
	assert_non_null(again);
	(void)first;
	assert_int_equal(a.used, 112);
	for (int round = 0; round < 10; round++) {
		for (int i = 0; i < 50; i++)
			memset(osp_arena_alloc(&a, 300), round, 300);
		osp_arena_reset(&a);
	}
	osp_arena_free(&a);
	assert_null(a.head);
	/* usable again after free */
	assert_non_null(osp_arena_alloc(&a, 10));
	osp_arena_free(&a);
	/* reset of an empty arena */
	osp_arena_init(&a, 0, 0);
	osp_arena_reset(&a);
	osp_arena_free(&a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alignment_and_contents),
		cmocka_unit_test(test_big_allocations),
		cmocka_unit_test(test_limit),
		cmocka_unit_test(test_strndup),
		cmocka_unit_test(test_reset_reuses_block),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
