/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The polling baseline's codec (poll.h) and the poller's answer handling
 * (lb_poll.h) on hostile input (issue 22).
 *
 * The input is used three ways:
 * - as a poll payload: poll_decode() accepts exactly POLL_LEN bytes, and
 *   what it accepts encodes back to the same bytes;
 * - as a frame the agent received: when it parses as UDP to POLL_PORT,
 *   poll_answer_frame() either refuses it and leaves it unchanged, or
 *   turns it into an answer of the same length that parses again, from
 *   POLL_PORT, with valid checksums, whose payload decodes as an answer
 *   with the request's nonce and the given score; an answer is never
 *   answered again (no reflection loop between two agents);
 * - as the datagrams the appliance's poller reads, after a round to two
 *   servers: an answer is taken at most once per server and round, only
 *   with that round's nonce, and every datagram is counted exactly once.
 *
 * Exact-size heap copies, so that ASan flags any access past the end.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dsrlb/bytes.h"
#include "dsrlb/csum.h"
#include "dsrlb/lb_poll.h"
#include "dsrlb/pkt_parse.h"
#include "dsrlb/poll.h"
#include "dsrlb/rng.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(int ok)
{
	if (!ok)
		abort();
}

static void
fuzz_decode(const uint8_t *d, size_t size)
{
	uint8_t *copy = malloc(size ? size : 1), out[POLL_LEN];
	struct poll_msg m;
	enum wire_result r;

	if (copy == NULL)
		return;
	memcpy(copy, d, size);
	r = poll_decode(copy, size, &m);
	check(r == WIRE_OK || r == WIRE_ERR_TRUNCATED || r == WIRE_ERR_INVAL);
	check((r == WIRE_ERR_TRUNCATED) == (size != POLL_LEN));
	if (r == WIRE_OK) {
		check(m.type == POLL_REQUEST || m.type == POLL_ANSWER);
		check(m.type == POLL_ANSWER || m.score == 0);
		poll_encode(out, &m);
		check(memcmp(out, copy, POLL_LEN) == 0);
	}
	check(memcmp(copy, d, size) == 0);
	free(copy);
}

/* The frame's IPv4 header and UDP checksums verify. */
static int
sums_ok(const uint8_t *f, const struct pkt_meta *m)
{
	const uint8_t *ip = f + m->l3_off, *udp = f + m->l4_off;
	uint32_t l4_len = load_be16(udp + 4), sum;

	if (m->family == 4) {
		/* (csum_ipv4_hdr() sums around the checksum field) */
		if (csum_ipv4_hdr(ip, 20) != load_be16(ip + 10))
			return 0;
		sum = csum_pseudo_ipv4(load_be32(ip + 12), load_be32(ip + 16),
				       17, (uint16_t)l4_len);
	} else {
		sum = csum_pseudo_ipv6(ip + 8, ip + 24, 17, l4_len);
	}
	/* the sum over a correct checksum folds to zero (0xffff stands
	 * for a computed zero) */
	return csum_l4(sum, udp, l4_len) == 0;
}

static void
fuzz_answer_frame(const uint8_t *d, size_t size, uint16_t score)
{
	uint8_t *f, *ref;
	struct pkt_meta m, m2;
	struct poll_msg q, a;
	enum wire_result r;

	if (size == 0 || size > 9000)
		return;
	f = malloc(size);
	ref = malloc(size);
	if (f == NULL || ref == NULL)
		goto out;
	memcpy(f, d, size);
	memcpy(ref, d, size);
	if (pkt_parse(f, (uint32_t)size, &m) != WIRE_OK)
		goto out;
	r = poll_answer_frame(f, (uint32_t)size, &m, score);
	check(r == WIRE_OK || r == WIRE_ERR_TRUNCATED || r == WIRE_ERR_INVAL);
	if (r != WIRE_OK) {
		check(memcmp(f, ref, size) == 0);
		goto out;
	}
	/* the request was a bare poll request to POLL_PORT */
	check(m.l4_proto == 17 && m.dport == POLL_PORT);
	check(poll_decode(ref + m.l4_off + 8, POLL_LEN, &q) == WIRE_OK &&
	      q.type == POLL_REQUEST);
	/* the answer: same length, parses, from POLL_PORT back to the
	 * requester's port, valid sums, the request's nonce */
	check(pkt_parse(f, (uint32_t)size, &m2) == WIRE_OK);
	check(m2.family == m.family && m2.l4_proto == 17 &&
	      m2.l4_off == m.l4_off);
	check(m2.sport == POLL_PORT && m2.dport == m.sport);
	check(memcmp(f, ref + 6, 6) == 0 && memcmp(f + 6, ref, 6) == 0);
	check(sums_ok(f, &m2));
	check(poll_decode(f + m.l4_off + 8, POLL_LEN, &a) == WIRE_OK);
	check(a.type == POLL_ANSWER && a.score == score && a.nonce == q.nonce);
	/* an answer is not answered */
	memcpy(ref, f, size);
	check(poll_answer_frame(f, (uint32_t)size, &m2, score) != WIRE_OK);
	check(memcmp(f, ref, size) == 0);
out:
	free(f);
	free(ref);
}

/*
 * The poller's side: two servers are polled; the input is a sequence of
 * datagrams [source (1 byte: 0 server A, 1 server B, else an unknown
 * address), length (1 byte, up to 32), payload], where a payload may
 * borrow the round's real nonce of a server (a set bit 0x80 of the
 * source byte) so that the fuzzer reaches accepted answers.
 */
static void
fuzz_poller(const uint8_t *d, size_t size)
{
	static const uint8_t addr[3][4] = { { 10, 0, 0, 11 },
					    { 10, 0, 0, 12 },
					    { 10, 0, 0, 99 } };
	struct lb_poll p;
	struct lb_poll_target t[2];
	struct rng r;
	uint32_t taken[2] = { 0, 0 };
	uint64_t dgrams = 0, sum;
	size_t i = 0;

	memset(&p, 0, sizeof(p));
	memset(t, 0, sizeof(t));
	for (unsigned int k = 0; k < 2; k++) {
		t[k].family = 4;
		memcpy(t[k].addr, addr[k], 4);
	}
	p.t = t;
	p.n = 2;
	rng_seed(&r, 42);
	lb_poll_round(&p, &r);
	while (i + 2 <= size) {
		uint8_t src = d[i], len = d[i + 1] % 33;
		unsigned int who = (src & 0x7f) % 3;
		uint8_t *pl;
		int got;

		i += 2;
		if (len > size - i)
			len = (uint8_t)(size - i);
		pl = malloc(len ? len : 1);
		if (pl == NULL)
			return;
		memcpy(pl, d + i, len);
		i += len;
		if ((src & 0x80) && len == POLL_LEN && who < 2) {
			uint64_t n = t[who].nonce;

			store_be32(pl + 8, (uint32_t)(n >> 32));
			store_be32(pl + 12, (uint32_t)n);
		}
		got = lb_poll_answer(&p, 4, addr[who], pl, len);
		dgrams++;
		check(got == -1 || got == (int)who);
		if (got >= 0) {
			struct poll_msg m;

			check(poll_decode(pl, len, &m) == WIRE_OK &&
			      m.type == POLL_ANSWER &&
			      m.nonce == t[who].nonce);
			check(t[who].answered && t[who].known &&
			      t[who].score == m.score);
			taken[who]++;
			check(taken[who] == 1);
		}
		free(pl);
		/* a new round now and then (src low bits) */
		if ((src & 0x7f) == 0x7f) {
			lb_poll_round(&p, &r);
			taken[0] = taken[1] = 0;
		}
	}
	sum = p.cnt[LB_POLL_CNT_answers] + p.cnt[LB_POLL_CNT_late] +
	      p.cnt[LB_POLL_CNT_unknown] + p.cnt[LB_POLL_CNT_bad];
	check(sum == dgrams);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_decode(data, size);
	fuzz_answer_frame(data, size,
			  size >= 2 ? load_be16(data + size - 2) : 0);
	fuzz_poller(data, size);
	return 0;
}
