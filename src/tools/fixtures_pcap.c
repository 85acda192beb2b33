/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dsrlb-fixtures: write the described packet fixtures (tests/fixtures) to a
 * pcap, built by lib/'s own codecs.
 *
 *   dsrlb-fixtures [--list | --expect | --counts] OUT.pcap
 *
 * --list    also print one line per frame: number, name, description
 * --expect  also print the tshark checks of each frame (tshark_check.py)
 * --counts  also print the message and parse-result counts the table
 *           predicts, in dsrlb-demo's counter format (demo_check.sh)
 */
#include <stdio.h>
#include <string.h>

#include <pcap/pcap.h>

#include "dsrlb/pkt_parse.h"
#include "fixtures.h"

enum mode { MODE_QUIET, MODE_LIST, MODE_EXPECT, MODE_COUNTS };

static void
usage(void)
{
	fprintf(stderr, "usage: dsrlb-fixtures [--list|--expect|--counts] OUT.pcap\n");
}

int
main(int argc, char **argv)
{
	static uint8_t buf[FIXTURE_BUF_SIZE];
	unsigned long msg_count[PKT_MSG_MAX] = { 0 };
	unsigned long res_count[WIRE_RESULT_MAX] = { 0 };
	enum mode mode = MODE_QUIET;
	const char *path = NULL;
	pcap_dumper_t *dumper;
	pcap_t *p;
	unsigned int i, b;
	int a;

	for (a = 1; a < argc; a++) {
		if (strcmp(argv[a], "--list") == 0)
			mode = MODE_LIST;
		else if (strcmp(argv[a], "--expect") == 0)
			mode = MODE_EXPECT;
		else if (strcmp(argv[a], "--counts") == 0)
			mode = MODE_COUNTS;
		else if (argv[a][0] != '-' && path == NULL)
			path = argv[a];
		else {
			usage();
			return 2;
		}
	}
	if (path == NULL) {
		usage();
		return 2;
	}
	p = pcap_open_dead(DLT_EN10MB, 65535);
	if (p == NULL) {
		fprintf(stderr, "dsrlb-fixtures: pcap_open_dead failed\n");
		return 1;
	}
	dumper = pcap_dump_open(p, path);
	if (dumper == NULL) {
		fprintf(stderr, "dsrlb-fixtures: %s: %s\n", path, pcap_geterr(p));
		pcap_close(p);
		return 1;
	}
	for (i = 0; i < fixtures_count; i++) {
		const struct fixture *f = &fixtures[i];
		struct pcap_pkthdr h;
		struct pkt_buf pb;
		enum wire_result r;

		r = fixture_build(f, buf, sizeof(buf), &pb);
		if (r != WIRE_OK) {
			fprintf(stderr, "dsrlb-fixtures: building %s: %s\n",
				f->name, wire_result_str(r));
			pcap_dump_close(dumper);
			pcap_close(p);
			return 1;
		}
		memset(&h, 0, sizeof(h));
		/* Frames one millisecond apart from a fixed epoch, so that
		 * the file is byte-identical from run to run. */
		h.ts.tv_sec = 1700000000 + i / 1000;
		h.ts.tv_usec = (i % 1000) * 1000;
		h.caplen = pb.len;
		h.len = pb.len;
		pcap_dump((u_char *)dumper, &h, pkt_buf_data(&pb));

		res_count[f->expect]++;
		for (b = 0; b < PKT_MSG_MAX; b++)
			if (f->expect_msgs & (1u << b))
				msg_count[b]++;
		if (mode == MODE_LIST)
			printf("%u\t%s\t%s\n", i + 1, f->name, f->description);
		else if (mode == MODE_EXPECT && f->tshark != NULL)
			printf("%u\t%s\t%s\n", i + 1, f->name, f->tshark);
	}
	pcap_dump_close(dumper);
	pcap_close(p);
	if (mode == MODE_COUNTS) {
		for (b = 0; b < PKT_MSG_MAX; b++)
			printf("msg %s %lu\n", pkt_msg_name(b), msg_count[b]);
		for (b = 0; b < WIRE_RESULT_MAX; b++)
			if (res_count[b] != 0)
				printf("parse %s %lu\n", wire_result_name(b),
				       res_count[b]);
	}
	return 0;
}
