/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dsrlb-ctl: attach to a running appliance through its control socket and
 * run console commands (docs/console.md).
 *
 *   dsrlb-ctl [-s PATH] COMMAND...      one command, e.g. "show vips"
 *   dsrlb-ctl [-s PATH] [-f FILE]       commands from FILE or stdin; on a
 *                                       terminal, a "dsrlb> " prompt
 *
 * Each command's output ends, on the wire, with a line "\x04 STATUS";
 * the exit status is 1 when any command failed (or 2 when the appliance
 * cannot be reached).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int
session_open(const char *path)
{
	struct sockaddr_un sa;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || strlen(path) >= sizeof(sa.sun_path))
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	strcpy(sa.sun_path, path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Send one line, copy the answer to stdout. @return 0, 1 (the command
 * failed), 2 (connection lost). */
static int
run(int fd, const char *line)
{
	static char buf[65536];
	static size_t have;
	size_t n = strlen(line);

	if (send(fd, line, n, MSG_NOSIGNAL) != (ssize_t)n ||
	    send(fd, "\n", 1, MSG_NOSIGNAL) != 1)
		return 2;
	for (;;) {
		char *end = memchr(buf, '\x04', have);

		if (end != NULL) {
			char *nl = memchr(end, '\n', have - (size_t)(end - buf));

			if (nl != NULL) {
				int status = end[2] == '0' ? 0 : 1;

				fwrite(buf, 1, (size_t)(end - buf), stdout);
				fflush(stdout);
				have -= (size_t)(nl + 1 - buf);
				memmove(buf, nl + 1, have);
				return status;
			}
		}
		if (have == sizeof(buf)) {
			fwrite(buf, 1, have, stdout);
			have = 0;
		}
		{
			ssize_t k = recv(fd, buf + have, sizeof(buf) - have, 0);

			if (k <= 0) {
				fwrite(buf, 1, have, stdout);
				have = 0;
				return 2;
			}
			have += (size_t)k;
		}
	}
}

int
main(int argc, char **argv)
{
	const char *path = "/run/dsrlb.sock", *file = NULL;
	FILE *in = stdin;
	char line[1024];
	int c, fd, worst = 0;

	while ((c = getopt(argc, argv, "s:f:h")) != -1) {
		switch (c) {
		case 's':
			path = optarg;
			break;
		case 'f':
			file = optarg;
			break;
		default:
			fprintf(stderr, "usage: %s [-s SOCKET] [COMMAND...] | "
				"[-f FILE]\n", argv[0]);
			return c == 'h' ? 0 : 2;
		}
	}
	fd = session_open(path);
	if (fd < 0) {
		fprintf(stderr, "dsrlb-ctl: cannot reach the appliance at %s: "
			"%s\n", path, strerror(errno));
		return 2;
	}
	if (optind < argc) {
		size_t n = 0;

		line[0] = '\0';
		for (int i = optind; i < argc; i++) {
			int k = snprintf(line + n, sizeof(line) - n, "%s%s",
					 i > optind ? " " : "", argv[i]);

			if (k < 0 || (size_t)k >= sizeof(line) - n) {
				fprintf(stderr, "dsrlb-ctl: command too long\n");
				return 2;
			}
			n += (size_t)k;
		}
		worst = run(fd, line);
		close(fd);
		return worst;
	}
	if (file != NULL) {
		in = fopen(file, "r");
		if (in == NULL) {
			fprintf(stderr, "dsrlb-ctl: %s: %s\n", file,
				strerror(errno));
			return 2;
		}
	}
	for (;;) {
		int rc;

		if (file == NULL && isatty(0)) {
			printf("dsrlb> ");
			fflush(stdout);
		}
		if (fgets(line, sizeof(line), in) == NULL)
			break;
		line[strcspn(line, "\r\n")] = '\0';
		if (file != NULL || !isatty(0))
			printf("dsrlb> %s\n", line);
		rc = run(fd, line);
		if (rc == 2)
			break;
		if (rc > worst)
			worst = rc;
		if (strcmp(line, "quit") == 0)
			break;
	}
	if (in != stdin)
		fclose(in);
	close(fd);
	return worst;
}
