/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdbool.h>
#include <string.h>

#include "dsrlb/bytes.h"
#include "dsrlb/ip6ext.h"
#include "dsrlb/srh.h"
#include "dsrlb/wire.h"

/*
 * Nothing here changes a TCP/UDP checksum: extension headers are not part
 * of the pseudo-header, and the final destination (RFC 8200 §8.1) is never
 * modified by these functions. Only Next Header and Payload Length change,
 * and the IPv6 header has no checksum.
 */

#define IP6_OFF_PLEN    4
#define IP6_OFF_NH      6
#define IP6_OFF_DST     24
#define IP6_MAX_PKT     (IPV6_HDR_LEN + 65535u)

/* Bytes of struct ip6ext_info cleared by each of ip6ext_walk()'s two
 * memsets: at most what gcc stores by pieces (6 vector moves). */
#define IP6EXT_INFO_HALF 80

/* Fragment header (RFC 8200 §4.5): offset << 3 | res | M. */
#define FRAG_OFF_MASK   0xFFF8
#define FRAG_M          0x0001

/* Dsrlb option sizes, type and length bytes included. */
#define DO_CLIENT_SIZE  (2 + IP6EXT_DO_CLIENT_DATA_LEN)
#define DO_METRIC_SIZE  (2 + IP6EXT_DO_METRIC_DATA_LEN)
#define DO_RECOVER_SIZE (2 + IP6EXT_DO_RECOVER_DATA_LEN)
#define DO_RECOVER_ADDR_SIZE (DO_RECOVER_SIZE + 16)
#define RECOVER_ADDR_LEN (IP6EXT_RECOVER_LEN + 16)
/* Largest piece we insert: the long recover option in a new header,
 * 2 + 26 rounded up to 8. */
#define INS_MAX         32

static const uint8_t paper_nh[IP6EXT_MSG_MAX] = {
	IP6EXT_CLIENT_TUPLE, IP6EXT_METRIC_REQ, IP6EXT_METRIC_ANS,
	IP6EXT_RECOVER,
};
static const uint8_t paper_len[IP6EXT_MSG_MAX] = {
	IP6EXT_CLIENT_TUPLE_LEN, IP6EXT_METRIC_REQ_LEN, IP6EXT_METRIC_ANS_LEN,
	IP6EXT_RECOVER_LEN,
};
static const uint8_t do_sub[IP6EXT_MSG_MAX] = {
	IP6EXT_SUB_CLIENT_TUPLE, IP6EXT_SUB_METRIC_REQ, IP6EXT_SUB_METRIC_ANS,
	IP6EXT_SUB_RECOVER,
};
static const uint8_t do_size[IP6EXT_MSG_MAX] = {
	DO_CLIENT_SIZE, DO_METRIC_SIZE, DO_METRIC_SIZE, DO_RECOVER_SIZE,
};

/* The values a message carries (host order). */
struct msg_val {
	const uint8_t *addr;
	uint16_t port;
	uint16_t score;
	uint32_t nonce;
	uint8_t index;          /* recover marker */
	uint8_t count;
	const uint8_t *raddr;   /* its address (long form), or NULL */
};

static enum wire_result
record_msg(struct ip6ext_info *info, enum ip6ext_msg m, uint32_t off,
	   uint32_t hdr_off, uint32_t nh_at, enum ip6ext_encoding enc)
{
	/* One of each message per packet, whatever the encoding. */
	if (info->msg_off[m] != 0)
		return WIRE_ERR_IP6EXT_DUP;
	info->msg_off[m] = off;
	info->msg_hdr_off[m] = hdr_off;
	info->msg_nh_at[m] = nh_at;
	info->msg_enc[m] = (uint8_t)enc;
	return WIRE_OK;
}

/* Client port and address, wherever the encoding puts them. */
static void
decode_client(const uint8_t *port, const uint8_t *addr,
	      struct ip6ext_info *info)
{
	info->client_port = load_be16(port);
	memcpy(info->client_addr, addr, 16);
}

/* Recover marker fields: index, count, cookie (4), in both encodings. */
static void
decode_recover(const uint8_t *p, const uint8_t *addr,
	       struct ip6ext_info *info)
{
	info->rec_index = p[0];
	info->rec_count = p[1];
	info->rec_cookie = load_be32(p + 2);
	if (addr != NULL) {
		info->rec_has_addr = 1;
		memcpy(info->rec_addr, addr, 16);
	}
}

/* A type-0x1E option of a Destination Options header: @o points at its
 * type byte, @dlen is its data length (inside the header). An unknown
 * sub-type is another RFC 4727 experiment: skipped like any option. */
static enum wire_result
decode_do_option(const uint8_t *o, uint32_t dlen, uint32_t off,
		 uint32_t hdr_off, uint32_t nh_at, struct ip6ext_info *info)
{
	enum ip6ext_msg m;

	if (dlen < 1)
		return WIRE_OK;
	switch (o[2]) {
	case IP6EXT_SUB_CLIENT_TUPLE:
		m = IP6EXT_MSG_CLIENT_TUPLE;
		break;
	case IP6EXT_SUB_METRIC_REQ:
		m = IP6EXT_MSG_METRIC_REQ;
		break;
	case IP6EXT_SUB_METRIC_ANS:
		m = IP6EXT_MSG_METRIC_ANS;
		break;
	case IP6EXT_SUB_RECOVER:
		m = IP6EXT_MSG_RECOVER;
		break;
	default:
		return WIRE_OK;
	}
	if (dlen + 2 != do_size[m] &&
	    !(m == IP6EXT_MSG_RECOVER && dlen + 2 == DO_RECOVER_ADDR_SIZE))
		return WIRE_ERR_IP6EXT_FORMAT;
	/* type, len, sub, reserved, then port/reserved/score (2) or index
	 * and count, then the address, the nonce or the cookie. */
	if (m == IP6EXT_MSG_CLIENT_TUPLE)
		decode_client(o + 4, o + 6, info);
	else if (m == IP6EXT_MSG_RECOVER)
		decode_recover(o + 4, dlen + 2 == DO_RECOVER_ADDR_SIZE ?
				      o + 10 : NULL, info);
	else if (m == IP6EXT_MSG_METRIC_REQ)
		info->req_nonce = load_be32(o + 6);
	else {
		info->score = load_be16(o + 4);
		info->ans_nonce = load_be32(o + 6);
	}
	return record_msg(info, m, off, hdr_off, nh_at, IP6EXT_ENC_DSTOPT);
}

/* TLV walk of a Hop-by-Hop or Destination Options header of @hlen bytes
 * at buffer offset @hoff, which lies inside the packet (RFC 8200 §4.2):
 * Pad1 is one byte, every other option type, length, data, the last one
 * ending exactly at hlen. PadN data must be zero (RFC 4942 §2.1.9.5) and
 * padding only aligns, so at most 7 bytes of it in a row. */
static enum wire_result
walk_options(const uint8_t *buf, uint32_t hoff, uint32_t hlen, uint32_t nh_at,
	     bool dst_opts, struct ip6ext_info *info)
{
	const uint8_t *h = buf + hoff;
	uint32_t pos = 2, dlen, run = 0, i;
	enum wire_result r;

	while (pos < hlen) {
		if (h[pos] == IP6EXT_OPT_PAD1) {
			if (++run > IP6EXT_MAX_PAD_RUN)
				return WIRE_ERR_IP6EXT_FORMAT;
			pos++;
			continue;
		}
		if (hlen - pos < 2)
			return WIRE_ERR_IP6EXT_FORMAT;
		dlen = h[pos + 1];
		if (dlen > hlen - pos - 2)
			return WIRE_ERR_IP6EXT_FORMAT;
		if (h[pos] == IP6EXT_OPT_PADN) {
			run += 2 + dlen;
			if (run > IP6EXT_MAX_PAD_RUN)
				return WIRE_ERR_IP6EXT_FORMAT;
			for (i = 0; i < dlen; i++)
				if (h[pos + 2 + i] != 0)
					return WIRE_ERR_IP6EXT_FORMAT;
		} else {
			run = 0;
			if (dst_opts && h[pos] == IP6EXT_DSTOPT_TYPE) {
				r = decode_do_option(h + pos, dlen, hoff + pos,
						     hoff, nh_at, info);
				if (r != WIRE_OK)
					return r;
			}
		}
		pos += 2 + dlen;
	}
	return WIRE_OK;
}

/* Size of the extension header @nh at @h, whose first 8 bytes exist. */
static uint32_t
ext_hdr_len(uint8_t nh, const uint8_t *h)
{
	switch (nh) {
	case IPPROTO_NUM_FRAGMENT:
		return 8;
	case IPPROTO_NUM_AH:
		/* RFC 4302 §2.2: Payload Len in 32-bit words, minus 2. */
		return ((uint32_t)h[1] + 2) * 4;
	default:
		/* RFC 6564 uniform format: 8-octet units, minus the first. */
		return ((uint32_t)h[1] + 1) * 8;
	}
}

/* The headers the walk crosses, as a bit set over next-header values
 * below 64 (issue 19: a test instead of a switch per header); the
 * recover header (253) is the one above. */
#define CROSSED_LOW ((1ull << IPPROTO_NUM_HOPOPTS) |                   \
		     (1ull << IPPROTO_NUM_ROUTING) |                   \
		     (1ull << IPPROTO_NUM_DSTOPTS) |                   \
		     (1ull << IPPROTO_NUM_FRAGMENT) |                  \
		     (1ull << IPPROTO_NUM_AH) |                        \
		     (1ull << IP6EXT_CLIENT_TUPLE) |                   \
		     (1ull << IP6EXT_METRIC_REQ) |                     \
		     (1ull << IP6EXT_METRIC_ANS))

static inline bool
is_crossed(uint8_t nh)
{
	_Static_assert(IPPROTO_NUM_HOPOPTS < 64 && IPPROTO_NUM_ROUTING < 64 &&
		       IPPROTO_NUM_DSTOPTS < 64 && IPPROTO_NUM_FRAGMENT < 64 &&
		       IPPROTO_NUM_AH < 64 && IP6EXT_CLIENT_TUPLE < 64 &&
		       IP6EXT_METRIC_REQ < 64 && IP6EXT_METRIC_ANS < 64 &&
		       IP6EXT_RECOVER >= 64, "next-header bit set");
	return nh < 64 ? (CROSSED_LOW >> nh) & 1 : nh == IP6EXT_RECOVER;
}

/* One header of @hlen bytes at @pos (inside the payload), named by the
 * Next Header byte at @nh_at. */
static enum wire_result
walk_one(const uint8_t *buf, uint32_t end, uint8_t nh, uint32_t pos,
	 uint32_t hlen, uint32_t nh_at, struct ip6ext_info *info)
{
	const uint8_t *h = buf + pos;
	struct srh_view v;
	uint16_t frag;

	switch (nh) {
	case IPPROTO_NUM_HOPOPTS:
		info->hbh_off = pos;
		return walk_options(buf, pos, hlen, nh_at, false, info);
	case IPPROTO_NUM_DSTOPTS:
		info->final_do_off = pos;
		return walk_options(buf, pos, hlen, nh_at, true, info);
	case IPPROTO_NUM_ROUTING:
		if (h[2] != SRH_ROUTING_TYPE) {
			if (info->rh_off == 0)
				info->rh_off = pos;
			return WIRE_OK;
		}
		/* RFC 8754 §4.3.1: one SRH; a second is not ours to skip. */
		if (info->srh_off != 0)
			return WIRE_ERR_IP6EXT_DUP;
		info->srh_off = pos;
		return srh_parse(buf, end, pos, &v);
	case IPPROTO_NUM_FRAGMENT:
		frag = load_be16(h + 2);
		/* A non-first fragment has no upper layer to read. */
		if ((frag & FRAG_OFF_MASK) != 0)
			return WIRE_ERR_IP6EXT_FRAGMENT;
		if (info->frag_off == 0) {
			info->frag_off = pos;
			info->first_fragment = 1;
			info->frag_more = (frag & FRAG_M) != 0;
		}
		return WIRE_OK;
	case IPPROTO_NUM_AH:
		/* RFC 4302 §2.2: 12 fixed bytes, and for IPv6 a multiple
		 * of 8 so that what follows stays aligned. */
		if (hlen < 12 || hlen % 8 != 0)
			return WIRE_ERR_IP6EXT_FORMAT;
		if (info->ah_off == 0)
			info->ah_off = pos;
		return WIRE_OK;
	case IP6EXT_CLIENT_TUPLE:
		if (hlen != IP6EXT_CLIENT_TUPLE_LEN)
			return WIRE_ERR_IP6EXT_FORMAT;
		decode_client(h + 2, h + 8, info);
		return record_msg(info, IP6EXT_MSG_CLIENT_TUPLE, pos, pos,
				  nh_at, IP6EXT_ENC_PAPER);
	case IP6EXT_METRIC_REQ:
		if (hlen != IP6EXT_METRIC_REQ_LEN)
			return WIRE_ERR_IP6EXT_FORMAT;
		info->req_nonce = load_be32(h + 4);
		return record_msg(info, IP6EXT_MSG_METRIC_REQ, pos, pos,
				  nh_at, IP6EXT_ENC_PAPER);
	case IP6EXT_RECOVER:
		if (hlen != IP6EXT_RECOVER_LEN && hlen != RECOVER_ADDR_LEN)
			return WIRE_ERR_IP6EXT_FORMAT;
		decode_recover(h + 2, hlen == RECOVER_ADDR_LEN ? h + 8 : NULL,
			       info);
		return record_msg(info, IP6EXT_MSG_RECOVER, pos, pos,
				  nh_at, IP6EXT_ENC_PAPER);
	default: /* IP6EXT_METRIC_ANS */
		if (hlen != IP6EXT_METRIC_ANS_LEN)
			return WIRE_ERR_IP6EXT_FORMAT;
		info->score = load_be16(h + 2);
		info->ans_nonce = load_be32(h + 4);
		return record_msg(info, IP6EXT_MSG_METRIC_ANS, pos, pos,
				  nh_at, IP6EXT_ENC_PAPER);
	}
}

enum wire_result
ip6ext_walk(const uint8_t *buf, uint32_t len, uint32_t off,
	    unsigned int max_headers, struct ip6ext_info *info)
{
	uint32_t end, pos, nh_at, hlen, chain0;
	enum wire_result r;
	uint8_t nh;

	if (buf == NULL || info == NULL)
		return WIRE_ERR_INVAL;
	/* In two halves: gcc stores each with a few vector moves, the whole
	 * with "rep stos", whose start-up was half of this function's
	 * cycles in every IPv6 packet with a header to cross (perf, issue
	 * 19 round 9). */
	_Static_assert(sizeof(*info) <= 2 * IP6EXT_INFO_HALF, "two halves");
	memset(info, 0, IP6EXT_INFO_HALF);
	memset((uint8_t *)info + IP6EXT_INFO_HALF, 0,
	       sizeof(*info) - IP6EXT_INFO_HALF);
	r = ip6_hdr_check(buf, len, off, &end);
	if (r != WIRE_OK)
		return r;
	if (max_headers == 0 || max_headers > IP6EXT_MAX_HEADERS)
		max_headers = IP6EXT_MAX_HEADERS;
	info->end = end;
	nh_at = off + IP6_OFF_NH;
	chain0 = off + IPV6_HDR_LEN;
	pos = chain0;
	nh = buf[nh_at];
	while (is_crossed(nh)) {
		/* RFC 8200 §4.1: Hop-by-Hop only right after the IPv6
		 * header. */
		if (nh == IPPROTO_NUM_HOPOPTS && info->n_headers != 0)
			return WIRE_ERR_IP6EXT_ORDER;
		/* Bound the walk by a count and by the bytes (RFC 7112). */
		if (info->n_headers >= max_headers)
			return WIRE_ERR_IP6EXT_TOO_MANY;
		if (end - pos < 8)
			return WIRE_ERR_TRUNCATED;
		hlen = ext_hdr_len(nh, buf + pos);
		if (hlen > end - pos)
			return WIRE_ERR_TRUNCATED;
		if (pos - chain0 + hlen > IP6EXT_MAX_CHAIN)
			return WIRE_ERR_IP6EXT_TOO_LONG;
		info->final_do_off = 0;
		r = walk_one(buf, end, nh, pos, hlen, nh_at, info);
		if (r != WIRE_OK)
			return r;
		info->n_headers++;
		nh_at = pos;
		nh = buf[pos];
		pos += hlen;
	}
	info->upper_proto = nh;
	info->upper_off = pos;
	info->upper_nh_at = nh_at;
	return WIRE_OK;
}

const uint8_t *
ip6ext_final_dst(const uint8_t *buf, uint32_t off,
		 const struct ip6ext_info *info)
{
	/* RFC 8200 §8.1 with RFC 8754 §2: Segment List[0] is the final
	 * segment; a walked SRH is valid, so it lies inside the SRH. */
	if (info->srh_off != 0)
		return buf + info->srh_off + SRH_FIXED_LEN;
	return buf + off + IP6_OFF_DST;
}

/* Write @n bytes of padding at @p: Pad1, or one PadN (RFC 8200 §4.2). */
static void
write_pad(uint8_t *p, uint32_t n)
{
	if (n == 0)
		return;
	if (n == 1) {
		p[0] = IP6EXT_OPT_PAD1;
		return;
	}
	p[0] = IP6EXT_OPT_PADN;
	p[1] = (uint8_t)(n - 2);
	memset(p + 2, 0, n - 2);
}

/* Header 27, 28, 29 (paper Table 2, our byte layout) or 253: reserved bytes
 * are sent as zero and ignored on receipt. */
static uint32_t
paper_size(enum ip6ext_msg m, const struct msg_val *v)
{
	return m == IP6EXT_MSG_RECOVER && v->raddr != NULL ?
	       RECOVER_ADDR_LEN : paper_len[m];
}

static uint32_t
option_size(enum ip6ext_msg m, const struct msg_val *v)
{
	return m == IP6EXT_MSG_RECOVER && v->raddr != NULL ?
	       DO_RECOVER_ADDR_SIZE : do_size[m];
}

/* Zero @n bytes at @p, 8 <= n <= INS_MAX (every message's size), in
 * constant-size stores that may overlap: a memset() of a variable length
 * is "rep stos" to gcc, whose start-up cost more than the rest of the
 * message's write (perf, issue 19 round 9). */
static inline void
zero_msg(uint8_t *p, uint32_t n)
{
	_Static_assert(INS_MAX <= 32, "two 16-byte stores");
	if (n >= 16) {
		memset(p, 0, 16);
		memset(p + n - 16, 0, 16);
	} else {
		memset(p, 0, 8);
		memset(p + n - 8, 0, 8);
	}
}

/* zero_msg()'s copy: @n bytes from @p src, for the same reason. */
static inline void
copy_msg(uint8_t *dst, const uint8_t *src, uint32_t n)
{
	if (n >= 16) {
		memcpy(dst, src, 16);
		memcpy(dst + n - 16, src + n - 16, 16);
	} else {
		memcpy(dst, src, 8);
		memcpy(dst + n - 8, src + n - 8, 8);
	}
}

static void
write_paper(uint8_t *h, enum ip6ext_msg m, uint8_t nh, const struct msg_val *v)
{
	zero_msg(h, paper_size(m, v));
	h[0] = nh;
	h[1] = (uint8_t)(paper_size(m, v) / 8 - 1);
	switch (m) {
	case IP6EXT_MSG_CLIENT_TUPLE:
		/* NH | 2 | port | reserved(4) | address, 8-byte aligned */
		store_be16(h + 2, v->port);
		memcpy(h + 8, v->addr, 16);
		break;
	case IP6EXT_MSG_METRIC_REQ:
		/* NH | 0 | reserved(2) | nonce */
		store_be32(h + 4, v->nonce);
		break;
	case IP6EXT_MSG_RECOVER:
		/* NH | 0 | index | count | cookie; long form: Hdr Ext
		 * Len 2 and the address at 8 */
		h[2] = v->index;
		h[3] = v->count;
		store_be32(h + 4, v->nonce);
		if (v->raddr != NULL)
			memcpy(h + 8, v->raddr, 16);
		break;
	default:
		/* NH | 0 | score | nonce */
		store_be16(h + 2, v->score);
		store_be32(h + 4, v->nonce);
		break;
	}
}

/* Option 0x1E: type, length, sub-type, reserved, then as the header. */
static void
write_option(uint8_t *o, enum ip6ext_msg m, const struct msg_val *v)
{
	zero_msg(o, option_size(m, v));
	o[0] = IP6EXT_DSTOPT_TYPE;
	o[1] = (uint8_t)(option_size(m, v) - 2);
	o[2] = do_sub[m];
	/* o[3] reserved */
	if (m == IP6EXT_MSG_CLIENT_TUPLE) {
		store_be16(o + 4, v->port);
		memcpy(o + 6, v->addr, 16);
	} else if (m == IP6EXT_MSG_RECOVER) {
		o[4] = v->index;
		o[5] = v->count;
		store_be32(o + 6, v->nonce);
		if (v->raddr != NULL)
			memcpy(o + 10, v->raddr, 16);
	} else {
		if (m == IP6EXT_MSG_METRIC_ANS)
			store_be16(o + 4, v->score);
		store_be32(o + 6, v->nonce);
	}
}

/* What surrounds the option at header offset @target (0: none) of an
 * options header that the walk validated. */
struct do_scan {
	uint32_t hlen;          /* header bytes */
	unsigned int others;    /* non-padding options other than @target */
	uint32_t trail;         /* padding bytes at the end of the header */
	uint32_t pre[IP6EXT_MAX_PAD_RUN]; /* padding TLVs right before it */
	unsigned int npre;
	uint32_t post;          /* padding bytes right after it */
};

static void
scan_options(const uint8_t *h, uint32_t target, struct do_scan *s)
{
	uint32_t run[IP6EXT_MAX_PAD_RUN], pos = 2, step;
	unsigned int nrun = 0;
	bool after = false;

	memset(s, 0, sizeof(*s));
	s->hlen = ((uint32_t)h[1] + 1) * 8;
	/* The walk checked every TLV and padding run, so each step stays
	 * inside the header and a run has at most 7 TLVs. */
	while (pos < s->hlen) {
		step = h[pos] == IP6EXT_OPT_PAD1 ? 1 : 2u + h[pos + 1];
		if (h[pos] == IP6EXT_OPT_PAD1 || h[pos] == IP6EXT_OPT_PADN) {
			if (nrun < IP6EXT_MAX_PAD_RUN)
				run[nrun++] = pos;
			if (after)
				s->post += step;
		} else if (pos == target) {
			memcpy(s->pre, run, nrun * sizeof(run[0]));
			s->npre = nrun;
			nrun = 0;
			after = true;
		} else {
			s->others++;
			nrun = 0;
			after = false;
		}
		pos += step;
	}
	s->trail = nrun != 0 ? s->hlen - run[0] : 0;
}

/* Set the Payload Length of the IPv6 header at @l3 to grow by @delta. */
static void
plen_add(uint8_t *l3, int32_t delta)
{
	store_be16(l3 + IP6_OFF_PLEN,
		   (uint16_t)((int32_t)load_be16(l3 + IP6_OFF_PLEN) + delta));
}

static enum wire_result
insert_msg(struct pkt_buf *pb, uint32_t l3_off, uint32_t mtu,
	   enum ip6ext_encoding enc, enum ip6ext_msg m, const struct msg_val *v)
{
	uint8_t blk[INS_MAX];
	const uint32_t osz = option_size(m, v);
	struct ip6ext_info info;
	struct do_scan s;
	uint32_t at, n, pre, plen, limit, hoff = 0;
	/* what insert_msg() needs of the walk */
	uint32_t upper_off, upper_nh_at, n_headers, final_do_off;
	uint8_t upper_proto;
	enum wire_result r;
	bool join = false;
	uint8_t *d;

	if (pb == NULL || pb->base == NULL ||
	    (enc != IP6EXT_ENC_PAPER && enc != IP6EXT_ENC_DSTOPT))
		return WIRE_ERR_INVAL;
	d = pkt_buf_data(pb);
	r = ip6_hdr_check(d, pb->len, l3_off, NULL);
	if (r != WIRE_OK)
		return r;
	upper_proto = d[l3_off + IP6_OFF_NH];
	if (!is_crossed(upper_proto)) {
		/* The upper layer right after the fixed header (a client's
		 * SYN): what the walk finds, without its loop and the
		 * zeroing of its 200-byte result (issue 19, round 6; unit
		 * test test_insert_bare_is_the_walk): no header, so no
		 * message, fragment or Destination Options header. */
		upper_off = l3_off + IPV6_HDR_LEN;
		upper_nh_at = l3_off + IP6_OFF_NH;
		n_headers = 0;
		final_do_off = 0;
	} else {
		r = ip6ext_walk(d, pb->len, l3_off, 0, &info);
		if (r != WIRE_OK)
			return r;
		if (info.msg_off[m] != 0)
			return WIRE_ERR_IP6EXT_DUP;
		/* RFC 8200 §4.5: the next fragment's offset fixes the
		 * length of a first fragment's fragmentable part; growing
		 * it makes fragments overlap, and RFC 5722 drops the whole
		 * datagram. */
		if (info.frag_more)
			return WIRE_ERR_IP6EXT_FRAGMENT;
		upper_proto = info.upper_proto;
		upper_off = info.upper_off;
		upper_nh_at = info.upper_nh_at;
		n_headers = info.n_headers;
		final_do_off = info.final_do_off;
	}
	if (enc == IP6EXT_ENC_DSTOPT && final_do_off != 0) {
		scan_options(d + final_do_off, 0, &s);
		/* A padding-only header is left alone, so that removing
		 * our option gives it back as it was. */
		join = s.others != 0;
	}
	if (enc == IP6EXT_ENC_PAPER) {
		n = paper_size(m, v);
		write_paper(blk, m, upper_proto, v);
	} else if (join) {
		/* Append [pad][option][pad], a multiple of 8, at the end of
		 * the final Destination Options header: its bytes stay as
		 * they are. The leading PadN puts the option at 8n+2 (the
		 * address or nonce 8-aligned), unless it would make a
		 * padding run longer than 7 with the header's own. */
		hoff = final_do_off;
		pre = s.trail + 2 <= IP6EXT_MAX_PAD_RUN ? 2 : 0;
		n = (pre + osz + 7) & ~7u;
		write_pad(blk, pre);
		write_option(blk + pre, m, v);
		write_pad(blk + pre + osz, n - pre - osz);
	} else {
		/* A new header: NH, Hdr Ext Len, option at 2, padding. */
		n = (2u + osz + 7) & ~7u;
		blk[0] = upper_proto;
		blk[1] = (uint8_t)(n / 8 - 1);
		write_option(blk + 2, m, v);
		write_pad(blk + 2 + osz, n - 2 - osz);
	}
	/* The result must walk again: same limits as ip6ext_walk(). */
	if (!join && n_headers >= IP6EXT_MAX_HEADERS)
		return WIRE_ERR_IP6EXT_TOO_MANY;
	if (upper_off - (l3_off + IPV6_HDR_LEN) + n > IP6EXT_MAX_CHAIN)
		return WIRE_ERR_IP6EXT_TOO_LONG;
	plen = load_be16(d + l3_off + IP6_OFF_PLEN) + n;
	limit = mtu == 0 || mtu > IP6_MAX_PKT ? IP6_MAX_PKT : mtu;
	if (IPV6_HDR_LEN + plen > limit)
		return WIRE_ERR_MTU;
	at = join ? hoff + s.hlen : upper_off;
	r = pkt_buf_open_gap(pb, at, n);
	if (r != WIRE_OK)
		return r;
	/* Offsets below @at are unchanged relative to the new start. */
	d = pkt_buf_data(pb);
	copy_msg(d + at, blk, n);
	if (join)
		d[hoff + 1] = (uint8_t)((s.hlen + n) / 8 - 1);
	else
		d[upper_nh_at] = enc == IP6EXT_ENC_PAPER ? paper_nh[m] :
				      IPPROTO_NUM_DSTOPTS;
	store_be16(d + l3_off + IP6_OFF_PLEN, (uint16_t)plen);
	return WIRE_OK;
}

enum wire_result
ip6ext_insert_client(struct pkt_buf *pb, uint32_t l3_off, uint32_t mtu,
		     enum ip6ext_encoding enc, const uint8_t addr[16],
		     uint16_t port)
{
	struct msg_val v = { .addr = addr, .port = port };

	if (addr == NULL)
		return WIRE_ERR_INVAL;
	return insert_msg(pb, l3_off, mtu, enc, IP6EXT_MSG_CLIENT_TUPLE, &v);
}

enum wire_result
ip6ext_insert_request(struct pkt_buf *pb, uint32_t l3_off, uint32_t mtu,
		      enum ip6ext_encoding enc, uint32_t nonce)
{
	struct msg_val v = { .nonce = nonce };

	return insert_msg(pb, l3_off, mtu, enc, IP6EXT_MSG_METRIC_REQ, &v);
}

enum wire_result
ip6ext_insert_answer(struct pkt_buf *pb, uint32_t l3_off, uint32_t mtu,
		     enum ip6ext_encoding enc, uint16_t score, uint32_t nonce)
{
	struct msg_val v = { .score = score, .nonce = nonce };

	return insert_msg(pb, l3_off, mtu, enc, IP6EXT_MSG_METRIC_ANS, &v);
}

enum wire_result
ip6ext_insert_recover(struct pkt_buf *pb, uint32_t l3_off, uint32_t mtu,
		      enum ip6ext_encoding enc, uint8_t index, uint8_t count,
		      uint32_t cookie)
{
	struct msg_val v = { .index = index, .count = count, .nonce = cookie };

	return insert_msg(pb, l3_off, mtu, enc, IP6EXT_MSG_RECOVER, &v);
}

enum wire_result
ip6ext_insert_recover_addr(struct pkt_buf *pb, uint32_t l3_off, uint32_t mtu,
			   enum ip6ext_encoding enc, uint8_t index,
			   uint8_t count, uint32_t cookie,
			   const uint8_t addr[16])
{
	struct msg_val v = { .index = index, .count = count, .nonce = cookie,
			     .raddr = addr };

	if (addr == NULL)
		return WIRE_ERR_INVAL;
	return insert_msg(pb, l3_off, mtu, enc, IP6EXT_MSG_RECOVER, &v);
}

/* Unlink the whole header at @hoff of @hlen bytes named by @nh_at. */
static void
unlink_hdr(struct pkt_buf *pb, uint32_t l3_off, uint32_t nh_at, uint32_t hoff,
	   uint32_t hlen)
{
	uint8_t *d = pkt_buf_data(pb);

	d[nh_at] = d[hoff];
	(void)pkt_buf_close_gap(pb, hoff, hlen);
	plen_add(pkt_buf_data(pb) + l3_off, -(int32_t)hlen);
}

/* Cut the option at @opt (buffer offset) out of the header at @hoff,
 * which keeps another option. The cut spans the option, the padding after
 * it and, when that makes a multiple of 8, the last padding TLVs before
 * it: exactly what insert_msg() appended. Otherwise the padding around
 * the option is merged into one Pad1/PadN of the length that keeps the
 * header a multiple of 8 (it is at most 7 bytes). */
static uint32_t
cut_option(struct pkt_buf *pb, uint32_t l3_off, uint32_t hoff, uint32_t opt,
	   const struct do_scan *s)
{
	uint32_t olen, end, from, k, cut, pad;
	uint8_t *d = pkt_buf_data(pb);

	olen = 2u + d[opt + 1];
	end = opt + olen + s->post;
	from = opt;
	pad = 0;
	for (k = s->npre + 1; k-- > 0;) {
		from = k == s->npre ? opt : hoff + s->pre[k];
		if ((end - from) % 8 == 0)
			break;
	}
	if ((end - from) % 8 != 0) {
		from = s->npre != 0 ? hoff + s->pre[0] : opt;
		pad = (end - from) % 8;
		write_pad(d + from, pad);
	}
	cut = end - from - pad;
	(void)pkt_buf_close_gap(pb, from + pad, cut);
	d = pkt_buf_data(pb);
	d[hoff + 1] = (uint8_t)((s->hlen - cut) / 8 - 1);
	plen_add(d + l3_off, -(int32_t)cut);
	return cut;
}

/* Whether removing every message would leave no payload at all: no
 * upper-layer bytes and a chain made only of dsrlb headers. */
static bool
removal_empties(const uint8_t *d, uint32_t l3_off,
		const struct ip6ext_info *info)
{
	uint32_t gone = 0, hoff;
	unsigned int i, j, ours;
	struct do_scan s;

	if (info->end != info->upper_off)
		return false;
	for (i = 0; i < IP6EXT_MSG_MAX; i++) {
		if (info->msg_off[i] == 0)
			continue;
		if (info->msg_enc[i] == IP6EXT_ENC_PAPER) {
			/* its own Hdr Ext Len: the marker has two sizes */
			gone += ((uint32_t)d[info->msg_hdr_off[i] + 1] + 1) * 8;
			continue;
		}
		/* Each Destination Options header once, by its first
		 * message. */
		hoff = info->msg_hdr_off[i];
		for (j = 0; j < i; j++)
			if (info->msg_off[j] != 0 &&
			    info->msg_hdr_off[j] == hoff)
				break;
		if (j < i)
			continue;
		ours = 0;
		for (j = i; j < IP6EXT_MSG_MAX; j++)
			if (info->msg_off[j] != 0 &&
			    info->msg_hdr_off[j] == hoff)
				ours++;
		scan_options(d + hoff, 0, &s);
		if (s.others == ours)
			gone += s.hlen;
	}
	return gone == info->upper_off - (l3_off + IPV6_HDR_LEN);
}

/* Remove message @m of a packet whose walk is @info (the packet as it is
 * now: offsets below the last removal are unchanged by it). Sets *@gone
 * to the bytes removed. */
static enum wire_result
remove_walked(struct pkt_buf *pb, uint32_t l3_off,
	      const struct ip6ext_info *info, enum ip6ext_msg m,
	      uint32_t *gone)
{
	uint8_t *d = pkt_buf_data(pb);
	struct do_scan s;
	uint32_t hoff;

	hoff = info->msg_hdr_off[m];
	if (info->msg_enc[m] == IP6EXT_ENC_DSTOPT) {
		scan_options(d + hoff, info->msg_off[m] - hoff, &s);
		if (s.others != 0) {
			*gone = cut_option(pb, l3_off, hoff, info->msg_off[m],
					   &s);
			return WIRE_OK;
		}
	} else {
		/* its own Hdr Ext Len: the recover marker has two sizes */
		s.hlen = ((uint32_t)d[hoff + 1] + 1) * 8;
	}
	/* Payload Length 0 would announce a jumbogram (RFC 2675): a packet
	 * that is only this header stays as it is. */
	if (info->end - (l3_off + IPV6_HDR_LEN) == s.hlen)
		return WIRE_ERR_IPV6_PAYLOAD_LEN;
	unlink_hdr(pb, l3_off, info->msg_nh_at[m], hoff, s.hlen);
	*gone = s.hlen;
	return WIRE_OK;
}

enum wire_result
ip6ext_remove(struct pkt_buf *pb, uint32_t l3_off, enum ip6ext_msg m)
{
	struct ip6ext_info info;
	enum wire_result r;
	uint32_t gone;

	if (pb == NULL || pb->base == NULL || (unsigned int)m >= IP6EXT_MSG_MAX)
		return WIRE_ERR_INVAL;
	r = ip6ext_walk(pkt_buf_data(pb), pb->len, l3_off, 0, &info);
	if (r != WIRE_OK)
		return r;
	if (info.msg_off[m] == 0)
		return WIRE_ERR_NOT_FOUND;
	/* RFC 8200 §4.5, RFC 5722: as for insert, a first fragment with
	 * more to come must keep its length. */
	if (info.frag_more)
		return WIRE_ERR_IP6EXT_FRAGMENT;
	return remove_walked(pb, l3_off, &info, m, &gone);
}

/* Close the gap of the adjacent whole headers unlinked so far. */
static void
flush_gap(struct pkt_buf *pb, uint32_t l3_off, uint32_t at, uint32_t *n)
{
	if (*n == 0)
		return;
	(void)pkt_buf_close_gap(pb, at, *n);
	plen_add(pkt_buf_data(pb) + l3_off, -(int32_t)*n);
	*n = 0;
}

enum wire_result
ip6ext_remove_all(struct pkt_buf *pb, uint32_t l3_off, unsigned int *removed)
{
	struct ip6ext_info info;
	struct do_scan s;
	enum wire_result r;
	unsigned int i, k, cnt = 0, order[IP6EXT_MSG_MAX];
	uint32_t hoff, hlen, gap_at = 0, gap = 0;
	uint8_t *d;

	if (pb == NULL || pb->base == NULL)
		return WIRE_ERR_INVAL;
	/* Walk first: a malformed packet or a fragment is left untouched.
	 * Each removal leaves a packet that walks, so the next ones cannot
	 * fail once the first could start. */
	r = ip6ext_walk(pkt_buf_data(pb), pb->len, l3_off, 0, &info);
	if (r != WIRE_OK)
		return r;
	for (i = 0; i < IP6EXT_MSG_MAX; i++)
		if (info.msg_off[i] != 0)
			order[cnt++] = i;
	if (cnt != 0 && info.frag_more)
		return WIRE_ERR_IP6EXT_FRAGMENT;
	if (removal_empties(pkt_buf_data(pb), l3_off, &info))
		return WIRE_ERR_IPV6_PAYLOAD_LEN;
	/* Last in the packet first: undoes a sequence of inserts, which
	 * append, in reverse order (the padding rules of cut_option). One
	 * walk for all (issue 19): a removal changes nothing below the
	 * message it removes, and every message left lies below it (in an
	 * earlier header, or earlier in the same Destination Options
	 * header, which keeps that option), so the walk's offsets of the
	 * others stay true; only the payload's end moves. */
	for (i = 1; i < cnt; i++)
		for (k = i; k > 0 && info.msg_off[order[k - 1]] <
				     info.msg_off[order[k]]; k--) {
			unsigned int t = order[k];

			order[k] = order[k - 1];
			order[k - 1] = t;
		}
	for (k = 0; k < cnt; k++) {
		i = order[k];
		hoff = info.msg_hdr_off[i];
		d = pkt_buf_data(pb);
		if (info.msg_enc[i] == IP6EXT_ENC_DSTOPT) {
			scan_options(d + hoff, info.msg_off[i] - hoff, &s);
			if (s.others != 0) {
				flush_gap(pb, l3_off, gap_at, &gap);
				info.end -= cut_option(pb, l3_off, hoff,
						       info.msg_off[i], &s);
				continue;
			}
			hlen = s.hlen;
		} else {
			/* its own Hdr Ext Len (two sizes of recover marker) */
			hlen = ((uint32_t)d[hoff + 1] + 1) * 8;
		}
		/* Payload Length 0 would announce a jumbogram (RFC 2675):
		 * a packet that is only this header stays as it is. */
		if (info.end - (l3_off + IPV6_HDR_LEN) == hlen) {
			flush_gap(pb, l3_off, gap_at, &gap);
			return WIRE_ERR_IPV6_PAYLOAD_LEN;
		}
		/* Unlink the whole header; headers side by side (a client
		 * tuple and its answer) close as one gap. */
		d[info.msg_nh_at[i]] = d[hoff];
		if (gap != 0 && hoff + hlen != gap_at)
			flush_gap(pb, l3_off, gap_at, &gap);
		gap_at = hoff;
		gap += hlen;
		info.end -= hlen;
	}
	flush_gap(pb, l3_off, gap_at, &gap);
	if (removed != NULL)
		*removed = cnt;
	return WIRE_OK;
}

enum wire_result
ip6ext_strip_packed(struct pkt_buf *pb, uint32_t l3_off, uint32_t gap,
		    uint8_t upper, unsigned int *removed)
{
	uint32_t pos, end, plen, hlen, at[IP6EXT_MSG_MAX];
	unsigned int cnt = 0;
	uint8_t *ip, nh;

	if (pb == NULL || pb->base == NULL || gap == 0 ||
	    l3_off > pb->len || pb->len - l3_off < IPV6_HDR_LEN)
		return WIRE_ERR_INVAL;
	ip = pkt_buf_data(pb) + l3_off;
	plen = load_be16(ip + IP6_OFF_PLEN);
	if ((ip[0] >> 4) != 6 || plen > pb->len - l3_off - IPV6_HDR_LEN ||
	    gap > plen)
		return WIRE_ERR_INVAL;
	/* Still what the parse saw: paper headers of their sizes, at most
	 * one of each, exactly @gap bytes of them, then @upper. */
	pos = IPV6_HDR_LEN;
	end = IPV6_HDR_LEN + gap;
	nh = ip[IP6_OFF_NH];
	while (pos < end) {
		if (end - pos < 8 || cnt == IP6EXT_MSG_MAX)
			return WIRE_ERR_INVAL;
		hlen = ((uint32_t)ip[pos + 1] + 1) * 8;
		switch (nh) {
		case IP6EXT_CLIENT_TUPLE:
			if (hlen != IP6EXT_CLIENT_TUPLE_LEN)
				return WIRE_ERR_INVAL;
			break;
		case IP6EXT_METRIC_REQ:
		case IP6EXT_METRIC_ANS:
			if (hlen != 8)
				return WIRE_ERR_INVAL;
			break;
		case IP6EXT_RECOVER:
			if (hlen != IP6EXT_RECOVER_LEN &&
			    hlen != RECOVER_ADDR_LEN)
				return WIRE_ERR_INVAL;
			break;
		default:
			return WIRE_ERR_INVAL;
		}
		if (hlen > end - pos)
			return WIRE_ERR_INVAL;
		nh = ip[pos];
		at[cnt++] = pos;
		pos += hlen;
	}
	if (pos != end || nh != upper || is_crossed(nh))
		return WIRE_ERR_INVAL;
	/* Payload Length 0 would announce a jumbogram (RFC 2675). */
	if (gap == plen)
		return WIRE_ERR_IPV6_PAYLOAD_LEN;
	/* What ip6ext_remove_all() makes of them, byte for byte (also the
	 * bytes the gap leaves behind): each Next Header naming a removed
	 * header takes its successor's, so every one of them, the fixed
	 * header's included, names the upper layer; one gap. */
	ip[IP6_OFF_NH] = upper;
	for (unsigned int i = 0; i < cnt; i++)
		ip[at[i]] = upper;
	(void)pkt_buf_close_gap(pb, l3_off + IPV6_HDR_LEN, gap);
	plen_add(pkt_buf_data(pb) + l3_off, -(int32_t)gap);
	if (removed != NULL)
		*removed = cnt;
	return WIRE_OK;
}
