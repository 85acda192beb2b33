/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Active health checks of the backends (issue 14, docs/health.md "Active
 * checks"): what the in-band signal cannot see, an application that
 * accepts connections but answers 500, or a server that gets no traffic.
 *
 * The logic lives here, pure C over buffers: the per-VIP settings, the
 * schedule of each backend's checks, the HTTP request, the parsing of the
 * reply's status line (RFC 9112 §4) and the text of a result. The
 * appliance's driver (src/dsrlb/checker.c) opens the non-blocking
 * sockets on the control thread; they leave through the port's kernel
 * exception path (docs/architecture.md). The results feed lb_health's
 * check state machine (lb_health_check_result()).
 */
#ifndef DSRLB_LB_CHECK_H_
#define DSRLB_LB_CHECK_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** What is checked (VIP key check). */
enum lb_check_type {
	LB_CHECK_NONE = 0,     /**< no active check (default) */
	LB_CHECK_TCP,          /**< a TCP connection is accepted */
	LB_CHECK_HTTP,         /**< GET check_path answers check_status */
};

#define LB_CHECK_PATH_LEN        64u  /**< check_path, with its NUL */
#define LB_CHECK_INTERVAL_DEFAULT 1000u /**< ms */
#define LB_CHECK_TIMEOUT_DEFAULT  500u  /**< ms */
#define LB_CHECK_STATUS_DEFAULT   200u
#define LB_CHECK_MS_MIN           10u
#define LB_CHECK_MS_MAX           60000u

/** One VIP's check settings ([vip] check* keys). */
struct lb_check_conf {
	uint8_t type;          /**< enum lb_check_type */
	uint16_t port;         /**< 0: the VIP's port (80 when it has none) */
	uint16_t status;       /**< HTTP: the status expected */
	uint32_t interval_ms;  /**< one check per backend this often */
	uint32_t timeout_ms;   /**< connect + reply within this */
	char path[LB_CHECK_PATH_LEN]; /**< HTTP: the path asked for */
};

void lb_check_conf_default(struct lb_check_conf *c);

const char *lb_check_type_name(unsigned int t);

/** Whether @p p is a path a check may ask for: starts with '/', printable
 *  ASCII without spaces, shorter than LB_CHECK_PATH_LEN. */
bool lb_check_path_ok(const char *p);

/** The port the checks of a VIP on @p vip_port connect to. */
static inline uint16_t
lb_check_port(const struct lb_check_conf *c, uint16_t vip_port)
{
	return c->port != 0 ? c->port : vip_port != 0 ? vip_port : 80;
}

/**
 * The request of an HTTP check: "GET PATH HTTP/1.0" with Host @p host
 * (the backend's address) and "Connection: close".
 * @return its length, or 0 when @p len is too small.
 */
size_t lb_check_http_request(const struct lb_check_conf *c, const char *host,
			     char *buf, size_t len);

/**
 * Parse the status line at the start of @p buf (@p n octets received so
 * far): "HTTP/1.x SSS ..." (RFC 9112 §4).
 * @return 1 and the status in @p status; 0 when more octets are needed
 *   (no line end yet and nothing wrong so far); -1 when it is no HTTP
 *   status line.
 */
int lb_check_http_status(const char *buf, size_t n, unsigned int *status);

/* ---- schedule ------------------------------------------------------------ */

/** One backend's check (control thread). */
struct lb_check_slot {
	uint64_t next_ns;      /**< next check due; 0: not scheduled yet */
	uint64_t deadline_ns;  /**< the running check fails after this */
	bool running;
};

/**
 * Whether a check of backend @p b of VIP @p v is due at @p now_ns. The
 * first one of each backend is spread over the interval by (v, b), so
 * that a VIP's checks do not all leave in the same millisecond.
 */
bool lb_check_due(struct lb_check_slot *s, const struct lb_check_conf *c,
		  uint32_t v, uint32_t b, uint64_t now_ns);

/** A check starts at @p now_ns: deadline now + timeout, next one
 *  interval after this one. */
void lb_check_start(struct lb_check_slot *s, const struct lb_check_conf *c,
		    uint64_t now_ns);

/** Whether the running check is past its deadline. */
static inline bool
lb_check_expired(const struct lb_check_slot *s, uint64_t now_ns)
{
	return s->running && now_ns >= s->deadline_ns;
}

/* ---- results ------------------------------------------------------------- */

enum lb_check_outcome {
	LB_CHECK_OK = 0,
	LB_CHECK_REFUSED,      /**< connect refused, reset or unreachable */
	LB_CHECK_CONNECT_TIMEOUT, /**< no connection within the timeout */
	LB_CHECK_REPLY_TIMEOUT, /**< connected, no status line in time */
	LB_CHECK_STATUS,       /**< HTTP status other than expected */
	LB_CHECK_BAD_REPLY,    /**< not an HTTP status line, or closed
				*   before one */
	LB_CHECK_ERROR,        /**< no socket (local error) */
};

/**
 * The outcome of an HTTP reply @p buf of @p n octets: OK when its status
 * is @p c's, STATUS (with the status in @p status) when another, BAD_REPLY
 * when it is none; -1 while incomplete and @p closed is false.
 */
int lb_check_http_outcome(const struct lb_check_conf *c, const char *buf,
			  size_t n, bool closed, unsigned int *status);

/** The text of an outcome as show health prints it: "ok", "HTTP 500",
 *  "connect timeout", "refused", ... */
const char *lb_check_describe(enum lb_check_outcome o, unsigned int status,
			      char *buf, size_t len);

#endif /* DSRLB_LB_CHECK_H_ */
