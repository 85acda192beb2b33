/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dsrlb-busy: publish a busy value to dsrlb-agent (include/dsrlb/
 * busy_publish.h), for scripts and sidecars.
 *
 *   dsrlb-busy --shm PATH|--socket PATH [--total N] VALUE
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/cli.h"

#include "dsrlb/busy_publish.h"

static void
usage(FILE *f)
{
	fprintf(f, "usage: dsrlb-busy --shm PATH|--socket PATH [--total N] "
		"VALUE\n");
}

int
main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "shm", required_argument, NULL, 'm' },
		{ "socket", required_argument, NULL, 's' },
		{ "total", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *shm = NULL, *sock = NULL;
	uint32_t busy, total = 0;
	int c, r;

	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 'm':
			shm = optarg;
			break;
		case 's':
			sock = optarg;
			break;
		case 't':
			if (cli_u32(optarg, &total) != 0) {
				fprintf(stderr, "dsrlb-busy: --total: '%s' is "
					"not a number\n", optarg);
				return 1;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}
	if ((shm == NULL) == (sock == NULL) || optind != argc - 1) {
		usage(stderr);
		return 1;
	}
	if (cli_u32(argv[optind], &busy) != 0) {
		fprintf(stderr, "dsrlb-busy: '%s' is not a number\n",
			argv[optind]);
		return 1;
	}
	if (shm != NULL) {
		struct dsrlb_busy_shm *s;

		r = dsrlb_busy_shm_open(shm, &s);
		if (r == 0) {
			dsrlb_busy_shm_publish(s, busy, total);
			dsrlb_busy_shm_close(s);
		}
	} else {
		r = dsrlb_busy_send(sock, busy, total);
	}
	if (r != 0) {
		fprintf(stderr, "dsrlb-busy: %s: %s\n", shm ? shm : sock,
			strerror(-r));
		return 1;
	}
	return 0;
}
