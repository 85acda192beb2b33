/* SPDX-License-Identifier: BSD-3-Clause */
/* pcapng capture of one port (see capture.h). */
/* rte_pcapng is still experimental in DPDK 22.11. */
#define ALLOW_EXPERIMENTAL_API 1

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_mempool.h>
#include <rte_pcapng.h>
#include <rte_ring.h>

#include "../common/tsan.h"
#include "capture.h"
#include "publish.h"

#define CAP_RING        4096
#define CAP_MBUFS       2047

_Atomic int capture_port = -1;

static const uint16_t *port_ids;
static struct rte_ring *cap_ring;
static struct rte_mempool *cap_pool;
static rte_pcapng_t *cap_w;
static uint32_t cap_snap;
static _Atomic uint64_t cap_written, cap_dropped;
static char cap_file[256];

void
capture_init(const uint16_t *port_id)
{
	port_ids = port_id;
}

void
capture_burst(uint8_t pi, uint16_t queue, struct rte_mbuf **m, uint16_t n,
	      int tx)
{
	/* acquire: the ring, pool and snap length set before the port was
	 * published (a plain load on x86) */
	if (likely(atomic_load_explicit(&capture_port,
					memory_order_acquire) != pi))
		return;
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *c;

		/* the pool's mbufs come back from the control thread
		 * (tests/tsan/dpdk.supp: the window this leaves) */
		TSAN_ACQUIRE(cap_pool);
		c = rte_pcapng_copy(port_ids[pi], queue,
			m[i], cap_pool, cap_snap, rte_get_tsc_cycles(),
			tx ? RTE_PCAPNG_DIRECTION_OUT :
			     RTE_PCAPNG_DIRECTION_IN);

		TSAN_RELEASE(cap_ring);
		if (c == NULL || rte_ring_enqueue(cap_ring, c) != 0) {
			rte_pktmbuf_free(c);
			atomic_fetch_add(&cap_dropped, 1);
		}
	}
}

void
capture_drain(void)
{
	struct rte_mbuf *m[64];
	unsigned int n;

	if (cap_ring == NULL)
		return;
	while ((n = rte_ring_dequeue_burst(cap_ring, (void **)m, 64,
					   NULL)) > 0) {
		TSAN_ACQUIRE(cap_ring);
		if (cap_w != NULL &&
		    rte_pcapng_write_packets(cap_w, m, (uint16_t)n) >= 0)
			atomic_fetch_add(&cap_written, n);
		TSAN_RELEASE(cap_pool);
		rte_pktmbuf_free_bulk(m, n);
	}
}

static void
capture_close(void)
{
	atomic_store(&capture_port, -1);
	/* Once every worker passed a quiescent point, none is inside
	 * capture_burst(): the pool and the ring can go. */
	(void)pub_barrier();
	capture_drain();
	if (cap_w != NULL)
		rte_pcapng_close(cap_w);
	cap_w = NULL;
	rte_ring_free(cap_ring);
	cap_ring = NULL;
	rte_mempool_free(cap_pool);
	cap_pool = NULL;
}

void
capture_fini(void)
{
	if (cap_w != NULL)
		capture_close();
}

int
capture_cmd(const struct lb_config *cfg, int start, const char *port,
	    const char *file, uint32_t snaplen, char *err, size_t len)
{
	static unsigned int seq;
	char name[32];
	int fd, pi = -1;

	if (!start) {
		if (cap_w == NULL) {
			snprintf(err, len, "capture stop: no capture runs");
			return -1;
		}
		capture_close();
		snprintf(err, len, "capture of %s stopped: %" PRIu64
			 " packets written, %" PRIu64 " dropped", cap_file,
			 atomic_load(&cap_written), atomic_load(&cap_dropped));
		return 0;
	}
	if (cap_w != NULL) {
		snprintf(err, len, "capture start: a capture to %s runs; "
			 "capture stop first", cap_file);
		return -1;
	}
	for (uint32_t p = 0; p < cfg->n_ports; p++)
		if (strcmp(cfg->port[p].name, port) == 0)
			pi = (int)p;
	if (pi < 0) {
		snprintf(err, len, "capture start: no port named '%s' (show "
			 "ports)", port);
		return -1;
	}
	fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) {
		snprintf(err, len, "capture start: %s: %s", file,
			 strerror(errno));
		return -1;
	}
	cap_snap = snaplen ? snaplen : 2048;
	snprintf(name, sizeof(name), "dsrlb_cap_%u", seq++);
	cap_pool = rte_pktmbuf_pool_create(name, CAP_MBUFS, 0, 0,
					   (uint16_t)rte_pcapng_mbuf_size(
						   cap_snap), SOCKET_ID_ANY);
	cap_ring = rte_ring_create(name, CAP_RING, SOCKET_ID_ANY,
				   RING_F_SC_DEQ);
	cap_w = cap_pool && cap_ring ?
		rte_pcapng_fdopen(fd, NULL, NULL, "dsrlb", NULL) : NULL;
	if (cap_w == NULL) {
		snprintf(err, len, "capture start: %s", rte_strerror(rte_errno));
		close(fd);
		rte_ring_free(cap_ring);
		rte_mempool_free(cap_pool);
		cap_ring = NULL;
		cap_pool = NULL;
		return -1;
	}
	snprintf(cap_file, sizeof(cap_file), "%s", file);
	atomic_store(&cap_written, 0);
	atomic_store(&cap_dropped, 0);
	/* publishes the ring, pool and snap length above to the workers */
	atomic_store(&capture_port, pi);
	snprintf(err, len, "capturing port %s to %s (snaplen %u)", port, file,
		 cap_snap);
	return 0;
}
