/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include "dsrlb/bytes.h"
#include "dsrlb/ip6ext.h"
#include "dsrlb/srh.h"
#include "dsrlb/wire.h"

/*
 * Nothing here changes a TCP/UDP checksum: extension headers are not part
 * of the pseudo-header, and the final destination (RFC 8200 §8.1) is never
 * modified by these functions.
 */

#define DO_OPT_CLIENT_LEN 20    /* sub, rsv, port(2), address(16) */
#define DO_OPT_METRIC_LEN 8     /* sub, rsv, score(2) or rsv(2), nonce(4) */
#define DO_SCRATCH 512          /* > IP6EXT_MAX_CHAIN: any header we rebuild */

static const uint8_t paper_nh[IP6EXT_MSG_MAX] = {
	IP6EXT_CLIENT_TUPLE, IP6EXT_METRIC_REQ, IP6EXT_METRIC_ANS,
};
static const uint8_t paper_len[IP6EXT_MSG_MAX] = {
	IP6EXT_CLIENT_TUPLE_LEN, IP6EXT_METRIC_REQ_LEN, IP6EXT_METRIC_ANS_LEN,
};

enum wire_result
ip6_hdr_check(const uint8_t *buf, uint32_t len, uint32_t off, uint32_t *end)
{
	uint32_t plen;

	if (buf == NULL)
		return WIRE_ERR_INVAL;
	if (off > len || len - off < IPV6_HDR_LEN)
		return WIRE_ERR_TRUNCATED;
	if ((buf[off] >> 4) != 6)
		return WIRE_ERR_IPV6_VERSION;
	plen = load_be16(buf + off + 4);
	/* Payload length 0 announces a jumbogram (RFC 2675): not ours. */
	if (plen == 0 || plen > len - off - IPV6_HDR_LEN)
		return WIRE_ERR_IPV6_PAYLOAD_LEN;
	if (end != NULL)
		*end = off + IPV6_HDR_LEN + plen;
	return WIRE_OK;
}

static enum wire_result
record_msg(struct ip6ext_info *info, enum ip6ext_msg m, uint32_t off,
	   uint32_t hdr_off, uint32_t nh_at, enum ip6ext_encoding enc)
{
	if (info->msg_off[m] != 0)
		return WIRE_ERR_IP6EXT_DUP;
	info->msg_off[m] = off;
	info->msg_hdr_off[m] = hdr_off;
	info->msg_nh_at[m] = nh_at;
	info->msg_enc[m] = (uint8_t)enc;
	return WIRE_OK;
}

/* Our option inside a Destination Options header: @o points at its type
 * byte, @olen is its data length (already within the header). */
static enum wire_result
decode_do_option(const uint8_t *o, uint32_t olen, uint32_t off,
		 uint32_t hdr_off, uint32_t nh_at, struct ip6ext_info *info)
{
	if (olen < 1)
		return WIRE_ERR_IP6EXT_FORMAT;
	switch (o[2]) {
	case IP6EXT_SUB_CLIENT_TUPLE:
		if (olen != DO_OPT_CLIENT_LEN)
			return WIRE_ERR_IP6EXT_FORMAT;
		info->client_port = load_be16(o + 4);
		memcpy(info->client_addr, o + 6, 16);
		return record_msg(info, IP6EXT_MSG_CLIENT_TUPLE, off, hdr_off,
				  nh_at, IP6EXT_ENC_DSTOPT);
	case IP6EXT_SUB_METRIC_REQ:
		if (olen != DO_OPT_METRIC_LEN)
			return WIRE_ERR_IP6EXT_FORMAT;
		info->req_nonce = load_be32(o + 6);
		return record_msg(info, IP6EXT_MSG_METRIC_REQ, off, hdr_off,
				  nh_at, IP6EXT_ENC_DSTOPT);
	case IP6EXT_SUB_METRIC_ANS:
		if (olen != DO_OPT_METRIC_LEN)
			return WIRE_ERR_IP6EXT_FORMAT;
		info->score = load_be16(o + 4);
		info->ans_nonce = load_be32(o + 6);
		return record_msg(info, IP6EXT_MSG_METRIC_ANS, off, hdr_off,
				  nh_at, IP6EXT_ENC_DSTOPT);
	default:
		return WIRE_ERR_IP6EXT_FORMAT;
	}
}

/* TLV walk of a Hop-by-Hop or Destination Options header of @hlen bytes
 * at buffer offset @hoff (RFC 8200 §4.2): Pad1 is one byte, every other
 * option type, length, data, and the last one ends exactly at hlen. */
static enum wire_result
walk_options(const uint8_t *buf, uint32_t hoff, uint32_t hlen, uint32_t nh_at,
	     bool dst_opts, struct ip6ext_info *info)
{
	const uint8_t *h = buf + hoff;
	uint32_t pos = 2, olen;
	enum wire_result r;

	while (pos < hlen) {
		if (h[pos] == 0) {
			pos++;
			continue;
		}
		if (hlen - pos < 2)
			return WIRE_ERR_IP6EXT_FORMAT;
		olen = h[pos + 1];
		if (olen > hlen - pos - 2)
			return WIRE_ERR_IP6EXT_FORMAT;
		if (dst_opts && h[pos] == IP6EXT_DSTOPT_TYPE) {
			r = decode_do_option(h + pos, olen, hoff + pos, hoff,
					     nh_at, info);
			if (r != WIRE_OK)
				return r;
		}
		pos += 2 + olen;
	}
	return WIRE_OK;
}

enum wire_result
ip6ext_walk(const uint8_t *buf, uint32_t len, uint32_t off,
	    unsigned int max_headers, struct ip6ext_info *info)
{
	uint32_t end, pos, nh_at, hlen;
	enum wire_result r;
	uint8_t nh;

	if (buf == NULL || info == NULL)
		return WIRE_ERR_INVAL;
	memset(info, 0, sizeof(*info));
	r = ip6_hdr_check(buf, len, off, &end);
	if (r != WIRE_OK)
		return r;
	if (max_headers == 0 || max_headers > IP6EXT_MAX_HEADERS)
		max_headers = IP6EXT_MAX_HEADERS;
	info->end = end;
	nh_at = off + 6;
	pos = off + IPV6_HDR_LEN;
	nh = buf[nh_at];
	for (;;) {
		switch (nh) {
		case IPPROTO_NUM_HOPOPTS:
		case IPPROTO_NUM_ROUTING:
		case IPPROTO_NUM_DSTOPTS:
		case IPPROTO_NUM_FRAGMENT:
		case IPPROTO_NUM_AH:
		case IP6EXT_CLIENT_TUPLE:
		case IP6EXT_METRIC_REQ:
		case IP6EXT_METRIC_ANS:
			break;
		default:
			info->upper_proto = nh;
			info->upper_off = pos;
			info->upper_nh_at = nh_at;
			return WIRE_OK;
		}
		/* RFC 8200 §4.1: Hop-by-Hop only right after the IPv6 header. */
		if (nh == IPPROTO_NUM_HOPOPTS && info->n_headers != 0)
			return WIRE_ERR_IP6EXT_ORDER;
		/* RFC 7112 / RFC 8200: bound the count and the bytes. */
		if (info->n_headers >= max_headers)
			return WIRE_ERR_IP6EXT_TOO_MANY;
		if (end - pos < 8)
			return WIRE_ERR_TRUNCATED;
		switch (nh) {
		case IPPROTO_NUM_FRAGMENT:
			hlen = 8;
			break;
		case IPPROTO_NUM_AH:
			hlen = ((uint32_t)buf[pos + 1] + 2) * 4;
			break;
		default:
			hlen = ((uint32_t)buf[pos + 1] + 1) * 8;
			break;
		}
		if (hlen > end - pos)
			return WIRE_ERR_TRUNCATED;
		if (pos + hlen - (off + IPV6_HDR_LEN) > IP6EXT_MAX_CHAIN)
			return WIRE_ERR_IP6EXT_TOO_LONG;
		info->final_do_off = 0;
		switch (nh) {
		case IPPROTO_NUM_HOPOPTS:
			info->hbh_off = pos;
			r = walk_options(buf, pos, hlen, nh_at, false, info);
			break;
		case IPPROTO_NUM_DSTOPTS:
			info->final_do_off = pos;
			r = walk_options(buf, pos, hlen, nh_at, true, info);
			break;
		case IPPROTO_NUM_ROUTING:
			if (buf[pos + 2] == SRH_ROUTING_TYPE) {
				struct srh_view v;

				if (info->srh_off != 0)
					return WIRE_ERR_IP6EXT_DUP;
				r = srh_parse(buf, end, pos, &v);
				info->srh_off = pos;
			} else {
				info->rh_off = pos;
				r = WIRE_OK;
			}
			break;
		case IPPROTO_NUM_FRAGMENT:
			/* A non-first fragment has no upper layer to read. */
			if ((load_be16(buf + pos + 2) & 0xFFF8) != 0)
				return WIRE_ERR_IP6EXT_FRAGMENT;
			info->frag_off = pos;
			info->first_fragment = 1;
			r = WIRE_OK;
			break;
		case IPPROTO_NUM_AH:
			r = WIRE_OK;
			break;
		case IP6EXT_CLIENT_TUPLE:
			if (hlen != IP6EXT_CLIENT_TUPLE_LEN)
				return WIRE_ERR_IP6EXT_FORMAT;
			info->client_port = load_be16(buf + pos + 2);
			memcpy(info->client_addr, buf + pos + 8, 16);
			r = record_msg(info, IP6EXT_MSG_CLIENT_TUPLE, pos, pos,
				       nh_at, IP6EXT_ENC_PAPER);
			break;
		case IP6EXT_METRIC_REQ:
			if (hlen != IP6EXT_METRIC_REQ_LEN)
				return WIRE_ERR_IP6EXT_FORMAT;
			info->req_nonce = load_be32(buf + pos + 4);
			r = record_msg(info, IP6EXT_MSG_METRIC_REQ, pos, pos,
				       nh_at, IP6EXT_ENC_PAPER);
			break;
		default: /* IP6EXT_METRIC_ANS */
			if (hlen != IP6EXT_METRIC_ANS_LEN)
				return WIRE_ERR_IP6EXT_FORMAT;
			info->score = load_be16(buf + pos + 2);
			info->ans_nonce = load_be32(buf + pos + 4);
			r = record_msg(info, IP6EXT_MSG_METRIC_ANS, pos, pos,
				       nh_at, IP6EXT_ENC_PAPER);
			break;
		}
		if (r != WIRE_OK)
			return r;
		info->n_headers++;
		nh_at = pos;
		nh = buf[pos];
		pos += hlen;
	}
}

const uint8_t *
ip6ext_final_dst(const uint8_t *buf, uint32_t off,
		 const struct ip6ext_info *info)
{
	/* A walked SRH is valid, so Segment List[0] lies inside it. */
	if (info->srh_off != 0)
		return buf + info->srh_off + SRH_FIXED_LEN;
	return buf + off + 24;
}

/* Write a Destination Options header: @nh, the @olen option bytes, then
 * Pad1/PadN up to a multiple of 8. Returns its size. */
static uint32_t
do_build(uint8_t *out, uint8_t nh, const uint8_t *opts, uint32_t olen)
{
	uint32_t size = (2 + olen + 7) & ~7u, pad = size - 2 - olen;

	out[0] = nh;
	out[1] = (uint8_t)(size / 8 - 1);
	memcpy(out + 2, opts, olen);
	if (pad == 1) {
		out[2 + olen] = 0;
	} else if (pad > 1) {
		out[2 + olen] = 1;
		out[3 + olen] = (uint8_t)(pad - 2);
		memset(out + 4 + olen, 0, pad - 2);
	}
	return size;
}

/* Copy the non-padding options of the header at @hoff into @opts, leaving
 * out the option at buffer offset @skip (0: none). Returns their bytes. */
static uint32_t
do_collect(const uint8_t *buf, uint32_t hoff, uint32_t skip, uint8_t *opts)
{
	uint32_t hlen = ((uint32_t)buf[hoff + 1] + 1) * 8, pos = 2, n = 0, ol;

	/* The header was walked: every option fits. */
	while (pos < hlen) {
		const uint8_t *o = buf + hoff + pos;

		if (o[0] == 0) {
			pos++;
			continue;
		}
		ol = 2u + o[1];
		if (o[0] != 1 && hoff + pos != skip) {
			memcpy(opts + n, o, ol);
			n += ol;
		}
		pos += ol;
	}
	return n;
}

/* Replace the @old_len bytes at @at with the @new_len bytes of @src,
 * growing or shrinking the packet and its Payload Length. */
static enum wire_result
splice(struct pkt_buf *pb, uint32_t l3_off, uint32_t at, uint32_t old_len,
       const uint8_t *src, uint32_t new_len)
{
	enum wire_result r = WIRE_OK;
	uint8_t *d;
	uint32_t plen;

	if (new_len > old_len)
		r = pkt_buf_open_gap(pb, at + old_len, new_len - old_len);
	else if (new_len < old_len)
		r = pkt_buf_close_gap(pb, at + new_len, old_len - new_len);
	if (r != WIRE_OK)
		return r;
	d = pkt_buf_data(pb);
	if (new_len != 0)
		memcpy(d + at, src, new_len);
	plen = load_be16(d + l3_off + 4) + new_len - old_len;
	store_be16(d + l3_off + 4, (uint16_t)plen);
	return WIRE_OK;
}

static enum wire_result
insert_msg(struct pkt_buf *pb, uint32_t l3_off, uint32_t mtu,
	   enum ip6ext_encoding enc, enum ip6ext_msg m, const uint8_t *body)
{
	uint8_t hdr[DO_SCRATCH], opts[DO_SCRATCH];
	struct ip6ext_info info;
	uint32_t at, old_len, new_len, olen, plen, limit;
	enum wire_result r;
	uint8_t *d;

	if (pb == NULL || (enc != IP6EXT_ENC_PAPER && enc != IP6EXT_ENC_DSTOPT))
		return WIRE_ERR_INVAL;
	d = pkt_buf_data(pb);
	r = ip6ext_walk(d, pb->len, l3_off, 0, &info);
	if (r != WIRE_OK)
		return r;
	if (info.msg_off[m] != 0)
		return WIRE_ERR_IP6EXT_DUP;
	if (enc == IP6EXT_ENC_PAPER) {
		/* body holds the header without its Next Header byte. */
		at = info.upper_off;
		old_len = 0;
		new_len = paper_len[m];
		hdr[0] = info.upper_proto;
		memcpy(hdr + 1, body, new_len - 1);
	} else if (info.final_do_off != 0) {
		/* Join the final Destination Options header. */
		at = info.final_do_off;
		old_len = ((uint32_t)d[at + 1] + 1) * 8;
		olen = do_collect(d, at, 0, opts);
		memcpy(opts + olen, body, 2u + body[1]);
		olen += 2u + body[1];
		new_len = do_build(hdr, d[at], opts, olen);
	} else {
		at = info.upper_off;
		old_len = 0;
		new_len = do_build(hdr, info.upper_proto, body, 2u + body[1]);
	}
	plen = load_be16(d + l3_off + 4) + new_len - old_len;
	limit = mtu == 0 ? 65535 + IPV6_HDR_LEN : mtu;
	if (plen > 65535 || IPV6_HDR_LEN + plen > limit)
		return WIRE_ERR_MTU;
	r = splice(pb, l3_off, at, old_len, hdr, new_len);
	if (r != WIRE_OK)
		return r;
	if (old_len == 0) {
		d = pkt_buf_data(pb);
		d[info.upper_nh_at] = enc == IP6EXT_ENC_PAPER ? paper_nh[m] :
			IPPROTO_NUM_DSTOPTS;
	}
	return WIRE_OK;
}

enum wire_result
ip6ext_insert_client(struct pkt_buf *pb, uint32_t l3_off, uint32_t mtu,
		     enum ip6ext_encoding enc, const uint8_t addr[16],
		     uint16_t port)
{
	uint8_t b[24] = { 0 };

	if (addr == NULL)
		return WIRE_ERR_INVAL;
	if (enc == IP6EXT_ENC_PAPER) {
		/* 27: NH | len 2 | port | 4 reserved | address (8-aligned) */
		b[0] = 2;
		store_be16(b + 1, port);
		memcpy(b + 7, addr, 16);
	} else {
		b[0] = IP6EXT_DSTOPT_TYPE;
		b[1] = DO_OPT_CLIENT_LEN;
		b[2] = IP6EXT_SUB_CLIENT_TUPLE;
		store_be16(b + 4, port);
		memcpy(b + 6, addr, 16);
	}
	return insert_msg(pb, l3_off, mtu, enc, IP6EXT_MSG_CLIENT_TUPLE, b);
}

enum wire_result
ip6ext_insert_request(struct pkt_buf *pb, uint32_t l3_off, uint32_t mtu,
		      enum ip6ext_encoding enc, uint32_t nonce)
{
	uint8_t b[10] = { 0 };

	if (enc == IP6EXT_ENC_PAPER) {
		/* 28: NH | len 0 | 2 reserved | nonce */
		store_be32(b + 3, nonce);
	} else {
		b[0] = IP6EXT_DSTOPT_TYPE;
		b[1] = DO_OPT_METRIC_LEN;
		b[2] = IP6EXT_SUB_METRIC_REQ;
		store_be32(b + 6, nonce);
	}
	return insert_msg(pb, l3_off, mtu, enc, IP6EXT_MSG_METRIC_REQ, b);
}

enum wire_result
ip6ext_insert_answer(struct pkt_buf *pb, uint32_t l3_off, uint32_t mtu,
		     enum ip6ext_encoding enc, uint16_t score, uint32_t nonce)
{
	uint8_t b[10] = { 0 };

	if (enc == IP6EXT_ENC_PAPER) {
		/* 29: NH | len 0 | score | nonce */
		store_be16(b + 1, score);
		store_be32(b + 3, nonce);
	} else {
		b[0] = IP6EXT_DSTOPT_TYPE;
		b[1] = DO_OPT_METRIC_LEN;
		b[2] = IP6EXT_SUB_METRIC_ANS;
		store_be16(b + 4, score);
		store_be32(b + 6, nonce);
	}
	return insert_msg(pb, l3_off, mtu, enc, IP6EXT_MSG_METRIC_ANS, b);
}

enum wire_result
ip6ext_remove(struct pkt_buf *pb, uint32_t l3_off, enum ip6ext_msg m)
{
	uint8_t hdr[DO_SCRATCH], opts[DO_SCRATCH];
	struct ip6ext_info info;
	uint32_t hoff, old_len, olen, new_len;
	enum wire_result r;
	uint8_t *d;

	if (pb == NULL || (unsigned int)m >= IP6EXT_MSG_MAX)
		return WIRE_ERR_INVAL;
	d = pkt_buf_data(pb);
	r = ip6ext_walk(d, pb->len, l3_off, 0, &info);
	if (r != WIRE_OK)
		return r;
	if (info.msg_off[m] == 0)
		return WIRE_ERR_NOT_FOUND;
	hoff = info.msg_hdr_off[m];
	old_len = info.msg_enc[m] == IP6EXT_ENC_PAPER ? paper_len[m] :
		  ((uint32_t)d[hoff + 1] + 1) * 8;
	if (info.msg_enc[m] == IP6EXT_ENC_DSTOPT) {
		olen = do_collect(d, hoff, info.msg_off[m], opts);
		if (olen != 0) {
			/* Other options stay: rebuild the header smaller. */
			new_len = do_build(hdr, d[hoff], opts, olen);
			return splice(pb, l3_off, hoff, old_len, hdr, new_len);
		}
	}
	/* The whole header goes: its Next Header moves to its parent. */
	d[info.msg_nh_at[m]] = d[hoff];
	return splice(pb, l3_off, hoff, old_len, NULL, 0);
}

enum wire_result
ip6ext_remove_all(struct pkt_buf *pb, uint32_t l3_off, unsigned int *removed)
{
	struct ip6ext_info info;
	enum wire_result r;
	unsigned int m, n = 0;

	if (pb == NULL)
		return WIRE_ERR_INVAL;
	/* Walk once first so that a malformed packet is left untouched. */
	r = ip6ext_walk(pkt_buf_data(pb), pb->len, l3_off, 0, &info);
	if (r != WIRE_OK)
		return r;
	for (m = 0; m < IP6EXT_MSG_MAX; m++) {
		if (info.msg_off[m] == 0)
			continue;
		r = ip6ext_remove(pb, l3_off, (enum ip6ext_msg)m);
		if (r != WIRE_OK)
			return r;
		n++;
	}
	if (removed != NULL)
		*removed = n;
	return WIRE_OK;
}
