/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Result channel framing: guest agent -> host.
 *
 * A stream is a sequence of frames, each
 *     "BHB1 <type> <seq> <len> <crc32>\n" <len payload bytes> "\n"
 * with seq counting from 0 and crc32 (IEEE, as zlib) over "<type> <seq> <len>"
 * followed by the payload, in 8 lower-case hex digits; only that canonical
 * spelling of a header is accepted.  The last frame has type "end" and a payload "<frames> <status>"
 * where <frames> counts the frames before it.  A stream without its end
 * frame was truncated; a bad header, length, sequence or checksum is
 * corruption.  Decoding keeps every good frame before the first problem.
 */
#ifndef BHB_FRAME_H
#define BHB_FRAME_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define BHB_FRAME_TYPE_MAX 15
#define BHB_FRAME_MAX_LEN (64u << 20)

struct bhb_frame {
	char type[BHB_FRAME_TYPE_MAX + 1];
	uint32_t seq;
	size_t len;
	char *payload;		/* NUL-terminated copy */
};

enum bhb_frame_status {
	BHB_FRAMES_OK = 0,	/* complete stream, end frame seen */
	BHB_FRAMES_TRUNCATED,	/* stream stops early: no end frame */
	BHB_FRAMES_CORRUPT,	/* bad header, length, sequence or checksum */
};

struct bhb_frames {
	struct bhb_frame *v;
	size_t n, cap;
	enum bhb_frame_status status;
	int end_status;		/* agent's exit status from the end frame */
	char error[256];	/* what went wrong, with the byte offset */
};

uint32_t bhb_crc32(uint32_t crc, const void *buf, size_t len);

/* Encoder: writes one frame; returns 0 or -1 (errno set). */
int bhb_frame_write(FILE *f, const char *type, uint32_t seq, const void *payload, size_t len);

/* Decoder: never fails outright; read status and error. */
void bhb_frames_decode(const char *buf, size_t len, struct bhb_frames *out);
void bhb_frames_free(struct bhb_frames *fr);
const char *bhb_frames_status_name(enum bhb_frame_status s);

#endif
