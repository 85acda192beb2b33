/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Strip every dsrlb message from a parsed frame and bring its parse up to
 * date without parsing it again (issue 19: a metric answer used to be
 * walked once more after its messages came off).
 */
#ifndef DSRLB_PKT_STRIP_H_
#define DSRLB_PKT_STRIP_H_

#include "dsrlb/pkt_buf.h"
#include "dsrlb/pkt_parse.h"
#include "dsrlb/wire_result.h"

/**
 * Remove every dsrlb message (IPv4 options 155, 124, 125, 158 with
 * ipv4opt_strip_all(); IPv6 headers or options with ip6ext_remove_all())
 * from the frame in @p pb, whose pkt_parse() is @p m, and leave in @p m
 * what pkt_parse() would give for the result: the message bits and their
 * decoded fields cleared, the transport offset moved by the bytes
 * removed (IPv4: the new header length). Frames with an SRH or a
 * fragment header are parsed again instead (offsets inside the chain
 * move).
 * @param removed  set to the number of messages removed (may be NULL)
 * @return WIRE_OK, or the error of the removal or of the parse (the
 *   frame is then unchanged, or stripped but not parsed).
 */
enum wire_result pkt_strip_msgs(struct pkt_buf *pb, struct pkt_meta *m,
				unsigned int *removed);

#endif /* DSRLB_PKT_STRIP_H_ */
