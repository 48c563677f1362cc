// SPDX-License-Identifier: GPL-2.0
#include "frame.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

uint32_t bhb_crc32(uint32_t crc, const void *buf, size_t len)
{
	static uint32_t table[256];
	const unsigned char *p = buf;

	if (!table[1]) {
		for (uint32_t i = 0; i < 256; i++) {
			uint32_t c = i;

			for (int k = 0; k < 8; k++)
				c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
			table[i] = c;
		}
	}
	crc = ~crc;
	while (len--)
		crc = table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

/* the checksum covers "<type> <seq> <len>" and the payload */
static uint32_t frame_crc(const char *type, uint32_t seq, size_t len, const void *payload)
{
	char id[64];
	int n = snprintf(id, sizeof(id), "%s %u %zu", type, seq, len);

	return bhb_crc32(bhb_crc32(0, id, (size_t)n), payload, len);
}

int bhb_frame_write(FILE *f, const char *type, uint32_t seq, const void *payload, size_t len)
{
	if (strlen(type) > BHB_FRAME_TYPE_MAX || strpbrk(type, " \n")) {
		errno = EINVAL;
		return -1;
	}
	if (fprintf(f, "BHB1 %s %u %zu %08x\n", type, seq, len, frame_crc(type, seq, len, payload)) < 0)
		return -1;
	if (len && fwrite(payload, 1, len, f) != len)
		return -1;
	if (fputc('\n', f) == EOF)
		return -1;
	return fflush(f) == EOF ? -1 : 0;
}

static void fail(struct bhb_frames *out, enum bhb_frame_status st, const char *fmt, ...)
{
	va_list ap;

	out->status = st;
	va_start(ap, fmt);
	vsnprintf(out->error, sizeof(out->error), fmt, ap);
	va_end(ap);
}

static int push(struct bhb_frames *out, const struct bhb_frame *fr)
{
	if (out->n == out->cap) {
		size_t cap = out->cap ? out->cap * 2 : 16;
		struct bhb_frame *v = realloc(out->v, cap * sizeof(*v));

		if (!v)
			return -1;
		out->v = v;
		out->cap = cap;
	}
	out->v[out->n++] = *fr;
	return 0;
}

void bhb_frames_decode(const char *buf, size_t len, struct bhb_frames *out)
{
	size_t pos = 0;

	memset(out, 0, sizeof(*out));
	out->end_status = -1;
	for (;;) {
		struct bhb_frame fr = { 0 };
		char hdr[128], canon[128], type[BHB_FRAME_TYPE_MAX + 1], tail;
		unsigned int seq, crc;
		unsigned long long plen;
		const char *nl;
		size_t hlen;

		if (pos == len) {
			fail(out, BHB_FRAMES_TRUNCATED,
			     "stream ends after %zu frames at byte %zu without an end frame", out->n, pos);
			return;
		}
		nl = memchr(buf + pos, '\n', len - pos < sizeof(hdr) ? len - pos : sizeof(hdr));
		if (!nl) {
			if (len - pos < sizeof(hdr))
				fail(out, BHB_FRAMES_TRUNCATED, "frame header cut off at byte %zu", pos);
			else
				fail(out, BHB_FRAMES_CORRUPT, "no frame header at byte %zu", pos);
			return;
		}
		hlen = (size_t)(nl - (buf + pos));
		memcpy(hdr, buf + pos, hlen);
		hdr[hlen] = 0;
		/* accept only the canonical spelling of a header */
		if (sscanf(hdr, "BHB1 %15s %u %llu %8x%c", type, &seq, &plen, &crc, &tail) != 4 ||
		    strlen(hdr) != hlen ||
		    snprintf(canon, sizeof(canon), "BHB1 %s %u %llu %08x", type, seq, plen, crc) < 0 ||
		    strcmp(canon, hdr)) {
			fail(out, BHB_FRAMES_CORRUPT, "bad frame header at byte %zu", pos);
			return;
		}
		if (seq != out->n) {
			fail(out, BHB_FRAMES_CORRUPT, "frame %zu has sequence %u (byte %zu)", out->n, seq, pos);
			return;
		}
		if (plen > BHB_FRAME_MAX_LEN) {
			fail(out, BHB_FRAMES_CORRUPT, "frame %u claims %llu bytes", seq, plen);
			return;
		}
		pos += hlen + 1;
		if (len - pos < plen + 1) {
			fail(out, BHB_FRAMES_TRUNCATED, "frame %u (%s) cut off: %llu bytes announced, %zu present",
			     seq, type, plen, len - pos);
			return;
		}
		if (buf[pos + plen] != '\n' || frame_crc(type, seq, (size_t)plen, buf + pos) != crc) {
			fail(out, BHB_FRAMES_CORRUPT, "frame %u (%s) fails its checksum (byte %zu)", seq, type, pos);
			return;
		}
		snprintf(fr.type, sizeof(fr.type), "%s", type);
		fr.seq = seq;
		fr.len = plen;
		fr.payload = malloc(plen + 1);
		if (!fr.payload) {
			fail(out, BHB_FRAMES_CORRUPT, "out of memory");
			return;
		}
		memcpy(fr.payload, buf + pos, plen);
		fr.payload[plen] = 0;
		pos += plen + 1;
		if (!strcmp(type, "end")) {
			unsigned long nframes;
			int status;

			if (sscanf(fr.payload, "%lu %d", &nframes, &status) != 2 || nframes != out->n) {
				fail(out, BHB_FRAMES_CORRUPT, "end frame says \"%.40s\", %zu frames received",
				     fr.payload, out->n);
				free(fr.payload);
				return;
			}
			free(fr.payload);
			out->end_status = status;
			if (pos != len) {
				fail(out, BHB_FRAMES_CORRUPT, "%zu bytes after the end frame", len - pos);
				return;
			}
			out->status = BHB_FRAMES_OK;
			return;
		}
		if (push(out, &fr)) {
			free(fr.payload);
			fail(out, BHB_FRAMES_CORRUPT, "out of memory");
			return;
		}
	}
}

void bhb_frames_free(struct bhb_frames *fr)
{
	for (size_t i = 0; i < fr->n; i++)
		free(fr->v[i].payload);
	free(fr->v);
	memset(fr, 0, sizeof(*fr));
}

const char *bhb_frames_status_name(enum bhb_frame_status s)
{
	switch (s) {
	case BHB_FRAMES_OK:
		return "complete";
	case BHB_FRAMES_TRUNCATED:
		return "truncated";
	default:
		return "corrupt";
	}
}
