/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Whole-frame classification on hostile input: pkt_parse() must never read
 * outside the frame, must report offsets inside it, and its one-line
 * description must stay within the buffer it is given.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dsrlb/pkt_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pkt_meta m;
	enum wire_result r;
	uint8_t *copy;
	char line[96];
	int n;

	if (size > 65535)
		return 0;
	/* An exact-size heap copy: ASan flags any read past its end. */
	copy = malloc(size ? size : 1);
	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	r = pkt_parse(copy, (uint32_t)size, &m);
	if ((unsigned int)r >= WIRE_RESULT_MAX)
		abort();
	if (r == WIRE_OK && m.family != 0) {
		if (m.l3_off >= size || m.l4_off > size)
			abort();
		if ((m.msgs & (1u << PKT_MSG_SRH)) && m.srh_off >= size)
			abort();
	}
	n = pkt_meta_format(&m, r, line, sizeof(line));
	if (n < 0 || strlen(line) >= sizeof(line))
		abort();
	free(copy);
	return 0;
}
