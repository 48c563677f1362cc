// SPDX-License-Identifier: GPL-2.0
/* Unit tests: result channel framing; truncation and corruption are caught. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../common/frame.h"

#define P(x) { x, sizeof(x) - 1 }
static const struct {
	const char *s;
	size_t n;
} pl[] = {
	P("{\"hello\":1}"), P(""), P("binary\n\0with nul and BHB1 run 9 9 00000000\n inside"),
	P("{\"run\":[1,2,3]}"),
};

static char *stream(size_t *len, int end_status)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	char end[32];
	uint32_t i;

	for (i = 0; i < 4; i++)
		assert_int_equal(bhb_frame_write(f, i == 0 ? "hello" : "run", i, pl[i].s, pl[i].n), 0);
	snprintf(end, sizeof(end), "%u %d", i, end_status);
	assert_int_equal(bhb_frame_write(f, "end", i, end, strlen(end)), 0);
	fclose(f);
	return buf;
}

static void test_roundtrip(void **state)
{
	struct bhb_frames fr;
	size_t len;
	char *buf = stream(&len, 3);

	(void)state;
	bhb_frames_decode(buf, len, &fr);
	assert_int_equal(fr.status, BHB_FRAMES_OK);
	assert_int_equal(fr.end_status, 3);
	assert_int_equal(fr.n, 4);
	assert_string_equal(fr.v[0].type, "hello");
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(fr.v[i].len, pl[i].n);
		assert_memory_equal(fr.v[i].payload, pl[i].s, pl[i].n);
		assert_int_equal(fr.v[i].seq, i);
	}
	bhb_frames_free(&fr);
	free(buf);
}

/* every prefix is reported truncated and keeps exactly the complete frames */
static void test_truncated(void **state)
{
	size_t len, complete = 0;
	char *buf = stream(&len, 0);

	(void)state;
	for (size_t cut = 0; cut < len; cut++) {
		struct bhb_frames fr;

		bhb_frames_decode(buf, cut, &fr);
		if (fr.status == BHB_FRAMES_OK)
			fail_msg("prefix of %zu/%zu bytes accepted as complete", cut, len);
		assert_int_equal(fr.status, BHB_FRAMES_TRUNCATED);
		assert_true(fr.n >= complete);
		complete = fr.n;
		assert_non_null(strstr(fr.error, "cut off") ? fr.error : strstr(fr.error, "without an end"));
		bhb_frames_free(&fr);
	}
	assert_int_equal(complete, 4);
	free(buf);
}

/* any single changed byte anywhere is rejected */
static void test_corrupted(void **state)
{
	static const unsigned char flips[] = { 0x01, 0x02, 0x20, 0x80 };
	size_t len;
	char *buf = stream(&len, 0);

	(void)state;
	for (size_t pos = 0; pos < len; pos++)
		for (size_t k = 0; k < sizeof(flips); k++) {
			struct bhb_frames fr;

			buf[pos] ^= (char)flips[k];
			bhb_frames_decode(buf, len, &fr);
			if (fr.status == BHB_FRAMES_OK)
				fail_msg("byte %zu ^ 0x%02x went unnoticed", pos, flips[k]);
			bhb_frames_free(&fr);
			buf[pos] ^= (char)flips[k];
		}
	free(buf);
}

static void test_garbage(void **state)
{
	struct bhb_frames fr;
	size_t len;
	char *buf = stream(&len, 0), *more = malloc(len + 6);

	(void)state;
	bhb_frames_decode("hello world\n", 12, &fr);
	assert_int_equal(fr.status, BHB_FRAMES_CORRUPT);
	bhb_frames_free(&fr);
	bhb_frames_decode("", 0, &fr);
	assert_int_equal(fr.status, BHB_FRAMES_TRUNCATED);
	assert_int_equal(fr.n, 0);
	bhb_frames_free(&fr);
	/* trailing bytes after the end frame */
	memcpy(more, buf, len);
	memcpy(more + len, "extra", 5);
	bhb_frames_decode(more, len + 5, &fr);
	assert_int_equal(fr.status, BHB_FRAMES_CORRUPT);
	bhb_frames_free(&fr);
	/* absurd length */
	bhb_frames_decode("BHB1 run 0 99999999999 00000000\n", 32, &fr);
	assert_int_equal(fr.status, BHB_FRAMES_CORRUPT);
	bhb_frames_free(&fr);
	/* types with spaces cannot be written */
	assert_int_equal(bhb_frame_write(stderr, "a b", 0, "", 0), -1);
	free(more);
	free(buf);
}

static void test_crc(void **state)
{
	(void)state;
	/* the standard check value of CRC-32/IEEE */
	assert_int_equal(bhb_crc32(0, "123456789", 9), 0xCBF43926u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crc),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_corrupted),
		cmocka_unit_test(test_garbage),
	};

	return cmocka_run_group_tests_name("framing", tests, NULL, NULL);
}
