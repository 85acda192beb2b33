/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The explicit-polling baseline's message (issue 22; the "DSR Request
 * Busyness" configuration of dynamic-dsr-inband-feedback-ebpf.txt §4:
 * the load balancer asks every server for its load, out of band, instead
 * of reading it from in-band answers).
 *
 * One UDP datagram to port POLL_PORT of a backend's address, answered
 * by the server's agent from the busyness source it uses for in-band
 * answers. Payload, POLL_LEN bytes, network byte order:
 *
 *     0       4     5      6         8                16
 *     | magic | ver | type | score   | nonce (64 bits) |
 *       "DSRP"   1    1: request (score 0), 2: answer
 *
 * The answer echoes the request's nonce: the poller takes an answer
 * only for the round and backend it asked (a blind spoofer must guess
 * 64 bits). Answer and request have the same size: no amplification.
 */
#ifndef DSRLB_POLL_H_
#define DSRLB_POLL_H_

#include <stddef.h>
#include <stdint.h>

#include "dsrlb/pkt_parse.h"
#include "dsrlb/wire_result.h"

#define POLL_PORT     7399u        /**< UDP port the agents answer on */
#define POLL_LEN      16u          /**< payload bytes */
#define POLL_MAGIC    0x44535250u  /**< "DSRP" */
#define POLL_VERSION  1u

enum poll_type {
	POLL_REQUEST = 1,
	POLL_ANSWER = 2,
};

struct poll_msg {
	uint8_t type;      /**< enum poll_type */
	uint16_t score;    /**< busyness (answers; 0 in requests) */
	uint64_t nonce;
};

/** Write @p m as POLL_LEN bytes at @p out. */
void poll_encode(uint8_t out[POLL_LEN], const struct poll_msg *m);

/**
 * Read a payload of @p len bytes.
 * @return WIRE_OK; WIRE_ERR_TRUNCATED (length is not POLL_LEN);
 *   WIRE_ERR_INVAL (magic, version or type unknown, or a request with a
 *   score).
 */
enum wire_result poll_decode(const uint8_t *p, size_t len,
			     struct poll_msg *m);

/**
 * Turn the poll request @p frame (@p len bytes, parsed into @p m: UDP to
 * POLL_PORT) into its answer in place: Ethernet and IP addresses and the
 * ports swapped, TTL/hop limit 64, payload an answer with @p score and
 * the request's nonce, UDP checksum recomputed (IPv4 header checksum
 * too). IPv4 options or IPv6 extension headers are refused (a poll
 * carries none).
 * @return WIRE_OK; WIRE_ERR_TRUNCATED or WIRE_ERR_INVAL (not a poll
 *   request, or one the agent will not answer); nothing is changed then.
 */
enum wire_result poll_answer_frame(uint8_t *frame, uint32_t len,
				   const struct pkt_meta *m, uint16_t score);

#endif /* DSRLB_POLL_H_ */
