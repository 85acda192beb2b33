/* SPDX-License-Identifier: BSD-3-Clause */
#include <inttypes.h>
#include <stdio.h>
#include <stddef.h>
#include <string.h>

#include "dsrlb/bytes.h"
#include "dsrlb/ipv4opt.h"
#include "dsrlb/ip6ext.h"
#include "dsrlb/pkt_parse.h"
#include "dsrlb/wire.h"

#define MSG_BIT(x) (1u << PKT_MSG_##x)

static const char *const pkt_msg_names[] = {
#define PKT_MSG_NAME(name, str) str,
	PKT_MSG_LIST(PKT_MSG_NAME)
#undef PKT_MSG_NAME
};

const char *
pkt_msg_name(unsigned int msg)
{
	return msg < PKT_MSG_MAX ? pkt_msg_names[msg] : "?";
}

/* Ports and flags of the upper layer at @off; only TCP and UDP have them.
 * A transport header cut short is malformed: the appliance hashes on the
 * ports, so it must not guess them. Inline in each of its callers: the
 * call was 4-6 instructions of every packet (issue 19, round 8). */
static inline __attribute__((always_inline)) enum wire_result
parse_l4(const uint8_t *frame, uint32_t end, uint32_t off, struct pkt_meta *m)
{
	m->l4_off = (uint16_t)off;
	switch (m->l4_proto) {
	case IPPROTO_NUM_TCP:
		if (end < off || end - off < TCP_HDR_MIN_LEN)
			return WIRE_ERR_TRUNCATED;
		m->tcp_flags = frame[off + 13];
		break;
	case IPPROTO_NUM_UDP:
		if (end < off || end - off < UDP_HDR_LEN)
			return WIRE_ERR_TRUNCATED;
		break;
	default:
		return WIRE_OK;
	}
	/* Both ports in one 4-byte store: the flow hash reads them as one
	 * word, which two 2-byte stores could not forward (a stall of
	 * every packet in perf, issue 19 round 8). */
	{
		const uint16_t ports[2] = { load_be16(frame + off),
					    load_be16(frame + off + 2) };

		_Static_assert(offsetof(struct pkt_meta, dport) ==
			       offsetof(struct pkt_meta, sport) + 2,
			       "the ports are adjacent");
		memcpy((uint8_t *)m + offsetof(struct pkt_meta, sport),
		       ports, sizeof(ports));
	}
	return WIRE_OK;
}

/* The decoded messages' fields, cleared before a frame that may carry
 * messages is decoded, so that those of a message it lacks read zero
 * (include/dsrlb/pkt_parse.h: a field counts only while its message's
 * bit is set; the fast paths of a plain packet leave them alone). */
static inline void
msg_fields_clear(struct pkt_meta *m)
{
	uint8_t *p = m->client_addr;

	/* Three 16-byte stores: as one 48-byte memset() gcc chose "rep
	 * stos", whose start-up cost every metric answer tens of cycles
	 * (perf, issue 19 round 9). */
	_Static_assert(sizeof(*m) - offsetof(struct pkt_meta, client_addr) ==
		       48, "three 16-byte pieces");
	memset(p, 0, 16);
	memset(p + 16, 0, 16);
	memset(p + 32, 0, 16);
}

static enum wire_result
parse_ipv4(const uint8_t *frame, uint32_t len, struct pkt_meta *m)
{
	struct ipv4opt_info info;
	const uint8_t *ip = frame + m->l3_off;
	enum wire_result r;
	uint16_t frag;

	m->family = 4;
	/* Fill the fixed fields first, so that a frame rejected for its
	 * options is still described (and counted) by its addresses. */
	if (len >= (uint32_t)m->l3_off + IPV4_HDR_MIN_LEN) {
		m->l4_proto = ip[9];
		m->ttl = ip[8];
		memcpy(m->src, ip + 12, 4);
		memcpy(m->dst, ip + 16, 4);
		/* Nearly every packet: version 4, no options, a total
		 * length within the frame (the checks of ipv4_hdr_check()),
		 * nothing for ipv4opt_parse() to find (issue 19). */
		if (ip[0] == 0x45) {
			uint32_t tot = load_be16(ip + 2);

			if (tot >= IPV4_HDR_MIN_LEN &&
			    tot <= len - m->l3_off) {
				frag = load_be16(ip + 6);
				if ((frag & IPV4_FRAG_OFF_MASK) != 0) {
					m->l4_off = (uint16_t)(m->l3_off +
							       IPV4_HDR_MIN_LEN);
					return WIRE_ERR_IPV4_FRAGMENT;
				}
				if (frag & IPV4_FLAG_MF)
					m->msgs |= MSG_BIT(FRAGMENT);
				return parse_l4(frame, m->l3_off + tot,
						m->l3_off + IPV4_HDR_MIN_LEN, m);
			}
		}
		/* A server's metric answer (issue 19): its client tuple at
		 * 20, the answer (4 or 8 bytes) filling the rest of the
		 * options area. What ipv4opt_parse() checks and finds
		 * there, without its info struct and walk (unit test
		 * test_parse_answer_fast_path). */
		if (ip[0] == 0x48 || ip[0] == 0x49) {
			uint32_t hl = (uint32_t)(ip[0] & 0x0F) * 4u;
			uint32_t alen = hl - 28, tot = load_be16(ip + 2);

			if (tot >= hl && tot <= len - m->l3_off &&
			    ip[20] == IPV4OPT_CLIENT_TUPLE &&
			    ip[21] == IPV4OPT_CLIENT_TUPLE_LEN &&
			    ip[28] == IPV4OPT_METRIC_ANS && ip[29] == alen) {
				msg_fields_clear(m);
				m->opt4 = 20u | 28u << 12 |
					  (uint32_t)(alen == 8) << 25;
				m->msgs |= MSG_BIT(CLIENT_TUPLE) |
					   MSG_BIT(METRIC_ANS);
				memcpy(m->client_addr, ip + 22, 4);
				m->client_port = load_be16(ip + 26);
				m->score = load_be16(ip + 30);
				if (alen == 8) {
					m->msgs |= MSG_BIT(NONCE);
					m->nonce = load_be32(ip + 32);
				}
				frag = load_be16(ip + 6);
				if ((frag & IPV4_FRAG_OFF_MASK) != 0) {
					m->l4_off = (uint16_t)(m->l3_off + hl);
					return WIRE_ERR_IPV4_FRAGMENT;
				}
				if (frag & IPV4_FLAG_MF)
					m->msgs |= MSG_BIT(FRAGMENT);
				return parse_l4(frame, m->l3_off + tot,
						m->l3_off + hl, m);
			}
		}
	}
	msg_fields_clear(m);
	r = ipv4opt_parse(frame, len, m->l3_off, &info);
	if (r != WIRE_OK)
		return r;
	m->opt4 = (uint32_t)info.client_off | (uint32_t)info.req_off << 6 |
		  (uint32_t)info.ans_off << 12 | (uint32_t)info.rec_off << 18 |
		  (uint32_t)(info.req_len == IPV4OPT_METRIC_REQ_AUTH_LEN) << 24 |
		  (uint32_t)(info.ans_len == IPV4OPT_METRIC_ANS_AUTH_LEN) << 25 |
		  (uint32_t)(info.rec_len == IPV4OPT_RECOVER_ADDR_LEN) << 26;
	if (info.client_off != 0) {
		m->msgs |= MSG_BIT(CLIENT_TUPLE);
		store_be32(m->client_addr, info.client_addr);
		m->client_port = info.client_port;
	}
	if (info.req_off != 0) {
		m->msgs |= MSG_BIT(METRIC_REQ);
		if (info.req_len == 8) {
			m->msgs |= MSG_BIT(NONCE);
			m->nonce = info.req_nonce;
		}
	}
	if (info.ans_off != 0) {
		m->msgs |= MSG_BIT(METRIC_ANS);
		m->score = info.score;
		if (info.ans_len == 8) {
			m->msgs |= MSG_BIT(NONCE);
			m->nonce = info.ans_nonce;
		}
	}
	if (info.rec_off != 0) {
		m->msgs |= MSG_BIT(RECOVER);
		m->rec_index = info.rec_index;
		m->rec_count = info.rec_count;
		m->rec_cookie = info.rec_cookie;
		if (info.rec_len == IPV4OPT_RECOVER_ADDR_LEN) {
			m->rec_has_addr = 1;
			store_be32(m->rec_addr, info.rec_addr);
		}
	}
	frag = load_be16(ip + 6);
	if ((frag & IPV4_FRAG_OFF_MASK) != 0) {
		/* A non-first fragment has no transport header to read. */
		m->l4_off = (uint16_t)(m->l3_off + info.hdr_len);
		return WIRE_ERR_IPV4_FRAGMENT;
	}
	if (frag & IPV4_FLAG_MF)
		m->msgs |= MSG_BIT(FRAGMENT);
	/* Bytes past total length (Ethernet padding) are not the packet. */
	return parse_l4(frame, m->l3_off + load_be16(ip + 2),
			m->l3_off + info.hdr_len, m);
}

static enum wire_result
parse_ipv6(const uint8_t *frame, uint32_t len, struct pkt_meta *m)
{
	const uint8_t *ip = frame + m->l3_off;
	struct ip6ext_info info;
	enum wire_result r;
	uint32_t enc;

	m->family = 6;
	if (len >= (uint32_t)m->l3_off + IPV6_HDR_LEN) {
		m->ttl = ip[7];
		memcpy(m->src, ip + 8, 16);
		memcpy(m->dst, ip + 24, 16);
		/* The common case, TCP or UDP right after the fixed header:
		 * the walk's header checks (ip6_hdr_check(): version 6,
		 * payload length nonzero and within the frame) inline and
		 * none of its 200-byte info struct (issue 19, round 4). The
		 * same verdict and fields as the walk, which crosses
		 * neither protocol (unit test
		 * test_parse_fast_path_is_the_walk); anything else, every
		 * malformed header included, takes the walk. */
		if ((ip[6] == IPPROTO_NUM_TCP || ip[6] == IPPROTO_NUM_UDP) &&
		    (ip[0] >> 4) == 6) {
			uint32_t plen = load_be16(ip + 4);

			if (plen != 0 &&
			    plen <= len - m->l3_off - IPV6_HDR_LEN) {
				m->l4_proto = ip[6];
				return parse_l4(frame, m->l3_off +
						IPV6_HDR_LEN + plen,
						m->l3_off + IPV6_HDR_LEN, m);
			}
		}
		/* A server's metric answer in the paper encoding (issue
		 * 19): the client tuple (27, 24 bytes) right after the
		 * fixed header, the answer (29, 8 bytes) after it, then
		 * TCP or UDP. What the walk checks and finds there (the
		 * headers within the payload, their lengths), without it
		 * (unit test test_parse6_answer_fast_path). */
		if (ip[6] == IP6EXT_CLIENT_TUPLE && (ip[0] >> 4) == 6) {
			const uint8_t *h = ip + IPV6_HDR_LEN;
			uint32_t plen = load_be16(ip + 4);

			if (plen >= IP6EXT_CLIENT_TUPLE_LEN +
				    IP6EXT_METRIC_ANS_LEN &&
			    plen <= len - m->l3_off - IPV6_HDR_LEN &&
			    h[1] == IP6EXT_CLIENT_TUPLE_LEN / 8 - 1 &&
			    h[0] == IP6EXT_METRIC_ANS && h[25] == 0 &&
			    (h[24] == IPPROTO_NUM_TCP ||
			     h[24] == IPPROTO_NUM_UDP)) {
				msg_fields_clear(m);
				m->l4_proto = h[24];
				m->msgs |= MSG_BIT(CLIENT_TUPLE) |
					   MSG_BIT(METRIC_ANS);
				memcpy(m->client_addr, h + 8, 16);
				m->client_port = load_be16(h + 2);
				m->score = load_be16(h + 26);
				m->nonce = load_be32(h + 28);
				if (m->nonce != 0)
					m->msgs |= MSG_BIT(NONCE);
				m->ext6 = IP6EXT_CLIENT_TUPLE_LEN +
					  IP6EXT_METRIC_ANS_LEN;
				return parse_l4(frame, m->l3_off +
						IPV6_HDR_LEN + plen,
						m->l3_off + IPV6_HDR_LEN +
						m->ext6, m);
			}
		}
	}
	msg_fields_clear(m);
	r = ip6ext_walk(frame, len, m->l3_off, 0, &info);
	if (r != WIRE_OK)
		return r;
	m->l4_proto = info.upper_proto;
	/* Every header crossed a dsrlb message of the paper encoding (a
	 * server's answer): the strip needs no walk (issue 19). */
	if (info.n_headers != 0 &&
	    info.n_headers == (info.msg_off[0] != 0) + (info.msg_off[1] != 0) +
			      (info.msg_off[2] != 0) + (info.msg_off[3] != 0)) {
		_Static_assert(IP6EXT_MSG_MAX == 4, "four messages");
		memcpy(&enc, info.msg_enc, sizeof(enc));
		if (enc == 0)
			m->ext6 = (uint16_t)(info.upper_off - m->l3_off -
					     IPV6_HDR_LEN);
	}
	if (info.srh_off != 0) {
		m->msgs |= MSG_BIT(SRH);
		m->srh_off = (uint16_t)info.srh_off;
		m->srh_segments_left = frame[info.srh_off + 3];
		m->srh_last_entry = frame[info.srh_off + 4];
	}
	/* RFC 6946: an atomic fragment (offset 0, M = 0) is a whole
	 * packet, not the first of several. */
	if (info.first_fragment && info.frag_more)
		m->msgs |= MSG_BIT(FRAGMENT);
	/* msg_enc is IP6EXT_ENC_PAPER (0) for every message not found:
	 * one test for all four (issue 19). */
	_Static_assert(IP6EXT_ENC_PAPER == 0 && IP6EXT_MSG_MAX == 4,
		       "msg_enc: zero when absent, four bytes");
	memcpy(&enc, info.msg_enc, sizeof(enc));
	if (enc != 0)
		m->msgs |= MSG_BIT(DSTOPT_ENC);
	if (info.msg_off[IP6EXT_MSG_CLIENT_TUPLE] != 0) {
		m->msgs |= MSG_BIT(CLIENT_TUPLE);
		memcpy(m->client_addr, info.client_addr, 16);
		m->client_port = info.client_port;
	}
	/* IPv6 messages always carry a nonce field; 0 means none. */
	if (info.msg_off[IP6EXT_MSG_METRIC_REQ] != 0) {
		m->msgs |= MSG_BIT(METRIC_REQ);
		if (info.req_nonce != 0) {
			m->msgs |= MSG_BIT(NONCE);
			m->nonce = info.req_nonce;
		}
	}
	if (info.msg_off[IP6EXT_MSG_METRIC_ANS] != 0) {
		m->msgs |= MSG_BIT(METRIC_ANS);
		m->score = info.score;
		if (info.ans_nonce != 0) {
			m->msgs |= MSG_BIT(NONCE);
			m->nonce = info.ans_nonce;
		}
	}
	if (info.msg_off[IP6EXT_MSG_RECOVER] != 0) {
		m->msgs |= MSG_BIT(RECOVER);
		m->rec_index = info.rec_index;
		m->rec_count = info.rec_count;
		m->rec_cookie = info.rec_cookie;
		if (info.rec_has_addr) {
			m->rec_has_addr = 1;
			memcpy(m->rec_addr, info.rec_addr, 16);
		}
	}
	return parse_l4(frame, info.end, info.upper_off, m);
}

enum wire_result
pkt_parse(const uint8_t *frame, uint32_t len, struct pkt_meta *m)
{
	uint32_t off = ETH_HDR_LEN;

	/* Everything but the decoded messages (msg_fields_clear()). */
	memset(m, 0, offsetof(struct pkt_meta, client_addr));
	if (frame == NULL)
		return WIRE_ERR_INVAL;
	if (len < ETH_HDR_LEN)
		return WIRE_ERR_TRUNCATED;
	m->ethertype = load_be16(frame + 12);
	/* One 802.1Q tag at most: the appliance's ports are untagged or
	 * carry a single VLAN; QinQ is not ours to parse. */
	if (m->ethertype == ETH_TYPE_VLAN) {
		if (len < ETH_HDR_LEN + 4)
			return WIRE_ERR_TRUNCATED;
		m->ethertype = load_be16(frame + 16);
		off += 4;
	}
	m->l3_off = (uint16_t)off;
	switch (m->ethertype) {
	case ETH_TYPE_IPV4:
		return parse_ipv4(frame, len, m);
	case ETH_TYPE_IPV6:
		return parse_ipv6(frame, len, m);
	default:
		return WIRE_OK;
	}
}

static int
format_addr(char *buf, size_t size, unsigned int family, const uint8_t *a)
{
	if (family == 4)
		return snprintf(buf, size, "%u.%u.%u.%u", a[0], a[1], a[2],
				a[3]);
	/* Full form, no zero compression: unambiguous and enough for logs. */
	return snprintf(buf, size, "%x:%x:%x:%x:%x:%x:%x:%x",
			load_be16(a), load_be16(a + 2), load_be16(a + 4),
			load_be16(a + 6), load_be16(a + 8), load_be16(a + 10),
			load_be16(a + 12), load_be16(a + 14));
}

int
pkt_meta_format(const struct pkt_meta *m, enum wire_result r, char *buf,
		size_t size)
{
	char s[48], d[48], c[48];
	const char *proto;
	size_t n = 0;
	int w;

#define APPEND(...)                                                       \
	do {                                                              \
		w = snprintf(n < size ? buf + n : NULL,                  \
			     n < size ? size - n : 0, __VA_ARGS__);       \
		if (w > 0)                                                \
			n += (size_t)w;                                   \
	} while (0)

	if (size > 0)
		buf[0] = '\0';
	if (m->family == 0) {
		APPEND("ethertype 0x%04x", m->ethertype);
	} else {
		format_addr(s, sizeof(s), m->family, m->src);
		format_addr(d, sizeof(d), m->family, m->dst);
		proto = m->l4_proto == IPPROTO_NUM_TCP ? "TCP" :
			m->l4_proto == IPPROTO_NUM_UDP ? "UDP" : NULL;
		APPEND("IPv%u ", m->family);
		if (proto != NULL)
			APPEND("%s %s:%u > %s:%u", proto, s, m->sport, d,
			       m->dport);
		else
			APPEND("proto %u %s > %s", m->l4_proto, s, d);
		if (m->tcp_flags != 0)
			APPEND(" [%s%s%s%s%s]",
			       m->tcp_flags & TCP_FLAG_SYN ? "S" : "",
			       m->tcp_flags & TCP_FLAG_FIN ? "F" : "",
			       m->tcp_flags & TCP_FLAG_RST ? "R" : "",
			       m->tcp_flags & TCP_FLAG_PSH ? "P" : "",
			       m->tcp_flags & TCP_FLAG_ACK ? "." : "");
	}
	if (m->msgs & MSG_BIT(CLIENT_TUPLE)) {
		format_addr(c, sizeof(c), m->family, m->client_addr);
		APPEND(m->family == 6 ? " client-tuple=[%s]:%u" :
					" client-tuple=%s:%u",
		       c, m->client_port);
	}
	if (m->msgs & MSG_BIT(METRIC_REQ))
		APPEND(" metric-request");
	if (m->msgs & MSG_BIT(METRIC_ANS))
		APPEND(" metric-answer=%u", m->score);
	if (m->msgs & MSG_BIT(NONCE))
		APPEND(" nonce=0x%08" PRIx32, m->nonce);
	if (m->msgs & MSG_BIT(DSTOPT_ENC))
		APPEND(" (dstopt)");
	if (m->msgs & MSG_BIT(SRH))
		APPEND(" srh(sl=%u,le=%u)", m->srh_segments_left,
		       m->srh_last_entry);
	if (m->msgs & MSG_BIT(FRAGMENT))
		APPEND(" first-fragment");
	if (m->msgs & MSG_BIT(RECOVER))
		APPEND(" recover=%u/%u cookie=0x%08" PRIx32, m->rec_index,
		       m->rec_count, m->rec_cookie);
	if (r != WIRE_OK)
		APPEND(" MALFORMED %s", wire_result_name(r));
#undef APPEND
	return (int)n;
}
