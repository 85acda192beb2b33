/* SPDX-License-Identifier: BSD-3-Clause */
#include <stddef.h>
#include <string.h>

#include "dsrlb/bytes.h"
#include "dsrlb/csum.h"
#include "dsrlb/ipv4opt.h"

/*
 * No function here touches a TCP or UDP checksum: the pseudo-header covers
 * source, destination, protocol and the transport length (RFC 9293 §3.1,
 * RFC 768), none of which changes when IP options are added or removed;
 * the IPv4 total length grows, but the transport length is derived from it
 * minus IHL * 4, which grows by the same amount.
 */

enum wire_result
ipv4_hdr_check(const uint8_t *buf, uint32_t len, uint32_t off,
	       uint32_t *hdr_len)
{
	const uint8_t *ip;
	uint32_t avail, hl, tot;

	if (buf == NULL)
		return WIRE_ERR_INVAL;
	if (off > len || len - off < IPV4_HDR_MIN_LEN)
		return WIRE_ERR_TRUNCATED;
	ip = buf + off;
	avail = len - off;
	if ((ip[0] >> 4) != 4)
		return WIRE_ERR_IPV4_VERSION;
	hl = (uint32_t)(ip[0] & 0x0F) * 4;
	if (hl < IPV4_HDR_MIN_LEN || hl > avail)
		return WIRE_ERR_IPV4_IHL;
	/* RFC 791: total length covers header and data; anything after it
	 * (Ethernet minimum-frame padding) is not part of the datagram. */
	tot = load_be16(ip + 2);
	if (tot < hl || tot > avail)
		return WIRE_ERR_IPV4_TOTAL_LEN;
	if (hdr_len != NULL)
		*hdr_len = hl;
	return WIRE_OK;
}

enum wire_result
ipv4_hdr_csum_verify(const uint8_t *ip, uint32_t hdr_len)
{
	if (ip == NULL || hdr_len < IPV4_HDR_MIN_LEN ||
	    hdr_len > IPV4_HDR_MAX_LEN)
		return WIRE_ERR_INVAL;
	/* RFC 1071: a correct header, checksum included, sums to all ones
	 * (either zero representation of the field is accepted). */
	if (hdr_len == IPV4_HDR_MIN_LEN)
		return ipv4_hdr20_csum_ok(ip) ? WIRE_OK : WIRE_ERR_CHECKSUM;
	if (hdr_len % 4 == 0) {
		/* With options (every metric answer, issue 19): the same
		 * sum of 32-bit words, two of them per 8-byte load. */
		uint64_t acc = 0, x;
		uint32_t i, w;

		for (i = 0; i + 8 <= hdr_len; i += 8) {
			memcpy(&x, ip + i, 8);
			acc += (x & 0xFFFFFFFFu) + (x >> 32);
		}
		if (i < hdr_len) {
			memcpy(&w, ip + i, 4);
			acc += w;
		}
		acc = (acc & 0xFFFFFFFFu) + (acc >> 32);
		acc = (acc & 0xFFFFu) + (acc >> 16);
		acc = (acc & 0xFFFFu) + (acc >> 16);
		acc = (acc & 0xFFFFu) + (acc >> 16);
		return acc == 0xFFFFu ? WIRE_OK : WIRE_ERR_CHECKSUM;
	}
	if (csum_fold(csum_partial(ip, hdr_len, 0)) != 0)
		return WIRE_ERR_CHECKSUM;
	return WIRE_OK;
}

void
ipv4opt_iter_init(struct ipv4opt_iter *it, const uint8_t *ip,
		  uint32_t hdr_len)
{
	it->ip = ip;
	/* Out-of-range lengths are kept out of range (0) so that next()
	 * reports them instead of walking a clamped area. */
	it->end = (hdr_len <= IPV4_HDR_MAX_LEN) ? (uint8_t)hdr_len : 0;
	it->pos = IPV4_HDR_MIN_LEN;
	it->done = 0;
}

enum wire_result
ipv4opt_iter_next(struct ipv4opt_iter *it, struct ipv4opt_opt *opt)
{
	uint8_t kind, olen;

	if (it->done)
		return WIRE_ERR_NOT_FOUND;
	if (it->ip == NULL || it->end < IPV4_HDR_MIN_LEN) {
		it->done = 1;
		return WIRE_ERR_INVAL;
	}
	if (it->pos >= it->end) {
		it->done = 1;
		return WIRE_ERR_NOT_FOUND;
	}
	kind = it->ip[it->pos];
	/* RFC 791: EOL and NOP are the only single-octet options; EOL ends
	 * the list, whatever follows it is padding. */
	if (kind == IPV4OPT_EOL || kind == IPV4OPT_NOP) {
		opt->kind = kind;
		opt->off = it->pos;
		opt->len = 1;
		it->pos++;
		if (kind == IPV4OPT_EOL)
			it->done = 1;
		return WIRE_OK;
	}
	/* Every other option has a length octet counting kind and length. */
	if (it->end - it->pos < 2) {
		it->done = 1;
		return WIRE_ERR_IPV4_OPT_OVERRUN;
	}
	olen = it->ip[it->pos + 1];
	if (olen < 2) {
		it->done = 1;
		return WIRE_ERR_IPV4_OPT_LEN;
	}
	if (olen > it->end - it->pos) {
		it->done = 1;
		return WIRE_ERR_IPV4_OPT_OVERRUN;
	}
	opt->kind = kind;
	opt->off = it->pos;
	opt->len = olen;
	it->pos = (uint8_t)(it->pos + olen);
	return WIRE_OK;
}

/* Record one custom option; paper Table 1 plus the nonce variants. */
static enum wire_result
ipv4opt_record(const uint8_t *ip, const struct ipv4opt_opt *o,
	       struct ipv4opt_info *info)
{
	const uint8_t *p = ip + o->off;

	switch (o->kind) {
	case IPV4OPT_CLIENT_TUPLE:
		if (o->len != IPV4OPT_CLIENT_TUPLE_LEN)
			return WIRE_ERR_IPV4_OPT_FORMAT;
		if (info->client_off != 0)
			return WIRE_ERR_IPV4_OPT_DUP;
		info->client_off = o->off;
		info->client_addr = load_be32(p + 2);
		info->client_port = load_be16(p + 6);
		break;
	case IPV4OPT_METRIC_REQ:
		if (o->len != IPV4OPT_METRIC_REQ_LEN &&
		    o->len != IPV4OPT_METRIC_REQ_AUTH_LEN)
			return WIRE_ERR_IPV4_OPT_FORMAT;
		if (info->req_off != 0)
			return WIRE_ERR_IPV4_OPT_DUP;
		/* Reserved octets 2-3 are sent as zero, ignored on receipt. */
		info->req_off = o->off;
		info->req_len = o->len;
		if (o->len == IPV4OPT_METRIC_REQ_AUTH_LEN)
			info->req_nonce = load_be32(p + 4);
		break;
	case IPV4OPT_METRIC_ANS:
		if (o->len != IPV4OPT_METRIC_ANS_LEN &&
		    o->len != IPV4OPT_METRIC_ANS_AUTH_LEN)
			return WIRE_ERR_IPV4_OPT_FORMAT;
		if (info->ans_off != 0)
			return WIRE_ERR_IPV4_OPT_DUP;
		info->ans_off = o->off;
		info->ans_len = o->len;
		info->score = load_be16(p + 2);
		if (o->len == IPV4OPT_METRIC_ANS_AUTH_LEN)
			info->ans_nonce = load_be32(p + 4);
		break;
	case IPV4OPT_RECOVER:
		/* dsrlb extension (docs/wire-format.md, "Recovery"). */
		if (o->len != IPV4OPT_RECOVER_LEN &&
		    o->len != IPV4OPT_RECOVER_ADDR_LEN)
			return WIRE_ERR_IPV4_OPT_FORMAT;
		if (info->rec_off != 0)
			return WIRE_ERR_IPV4_OPT_DUP;
		info->rec_off = o->off;
		info->rec_len = o->len;
		info->rec_index = p[2];
		info->rec_count = p[3];
		info->rec_cookie = load_be32(p + 4);
		if (o->len == IPV4OPT_RECOVER_ADDR_LEN)
			info->rec_addr = load_be32(p + 8);
		break;
	default:
		break;
	}
	return WIRE_OK;
}

enum wire_result
ipv4opt_parse(const uint8_t *buf, uint32_t len, uint32_t off,
	      struct ipv4opt_info *info)
{
	struct ipv4opt_opt o;
	enum wire_result r;
	uint32_t hl, pos;
	const uint8_t *ip;

	if (info == NULL)
		return WIRE_ERR_INVAL;
	memset(info, 0, sizeof(*info));
	r = ipv4_hdr_check(buf, len, off, &hl);
	if (r != WIRE_OK)
		return r;
	ip = buf + off;
	info->hdr_len = (uint8_t)hl;
	info->opt_end = IPV4_HDR_MIN_LEN;
	if (hl == IPV4_HDR_MIN_LEN)
		return WIRE_OK; /* no options: nearly every packet */
	/* The walk of ipv4opt_iter_next(), inline (issue 19: every metric
	 * answer is parsed twice, on receipt and by the strip). */
	for (pos = IPV4_HDR_MIN_LEN; pos < hl;) {
		o.kind = ip[pos];
		/* RFC 791: EOL ends the list, NOP is one octet. */
		if (o.kind == IPV4OPT_EOL)
			break;
		if (o.kind == IPV4OPT_NOP) {
			pos++;
			continue;
		}
		if (hl - pos < 2)
			return WIRE_ERR_IPV4_OPT_OVERRUN;
		o.len = ip[pos + 1];
		if (o.len < 2)
			return WIRE_ERR_IPV4_OPT_LEN;
		if (o.len > hl - pos)
			return WIRE_ERR_IPV4_OPT_OVERRUN;
		o.off = (uint8_t)pos;
		info->opt_end = (uint8_t)(pos + o.len);
		r = ipv4opt_record(ip, &o, info);
		if (r != WIRE_OK)
			return r;
		pos += o.len;
	}
	return WIRE_OK;
}

enum wire_result
ipv4opt_get_client(const struct ipv4opt_info *info, uint32_t *addr,
		   uint16_t *port)
{
	if (info == NULL || info->client_off == 0)
		return WIRE_ERR_NOT_FOUND;
	if (addr != NULL)
		*addr = info->client_addr;
	if (port != NULL)
		*port = info->client_port;
	return WIRE_OK;
}

enum wire_result
ipv4opt_get_request(const struct ipv4opt_info *info, bool *has_nonce,
		    uint32_t *nonce)
{
	bool auth;

	if (info == NULL || info->req_off == 0)
		return WIRE_ERR_NOT_FOUND;
	auth = info->req_len == IPV4OPT_METRIC_REQ_AUTH_LEN;
	if (has_nonce != NULL)
		*has_nonce = auth;
	if (nonce != NULL)
		*nonce = auth ? info->req_nonce : 0;
	return WIRE_OK;
}

enum wire_result
ipv4opt_get_score(const struct ipv4opt_info *info, uint16_t *score,
		  bool *has_nonce, uint32_t *nonce)
{
	bool auth;

	if (info == NULL || info->ans_off == 0)
		return WIRE_ERR_NOT_FOUND;
	auth = info->ans_len == IPV4OPT_METRIC_ANS_AUTH_LEN;
	if (score != NULL)
		*score = info->score;
	if (has_nonce != NULL)
		*has_nonce = auth;
	if (nonce != NULL)
		*nonce = auth ? info->ans_nonce : 0;
	return WIRE_OK;
}

static bool
ipv4opt_present(const struct ipv4opt_info *info, uint8_t kind)
{
	switch (kind) {
	case IPV4OPT_CLIENT_TUPLE:
		return info->client_off != 0;
	case IPV4OPT_METRIC_REQ:
		return info->req_off != 0;
	case IPV4OPT_METRIC_ANS:
		return info->ans_off != 0;
	case IPV4OPT_RECOVER:
		return info->rec_off != 0;
	default:
		return false;
	}
}

/* The 16-bit one's-complement sum (folded, 0..0xFFFF, equal to the true
 * sum modulo 0xFFFF) of the @p len bytes @p p placed at header offset
 * @p off: big-endian words from an even offset; from an odd one the
 * bytes sit in the other halves of the words, and the sum is the
 * even-offset sum byte-swapped (RFC 1071 §2(B): swapping is
 * multiplying by 2^8 modulo 2^16 - 1, and 2^8 * 2^8 = 1 there). */
static inline uint32_t
ipv4opt_sum_at(const uint8_t *p, uint32_t len, uint32_t off)
{
	uint32_t s = 0, i = 0, w;

	for (; i + 4 <= len; i += 4) {
		w = load_be32(p + i);
		s += (w >> 16) + (w & 0xFFFFu);
	}
	if (i + 2 <= len) {
		s += load_be16(p + i);
		i += 2;
	}
	if (i < len)
		s += (uint32_t)p[i] << 8;
	s = (s & 0xFFFFu) + (s >> 16);
	s = (s & 0xFFFFu) + (s >> 16);
	if (off & 1)
		s = ((s << 8) | (s >> 8)) & 0xFFFFu;
	return s;
}

/* Insert the custom option @opt of @n (4, 8 or 12) bytes.
 *
 * The header checksum is carried over by RFC 1624 eqn. 3 applied to the
 * words that change alone (issue 19: no sum of the whole header, before
 * and after): the first two (IHL, total length), the option's bytes
 * added at @at, and the padding bytes it overwrites subtracted. Where
 * the header grows by a gap, the old padding moves behind the option by
 * n, a multiple of 4, so its bytes keep their halves of the words and
 * their sum. The result is the one of the whole-header sums (HC' =
 * ~(~HC + ~m + m')): both sums are congruent modulo 0xFFFF and neither
 * is zero (the new first word never is), so they fold to the same
 * value, -0 included; a header that arrived corrupt stays corrupt. */
static enum wire_result
ipv4opt_insert(struct pkt_buf *pb, uint32_t l3_off, uint32_t mtu,
	       const uint8_t *opt, uint32_t n)
{
	struct ipv4opt_info info;
	enum wire_result r;
	uint32_t hl, at, new_hl, tot, new_tot;
	uint64_t delta;
	bool keep_pad;
	uint8_t *ip;

	if (pb == NULL)
		return WIRE_ERR_INVAL;
	if (pb->base != NULL && l3_off <= pb->len &&
	    pb->len - l3_off >= IPV4_HDR_MIN_LEN) {
		ip = pkt_buf_data(pb) + l3_off;
		tot = load_be16(ip + 2);
		if (ip[0] == 0x45 && tot >= IPV4_HDR_MIN_LEN &&
		    tot <= pb->len - l3_off) {
			/* No options (a new flow's client tuple, issue
			 * 19): what ipv4opt_parse() accepts and finds
			 * there, without its calls and walk. */
			hl = IPV4_HDR_MIN_LEN;
			at = IPV4_HDR_MIN_LEN;
			goto place;
		}
	}
	r = ipv4opt_parse(pkt_buf_data(pb), pb->len, l3_off, &info);
	if (r != WIRE_OK)
		return r;
	if (ipv4opt_present(&info, opt[0]))
		return WIRE_ERR_IPV4_OPT_DUP;
	hl = info.hdr_len;
	at = info.opt_end;
place:
	/* Where the option goes and how much the header grows. The area
	 * stays a multiple of 4 (IHL counts 32-bit words, RFC 791) because
	 * n is 4, 8 or 12 and hl is a multiple of 4. */
	if (at + n <= hl) {
		/* Trailing padding has room: reuse it, no growth. */
		new_hl = hl;
		keep_pad = false;
	} else if (hl + n <= IPV4_HDR_MAX_LEN) {
		/* Open a gap of exactly n at the insert point: the old
		 * padding moves behind the option, so strip restores it. */
		new_hl = hl + n;
		keep_pad = true;
	} else if (((at + n + 3) & ~3u) <= IPV4_HDR_MAX_LEN) {
		/* Only fits by overwriting part of the padding. */
		new_hl = (at + n + 3) & ~3u;
		keep_pad = false;
	} else {
		return WIRE_ERR_IPV4_OPT_FULL;
	}
	ip = pkt_buf_data(pb) + l3_off;
	tot = load_be16(ip + 2);
	new_tot = tot + (new_hl - hl);
	if (new_tot > UINT16_MAX || (mtu != 0 && new_tot > mtu))
		return WIRE_ERR_MTU;
	/* ~old first two words; the overwritten padding, if any: all
	 * summed as 0xFFFF - x, exact integers folded once at the end. */
	delta = 2u * 0xFFFFu - load_be16(ip) - tot;
	if (!keep_pad)
		delta += 0xFFFFu - ipv4opt_sum_at(ip + at, hl - at, at);
	/* Last step that can fail; it moves nothing when it does. */
	r = pkt_buf_open_gap(pb, l3_off + at, new_hl - hl);
	if (r != WIRE_OK)
		return r;
	ip = pkt_buf_data(pb) + l3_off;
	/* n is a multiple of 4: word copies, not a call to memcpy() of a
	 * variable length (issue 19). */
	for (uint32_t i = 0; i < n; i += 4)
		memcpy(ip + at + i, opt + i, 4);
	if (!keep_pad)
		memset(ip + at + n, IPV4OPT_EOL, new_hl - at - n);
	ip[0] = (uint8_t)(0x40 | (new_hl / 4));
	store_be16(ip + 2, (uint16_t)new_tot);
	delta += load_be16(ip) + new_tot + ipv4opt_sum_at(opt, n, at);
	store_be16(ip + 10, csum_apply_delta(load_be16(ip + 10), delta));
	return WIRE_OK;
}

enum wire_result
ipv4opt_insert_client(struct pkt_buf *pb, uint32_t l3_off, uint32_t mtu,
		      uint32_t addr, uint16_t port)
{
	uint8_t o[IPV4OPT_CLIENT_TUPLE_LEN];

	/* Paper Table 1: 155 = copied 1, class 0, number 27; 4B + 2B. */
	o[0] = IPV4OPT_CLIENT_TUPLE;
	o[1] = IPV4OPT_CLIENT_TUPLE_LEN;
	store_be32(o + 2, addr);
	store_be16(o + 6, port);
	/* A header without options (every new flow's first packet, issue
	 * 19, round 6): ipv4opt_insert()'s own fast case with n = 8 and at
	 * = hl = 20 known, so the gap, the copy and the option's sum are of
	 * fixed sizes: the same checks in the same order, the same delta,
	 * the same bytes (unit test test_insert_client_bare_same). */
	if (pb != NULL && pb->base != NULL && l3_off <= pb->len &&
	    pb->len - l3_off >= IPV4_HDR_MIN_LEN) {
		uint8_t *ip = pkt_buf_data(pb) + l3_off;
		const uint32_t tot = load_be16(ip + 2);

		if (ip[0] == 0x45 && tot >= IPV4_HDR_MIN_LEN &&
		    tot <= pb->len - l3_off) {
			const uint32_t new_tot = tot + sizeof(o);
			uint64_t delta;
			enum wire_result r;

			if (new_tot > UINT16_MAX ||
			    (mtu != 0 && new_tot > mtu))
				return WIRE_ERR_MTU;
			delta = 2u * 0xFFFFu - load_be16(ip) - tot;
			r = pkt_buf_open_gap(pb, l3_off + IPV4_HDR_MIN_LEN,
					     sizeof(o));
			if (r != WIRE_OK)
				return r;
			ip = pkt_buf_data(pb) + l3_off;
			memcpy(ip + IPV4_HDR_MIN_LEN, o, sizeof(o));
			ip[0] = (uint8_t)(0x40 | ((IPV4_HDR_MIN_LEN +
						   sizeof(o)) / 4));
			store_be16(ip + 2, (uint16_t)new_tot);
			delta += load_be16(ip) + new_tot +
				 ipv4opt_sum_at(o, sizeof(o),
						IPV4_HDR_MIN_LEN);
			store_be16(ip + 10, csum_apply_delta(load_be16(ip + 10),
							     delta));
			return WIRE_OK;
		}
	}
	return ipv4opt_insert(pb, l3_off, mtu, o, sizeof(o));
}

enum wire_result
ipv4opt_insert_request(struct pkt_buf *pb, uint32_t l3_off, uint32_t mtu,
		       bool with_nonce, uint32_t nonce)
{
	uint8_t o[IPV4OPT_METRIC_REQ_AUTH_LEN];

	o[0] = IPV4OPT_METRIC_REQ;
	o[1] = with_nonce ? IPV4OPT_METRIC_REQ_AUTH_LEN :
			    IPV4OPT_METRIC_REQ_LEN;
	o[2] = 0;
	o[3] = 0;
	store_be32(o + 4, nonce);
	return ipv4opt_insert(pb, l3_off, mtu, o, o[1]);
}

enum wire_result
ipv4opt_insert_answer(struct pkt_buf *pb, uint32_t l3_off, uint32_t mtu,
		      uint16_t score, bool with_nonce, uint32_t nonce)
{
	uint8_t o[IPV4OPT_METRIC_ANS_AUTH_LEN];

	o[0] = IPV4OPT_METRIC_ANS;
	o[1] = with_nonce ? IPV4OPT_METRIC_ANS_AUTH_LEN :
			    IPV4OPT_METRIC_ANS_LEN;
	store_be16(o + 2, score);
	store_be32(o + 4, nonce);
	return ipv4opt_insert(pb, l3_off, mtu, o, o[1]);
}

/* The recover marker, 8 bytes, or 12 with the offering appliance's
 * address when @p addr is not NULL (docs/wire-format.md, "Recovery"). */
static enum wire_result
insert_recover(struct pkt_buf *pb, uint32_t l3_off, uint32_t mtu,
	       uint8_t index, uint8_t count, uint32_t cookie,
	       const uint32_t *addr)
{
	uint8_t o[IPV4OPT_RECOVER_ADDR_LEN];

	o[0] = IPV4OPT_RECOVER;
	o[1] = addr != NULL ? IPV4OPT_RECOVER_ADDR_LEN : IPV4OPT_RECOVER_LEN;
	o[2] = index;
	o[3] = count;
	store_be32(o + 4, cookie);
	if (addr != NULL)
		store_be32(o + 8, *addr);
	return ipv4opt_insert(pb, l3_off, mtu, o, o[1]);
}

enum wire_result
ipv4opt_insert_recover(struct pkt_buf *pb, uint32_t l3_off, uint32_t mtu,
		       uint8_t index, uint8_t count, uint32_t cookie)
{
	return insert_recover(pb, l3_off, mtu, index, count, cookie, NULL);
}

enum wire_result
ipv4opt_insert_recover_addr(struct pkt_buf *pb, uint32_t l3_off,
			    uint32_t mtu, uint8_t index, uint8_t count,
			    uint32_t cookie, uint32_t addr)
{
	return insert_recover(pb, l3_off, mtu, index, count, cookie, &addr);
}

/* Remove @cnt options at the header offsets @offs (descending) with the
 * lengths @lens from a header that ipv4opt_parse() accepted. Cannot fail. */
static void
ipv4opt_remove(struct pkt_buf *pb, uint32_t l3_off, const uint8_t *offs,
	       const uint8_t *lens, unsigned int cnt)
{
	uint32_t hl, tot, removed = 0;
	uint64_t delta;
	unsigned int i;
	uint8_t *ip;

	ip = pkt_buf_data(pb) + l3_off;
	hl = (uint32_t)(ip[0] & 0x0F) * 4;
	tot = load_be16(ip + 2);
	/* The header checksum by RFC 1624 eqn. 3 on the words that change
	 * alone, as ipv4opt_insert() (issue 19): ~ the first two (IHL,
	 * total length) and ~ each removed option's bytes, summed where
	 * they sit. The bytes behind a removed option move forward by its
	 * length, 4, 8 or 12, so they keep their halves of the words and
	 * their sum. */
	delta = 2u * 0xFFFFu - load_be16(ip) - tot;
	for (i = 0; i < cnt; i++)
		delta += 0xFFFFu - ipv4opt_sum_at(ip + offs[i], lens[i],
						  offs[i]);
	/* Highest offset first, so the lower ones stay where they were. The
	 * arguments are within the packet, so close_gap cannot fail. */
	for (i = 0; i < cnt; i++) {
		uint32_t at = offs[i], n = lens[i];

		/* Options side by side (a client tuple and its answer)
		 * close as one gap (issue 19). */
		while (i + 1 < cnt && offs[i + 1] + lens[i + 1] == at) {
			i++;
			at = offs[i];
			n += lens[i];
		}
		(void)pkt_buf_close_gap(pb, l3_off + at, n);
		removed += n;
	}
	/* Custom options are 4, 8 or 12 bytes long: the area stays a multiple of
	 * 4 and the options after them keep their 32-bit alignment, so no
	 * re-padding is needed. */
	ip = pkt_buf_data(pb) + l3_off;
	ip[0] = (uint8_t)(0x40 | ((hl - removed) / 4));
	store_be16(ip + 2, (uint16_t)(tot - removed));
	delta += load_be16(ip) + (tot - removed);
	store_be16(ip + 10, csum_apply_delta(load_be16(ip + 10), delta));
}

/* ipv4opt_remove() of options that fill the whole options area of the
 * header (@p hl bytes, checked by the caller): one gap, the header
 * checksum over the area's 32-bit words in one pass. The same bytes:
 * the delta is congruent to ipv4opt_remove()'s and neither is zero (the
 * new first word never is), so both fold to the same checksum. */
static void
ipv4opt_remove_area(struct pkt_buf *pb, uint32_t l3_off, uint32_t hl)
{
	uint32_t tot, s = 0, w, n = hl - IPV4_HDR_MIN_LEN;
	uint64_t delta;
	uint8_t *ip;

	ip = pkt_buf_data(pb) + l3_off;
	tot = load_be16(ip + 2);
	for (uint32_t i = IPV4_HDR_MIN_LEN; i < hl; i += 4) {
		w = load_be32(ip + i);
		s += (w >> 16) + (w & 0xFFFFu);
	}
	/* ~ the first two words and ~ every removed word (0xFFFF - x) */
	delta = 2u * 0xFFFFu - load_be16(ip) - tot +
		(uint64_t)(n / 2) * 0xFFFFu - s;
	(void)pkt_buf_close_gap(pb, l3_off + IPV4_HDR_MIN_LEN, n);
	ip = pkt_buf_data(pb) + l3_off;
	ip[0] = 0x45;
	store_be16(ip + 2, (uint16_t)(tot - n));
	delta += load_be16(ip) + (tot - n);
	store_be16(ip + 10, csum_apply_delta(load_be16(ip + 10), delta));
}

enum wire_result
ipv4opt_strip(struct pkt_buf *pb, uint32_t l3_off, uint8_t kind)
{
	struct ipv4opt_info info;
	enum wire_result r;
	uint8_t off, len;

	if (pb == NULL)
		return WIRE_ERR_INVAL;
	switch (kind) {
	case IPV4OPT_CLIENT_TUPLE:
	case IPV4OPT_METRIC_REQ:
	case IPV4OPT_METRIC_ANS:
	case IPV4OPT_RECOVER:
		break;
	default:
		return WIRE_ERR_INVAL;
	}
	r = ipv4opt_parse(pkt_buf_data(pb), pb->len, l3_off, &info);
	if (r != WIRE_OK)
		return r;
	if (kind == IPV4OPT_CLIENT_TUPLE) {
		off = info.client_off;
		len = IPV4OPT_CLIENT_TUPLE_LEN;
	} else if (kind == IPV4OPT_METRIC_REQ) {
		off = info.req_off;
		len = info.req_len;
	} else if (kind == IPV4OPT_METRIC_ANS) {
		off = info.ans_off;
		len = info.ans_len;
	} else {
		off = info.rec_off;
		len = info.rec_len;
	}
	if (off == 0)
		return WIRE_ERR_NOT_FOUND;
	ipv4opt_remove(pb, l3_off, &off, &len, 1);
	return WIRE_OK;
}

enum wire_result
ipv4opt_strip_all(struct pkt_buf *pb, uint32_t l3_off, unsigned int *removed)
{
	struct ipv4opt_info info;
	uint8_t offs[4], lens[4];
	enum wire_result r;
	unsigned int cnt = 0, i, j;

	if (pb == NULL)
		return WIRE_ERR_INVAL;
	r = ipv4opt_parse(pkt_buf_data(pb), pb->len, l3_off, &info);
	if (r != WIRE_OK)
		return r;
	if (info.client_off != 0) {
		offs[cnt] = info.client_off;
		lens[cnt++] = IPV4OPT_CLIENT_TUPLE_LEN;
	}
	if (info.req_off != 0) {
		offs[cnt] = info.req_off;
		lens[cnt++] = info.req_len;
	}
	if (info.ans_off != 0) {
		offs[cnt] = info.ans_off;
		lens[cnt++] = info.ans_len;
	}
	if (info.rec_off != 0) {
		offs[cnt] = info.rec_off;
		lens[cnt++] = info.rec_len;
	}
	/* Sort by descending offset (insertion sort of at most 4). */
	for (i = 1; i < cnt; i++) {
		for (j = i; j > 0 && offs[j - 1] < offs[j]; j--) {
			uint8_t t = offs[j];

			offs[j] = offs[j - 1];
			offs[j - 1] = t;
			t = lens[j];
			lens[j] = lens[j - 1];
			lens[j - 1] = t;
		}
	}
	if (cnt > 0)
		ipv4opt_remove(pb, l3_off, offs, lens, cnt);
	if (removed != NULL)
		*removed = cnt;
	return WIRE_OK;
}

enum wire_result
ipv4opt_strip_packed(struct pkt_buf *pb, uint32_t l3_off, uint32_t where,
		     unsigned int *removed)
{
	static const uint8_t kind[4] = {
		IPV4OPT_CLIENT_TUPLE, IPV4OPT_METRIC_REQ, IPV4OPT_METRIC_ANS,
		IPV4OPT_RECOVER,
	};
	uint8_t offs[4], lens[4];
	unsigned int cnt = 0, i, j;
	const uint8_t *ip;
	uint32_t hl, off, len;

	if (pb == NULL || l3_off > pb->len ||
	    pb->len - l3_off < IPV4_HDR_MIN_LEN)
		return WIRE_ERR_INVAL;
	ip = pkt_buf_data(pb) + l3_off;
	hl = (uint32_t)(ip[0] & 0x0F) * 4;
	if (hl > pb->len - l3_off)
		return WIRE_ERR_INVAL;
	/* A server's metric answer (issue 19): its client tuple at 20, the
	 * answer right after it, nothing else in the options area. */
	if ((where & ~(1u << 25)) == (20u | 28u << 12)) {
		len = (where >> 25) & 1 ? IPV4OPT_METRIC_ANS_AUTH_LEN :
					  IPV4OPT_METRIC_ANS_LEN;
		if (hl == 28 + len && ip[20] == IPV4OPT_CLIENT_TUPLE &&
		    ip[21] == IPV4OPT_CLIENT_TUPLE_LEN &&
		    ip[28] == IPV4OPT_METRIC_ANS && ip[29] == len) {
			ipv4opt_remove_area(pb, l3_off, hl);
			if (removed != NULL)
				*removed = 2;
			return WIRE_OK;
		}
	}
	for (i = 0; i < 4; i++) {
		off = (where >> (6 * i)) & 63;
		if (off == 0)
			continue;
		len = (i == 1 || i == 2) && !((where >> (23 + i)) & 1) ? 4 : 8;
		if (i == 3 && ((where >> 26) & 1))
			len = IPV4OPT_RECOVER_ADDR_LEN;
		/* Still what the parse saw: inside the options area, the
		 * kind and length bytes of the option. */
		if (off < IPV4_HDR_MIN_LEN || off + len > hl ||
		    ip[off] != kind[i] || ip[off + 1] != len)
			return WIRE_ERR_INVAL;
		for (j = cnt; j > 0 && offs[j - 1] < off; j--) {
			offs[j] = offs[j - 1];
			lens[j] = lens[j - 1];
		}
		offs[j] = (uint8_t)off;
		lens[j] = (uint8_t)len;
		cnt++;
	}
	for (i = 1; i < cnt; i++)
		if (offs[i] + lens[i] > offs[i - 1])
			return WIRE_ERR_INVAL;
	if (cnt > 0)
		ipv4opt_remove(pb, l3_off, offs, lens, cnt);
	if (removed != NULL)
		*removed = cnt;
	return WIRE_OK;
}
