/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv6 extension-header codec on hostile input.
 *
 * Input: byte 0 picks the first operation, message and encoding; byte 1
 * the buffer layout (head/tail room), the MTU, the walker's caller limit
 * and whether to make the IPv6 header well-formed (version 6, Payload
 * Length = the bytes given) so that the chain behind it gets exercised;
 * byte 2 a second operation. The rest is an IPv6 packet placed after a
 * 14-byte Ethernet header, in a pkt_buf.
 *
 * Invariants checked (abort() on violation):
 *  - a walk reads nothing outside the packet (ASan) and reports offsets
 *    inside it, within the limits;
 *  - any function that fails leaves the whole buffer and the pkt_buf as
 *    they were;
 *  - a successful insert walks again with the message decoded as given,
 *    the upper layer's bytes unchanged and the Payload Length right;
 *    removing it again gives back the original bytes exactly; a second
 *    insert followed by remove_all does too;
 *  - a successful remove / remove_all walks again, without the message(s)
 *    and with the upper layer's bytes unchanged.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dsrlb/bytes.h"
#include "dsrlb/ip6ext.h"

#define L3 14
#define HEAD 128
#define MAXIN 2048
#define CAP (HEAD + L3 + MAXIN + 256)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t addr[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 7 };

static uint8_t buf[CAP], ref[CAP], mid[CAP];
static struct pkt_buf pb0;

static void
check(int ok)
{
	if (!ok)
		abort();
}

static void
check_unchanged(const struct pkt_buf *pb)
{
	check(memcmp(buf, ref, CAP) == 0 && pb->off == pb0.off &&
	      pb->len == pb0.len);
}

/* The packet in @pb is byte for byte the reference one. */
static void
check_original(const struct pkt_buf *pb)
{
	check(pb->len == pb0.len &&
	      memcmp(pkt_buf_data(pb), ref + pb0.off, pb->len) == 0);
}

static void
check_walk(const uint8_t *d, uint32_t len, const struct ip6ext_info *in,
	   unsigned int max)
{
	unsigned int m;
	const uint8_t *fd;

	check(in->end <= len && in->upper_off <= in->end);
	check(in->upper_off >= L3 + 40 && in->upper_nh_at < in->upper_off);
	check(in->upper_off - (L3 + 40) <= IP6EXT_MAX_CHAIN);
	check(in->n_headers <= (max == 0 || max > IP6EXT_MAX_HEADERS ?
				IP6EXT_MAX_HEADERS : max));
	check((in->n_headers == 0) == (in->upper_off == L3 + 40));
	for (m = 0; m < IP6EXT_MSG_MAX; m++)
		check(in->msg_off[m] == 0 ||
		      (in->msg_off[m] >= L3 + 40 &&
		       in->msg_off[m] < in->upper_off &&
		       in->msg_hdr_off[m] <= in->msg_off[m]));
	/* RFC 8200 §8.1: the DA, or Segment List[0] inside the SRH. */
	fd = ip6ext_final_dst(d, L3, in);
	if (in->srh_off == 0)
		check(fd == d + L3 + 24);
	else
		check(fd == d + in->srh_off + 8 &&
		      in->srh_off + 24 <= in->upper_off);
}

/* How many dsrlb messages a walk found. */
static unsigned int
msgs_in(const struct ip6ext_info *in)
{
	unsigned int n = 0;

	for (unsigned int m = 0; m < IP6EXT_MSG_MAX; m++)
		n += in->msg_off[m] != 0;
	return n;
}

static enum wire_result
do_insert(struct pkt_buf *pb, unsigned int m, uint32_t mtu,
	  enum ip6ext_encoding enc, uint32_t v)
{
	switch (m) {
	case IP6EXT_MSG_CLIENT_TUPLE:
		return ip6ext_insert_client(pb, L3, mtu, enc, addr,
					    (uint16_t)v);
	case IP6EXT_MSG_METRIC_REQ:
		return ip6ext_insert_request(pb, L3, mtu, enc, v);
	case IP6EXT_MSG_RECOVER:
		return ip6ext_insert_recover(pb, L3, mtu, enc, (uint8_t)v,
					     (uint8_t)(v >> 8), ~v);
	default:
		return ip6ext_insert_answer(pb, L3, mtu, enc, (uint16_t)v,
					    v ^ 0x5a5a5a5au);
	}
}

static void
check_decoded(const struct ip6ext_info *in, unsigned int m,
	      enum ip6ext_encoding enc, uint32_t v)
{
	check(in->msg_off[m] != 0 && in->msg_enc[m] == enc);
	if (m == IP6EXT_MSG_CLIENT_TUPLE)
		check(memcmp(in->client_addr, addr, 16) == 0 &&
		      in->client_port == (uint16_t)v);
	else if (m == IP6EXT_MSG_METRIC_REQ)
		check(in->req_nonce == v);
	else if (m == IP6EXT_MSG_RECOVER)
		check(in->rec_index == (uint8_t)v &&
		      in->rec_count == (uint8_t)(v >> 8) &&
		      in->rec_cookie == ~v);
	else
		check(in->score == (uint16_t)v &&
		      in->ans_nonce == (v ^ 0x5a5a5a5au));
}

/* After a successful change: the packet walks, the upper layer's bytes
 * and whatever followed the IPv6 payload are those of @orig, and the
 * Payload Length matches the change in length. */
static void
check_after(const struct pkt_buf *pb, const struct ip6ext_info *orig,
	    struct ip6ext_info *in)
{
	const uint8_t *d = pkt_buf_data(pb), *o = ref + pb0.off;
	uint32_t tail = pb0.len - orig->upper_off;

	check(ip6ext_walk(d, pb->len, L3, 0, in) == WIRE_OK);
	check_walk(d, pb->len, in, 0);
	check(pb->len - in->upper_off == tail &&
	      memcmp(d + in->upper_off, o + orig->upper_off, tail) == 0);
	check(memcmp(d, o, L3 + 4) == 0 &&
	      memcmp(d + L3 + 7, o + L3 + 7, 33) == 0);
	check(load_be16(d + L3 + 4) - load_be16(o + L3 + 4) ==
	      (int32_t)(pb->len - pb0.len));
	check(in->upper_proto == orig->upper_proto);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ip6ext_info in, in0, in2;
	struct pkt_buf pb;
	enum ip6ext_encoding enc, enc2;
	enum wire_result r, w;
	unsigned int op, m, m2, max, removed;
	uint32_t mtu, n, v;

	if (size < 3 || size - 3 > MAXIN)
		return 0;
	n = (uint32_t)(size - 3);
	op = data[0] & 3;
	m = (data[0] >> 2) % IP6EXT_MSG_MAX;
	enc = (data[0] & 0x80) ? IP6EXT_ENC_DSTOPT : IP6EXT_ENC_PAPER;
	mtu = (data[1] & 0x30) == 0x30 ? 1280 : (data[1] & 0x30) ? 0 :
	      40u + n + 24;
	max = data[1] & 7;
	m2 = (data[2] >> 1) % IP6EXT_MSG_MAX;
	enc2 = (data[2] & 1) ? IP6EXT_ENC_DSTOPT : IP6EXT_ENC_PAPER;
	v = (uint32_t)data[2] * 0x01010101u;

	memset(buf, 0, CAP);
	memset(buf + 12, 0x86, 1);
	memset(buf + 13, 0xdd, 1);
	memcpy(buf + L3, data + 3, n);
	if ((data[1] & 0x08) && n >= 41) {
		buf[L3] = (uint8_t)(0x60 | (buf[L3] & 0x0f));
		store_be16(buf + L3 + 4, (uint16_t)(n - 40));
	}
	/* Tailroom only, or headroom only, or both. */
	if (data[1] & 0x40) {
		memmove(buf + HEAD, buf, L3 + n);
		memset(buf, 0, HEAD);
		pkt_buf_init(&pb, buf, (data[1] & 0x80) ? HEAD + L3 + n : CAP,
			     HEAD, L3 + n);
	} else {
		pkt_buf_init(&pb, buf, CAP, 0, L3 + n);
	}
	pb0 = pb;
	memcpy(ref, buf, CAP);

	w = ip6ext_walk(pkt_buf_data(&pb), pb.len, L3, max, &in0);
	if (w == WIRE_OK)
		check_walk(pkt_buf_data(&pb), pb.len, &in0, max);
	check_unchanged(&pb);
	if (max != 0) {
		w = ip6ext_walk(pkt_buf_data(&pb), pb.len, L3, 0, &in0);
		if (w == WIRE_OK)
			check_walk(pkt_buf_data(&pb), pb.len, &in0, 0);
	}

	switch (op) {
	case 0:
	case 1:
		r = do_insert(&pb, m, mtu, enc, v);
		if (r != WIRE_OK)
			break;
		check(w == WIRE_OK && in0.msg_off[m] == 0);
		check_after(&pb, &in0, &in);
		check_decoded(&in, m, enc, v);
		if (op == 1 && m2 != m) {
			/* Two inserts, then remove_all. */
			struct pkt_buf pb1 = pb;
			unsigned int had = msgs_in(&in0);
			bool two;

			memcpy(mid, buf, CAP);
			two = do_insert(&pb, m2, 0, enc2, ~v) == WIRE_OK;
			if (two) {
				check_after(&pb, &in0, &in2);
				check_decoded(&in2, m, enc, v);
				check_decoded(&in2, m2, enc2, ~v);
			} else {
				check(memcmp(buf, mid, CAP) == 0 &&
				      pb.off == pb1.off && pb.len == pb1.len);
			}
			/* Only a packet that was all dsrlb headers to begin
			 * with cannot lose them all (Payload Length 0). */
			pb1 = pb;
			memcpy(mid, buf, CAP);
			r = ip6ext_remove_all(&pb, L3, &removed);
			if (r != WIRE_OK) {
				check(r == WIRE_ERR_IPV6_PAYLOAD_LEN &&
				      had != 0 && in0.upper_off == in0.end &&
				      memcmp(buf, mid, CAP) == 0 &&
				      pb.off == pb1.off && pb.len == pb1.len);
				return 0;
			}
			check(removed == had + 1u + two);
			check_after(&pb, &in0, &in);
			check(msgs_in(&in) == 0);
			if (had == 0)
				check_original(&pb);
			return 0;
		}
		check(ip6ext_remove(&pb, L3, (enum ip6ext_msg)m) == WIRE_OK);
		check_original(&pb);
		return 0;
	case 2:
		r = ip6ext_remove(&pb, L3, (enum ip6ext_msg)m);
		if (r != WIRE_OK)
			break;
		check(w == WIRE_OK && in0.msg_off[m] != 0);
		check_after(&pb, &in0, &in);
		check(in.msg_off[m] == 0);
		for (m2 = 0; m2 < IP6EXT_MSG_MAX; m2++)
			check((in.msg_off[m2] != 0) ==
			      (m2 != m && in0.msg_off[m2] != 0));
		check(in.client_port == (in.msg_off[0] ? in0.client_port : 0));
		check(in.req_nonce == (in.msg_off[1] ? in0.req_nonce : 0));
		check(in.score == (in.msg_off[2] ? in0.score : 0));
		check(in.rec_cookie == (in.msg_off[3] ? in0.rec_cookie : 0));
		return 0;
	default:
		r = ip6ext_remove_all(&pb, L3, &removed);
		if (r != WIRE_OK)
			break;
		check(w == WIRE_OK);
		check(removed == msgs_in(&in0));
		check_after(&pb, &in0, &in);
		check(msgs_in(&in) == 0);
		if (removed == 0)
			check_original(&pb);
		return 0;
	}
	check_unchanged(&pb);
	return 0;
}
