/*
 * test_routing.c - document routing matches Elasticsearch's values.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "route/dp_routing.h"

static void
test_murmur_known_values(void **state)
{
	(void)state;
	/* Elasticsearch's Murmur3HashFunctionTests.testKnownValues. */
	static const struct { uint32_t h; const char *s; } v[] = {
		{ 0x5a0cb7c3, "hell" },
		{ 0xd7c31989, "hello" },
		{ 0x22ab2984, "hello w" },
		{ 0xdf0ca123, "hello wo" },
		{ 0xe7744d61, "hello wor" },
		{ 0xe07db09c, "The quick brown fox jumps over the lazy dog" },
		{ 0x4e63d2ad, "The quick brown fox jumps over the lazy cog" },
	};

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		assert_int_equal((uint32_t)dp_routing_hash(v[i].s, strlen(v[i].s)), v[i].h);
	/* Plain murmur3_x86_32 reference vectors. */
	assert_int_equal(dp_murmur3_32("", 0, 0), 0);
	assert_int_equal(dp_murmur3_32("", 0, 1), 0x514e28b7);
	assert_int_equal(dp_murmur3_32("hello", 5, 0), 0x248bfa47);
}

static void
test_utf16_units(void **state)
{
	(void)state;
	/* U+00E9 is one UTF-16 unit: hashing "\xc3\xa9" equals hashing bytes e9 00. */
	uint8_t e9[2] = { 0xe9, 0x00 };

	assert_int_equal((uint32_t)dp_routing_hash("\xc3\xa9", 2), dp_murmur3_32(e9, 2, 0));
	/* U+1F600 is a surrogate pair d83d de00. */
	uint8_t pair[4] = { 0x3d, 0xd8, 0x00, 0xde };

	assert_int_equal((uint32_t)dp_routing_hash("\xf0\x9f\x98\x80", 4), dp_murmur3_32(pair, 4, 0));
}

static void
test_shard_numbers(void **state)
{
	(void)state;
	/* One shard: always 0. */
	assert_int_equal(dp_routing_shard("anything", 8, 1024, 1), 0);
	/* floorMod of a negative hash: "hello" hashes to 0xd7c31989 (negative). */
	int64_t h = (int32_t)0xd7c31989;
	int64_t m = ((h % 640) + 640) % 640;

	assert_int_equal(dp_routing_shard("hello", 5, 640, 5), (uint32_t)(m / 128));
	/* Every shard number is in range and all are used. */
	unsigned seen[5] = { 0 };
	char id[16];

	for (int i = 0; i < 1000; i++) {
		int n = snprintf(id, sizeof(id), "%d", i);
		uint32_t s = dp_routing_shard(id, (size_t)n, 640, 5);

		assert_true(s < 5);
		seen[s]++;
	}
	for (int i = 0; i < 5; i++)
		assert_true(seen[i] > 100);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_murmur_known_values),
		cmocka_unit_test(test_utf16_units),
		cmocka_unit_test(test_shard_numbers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
