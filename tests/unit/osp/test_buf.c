/*
 * test_buf.c - behaviour of osprey/buf.h: appends and growth, NUL
 * termination, printf (short and long), binary encoders, the sticky failed
 * flag and overflow-safe reserve.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "osprey/buf.h"

static void
test_append_and_grow(void **state)
{
	osp_buf_t b = OSP_BUF_INIT;

	(void)state;
	for (int i = 0; i < 1000; i++)
		osp_buf_putc(&b, (char)('a' + i % 26));
	assert_int_equal(b.len, 1000);
	assert_true(b.cap > b.len);
	assert_int_equal(b.data[1000], '\0');
	assert_int_equal(b.data[27], 'b');
	osp_buf_puts(&b, "xyz");
	assert_string_equal(b.data + 1000, "xyz");
	osp_buf_append(&b, NULL, 0);
	assert_int_equal(b.len, 1003);
	osp_buf_clear(&b);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.data, "");
	osp_buf_free(&b);
	assert_null(b.data);
}

static void
test_printf(void **state)
{
	osp_buf_t b;
	char big[1000];

	(void)state;
	osp_buf_init(&b);
	osp_buf_printf(&b, "%d-%s", 42, "x");
	assert_string_equal(b.data, "42-x");
	memset(big, 'q', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	osp_buf_printf(&b, "[%s]", big);
	assert_int_equal(b.len, 4 + 1001);
	assert_int_equal(b.data[b.len - 1], ']');
	assert_int_equal(b.data[b.len], '\0');
	assert_int_equal(strlen(b.data), b.len);
	osp_buf_free(&b);
}

static void
test_binary(void **state)
{
	osp_buf_t b = OSP_BUF_INIT;

	(void)state;
	osp_buf_put_u8(&b, 0xAB);
	osp_buf_put_u32le(&b, 0x01020304);
	osp_buf_put_u64le(&b, 0x1122334455667788ULL);
	osp_buf_put_varint(&b, 0);
	osp_buf_put_varint(&b, 300);
	osp_buf_put_varint(&b, UINT64_MAX);
	const unsigned char want[] = {
		0xAB, 4, 3, 2, 1, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11,
		0x00, 0xAC, 0x02,
		0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01,
	};

	assert_int_equal(b.len, sizeof(want));
	assert_memory_equal(b.data, want, sizeof(want));
	osp_buf_free(&b);
}

static void
test_overflow_and_failed(void **state)
{
	osp_buf_t b = OSP_BUF_INIT;

	(void)state;
	osp_buf_puts(&b, "abc");
	/* len + n + 1 would wrap: must fail, not pretend there is room */
	assert_int_equal(osp_buf_reserve(&b, SIZE_MAX), -ENOMEM);
	assert_true(osp_buf_failed(&b));
	osp_buf_puts(&b, "def");        /* sticky: no-op */
	assert_int_equal(b.len, 3);
	osp_buf_clear(&b);
	assert_false(osp_buf_failed(&b));
	assert_int_equal(osp_buf_reserve(&b, SIZE_MAX - 2), -ENOMEM);
	osp_buf_clear(&b);
	assert_int_equal(osp_buf_reserve(&b, SIZE_MAX / 2), -ENOMEM);
	osp_buf_clear(&b);
	assert_int_equal(osp_buf_reserve(&b, 10), 0);
	osp_buf_puts(&b, "ok");
	assert_string_equal(b.data, "ok");
	osp_buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_append_and_grow),
		cmocka_unit_test(test_printf),
		cmocka_unit_test(test_binary),
		cmocka_unit_test(test_overflow_and_failed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
