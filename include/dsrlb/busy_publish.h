/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Publishing a busy count to dsrlb-agent (header only, POSIX, no dsrlb
 * library needed): an application, or a sidecar watching it, tells the
 * agent how many of its workers are busy. The agent uses the value for
 * the 6LB acceptance policy (SR_c / SR_dyn) and as the score of its
 * metric answers (docs/agent.md, "Busyness sources").
 *
 * Two transports, chosen in the agent's configuration (`busy =`):
 *  - shm:PATH   a small file (e.g. in /dev/shm) holding struct
 *               dsrlb_busy_shm, mapped read-write by the publisher and
 *               read-only by the agent. Writes are a sequence lock:
 *               seq odd while writing, even when stable.
 *  - socket:PATH  a Unix datagram socket the agent binds; each datagram
 *               is one struct dsrlb_busy_msg (host byte order: the same
 *               machine).
 *
 * Publisher:  struct dsrlb_busy_shm *s;
 *             dsrlb_busy_shm_open("/dev/shm/web.busy", &s);
 *             dsrlb_busy_shm_publish(s, busy, total);
 * or:         dsrlb_busy_send("/run/dsrlb-agent.sock", busy, total);
 */
#ifndef DSRLB_BUSY_PUBLISH_H_
#define DSRLB_BUSY_PUBLISH_H_

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define DSRLB_BUSY_MAGIC   0x64627379u  /* "dbsy" */
#define DSRLB_BUSY_VERSION 1u

/** The shared-memory file (32 bytes). */
struct dsrlb_busy_shm {
	uint32_t magic;             /**< DSRLB_BUSY_MAGIC */
	uint32_t version;           /**< DSRLB_BUSY_VERSION */
	_Atomic uint32_t seq;       /**< odd while a write is under way */
	_Atomic uint32_t busy;      /**< busy workers (or any load figure) */
	_Atomic uint32_t total;     /**< workers in all (0: unknown) */
	uint32_t reserved[3];
};

/** One datagram on the socket (16 bytes). */
struct dsrlb_busy_msg {
	uint32_t magic;             /**< DSRLB_BUSY_MAGIC */
	uint32_t version;           /**< DSRLB_BUSY_VERSION */
	uint32_t busy;
	uint32_t total;
};

/** Publisher: create (or open) @p path and map it read-write.
 *  @return 0 or -errno. */
static inline int
dsrlb_busy_shm_open(const char *path, struct dsrlb_busy_shm **out)
{
	struct dsrlb_busy_shm *s;
	struct stat st;
	int fd, err;

	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) != 0 ||
	    ((size_t)st.st_size < sizeof(*s) &&
	     ftruncate(fd, (off_t)sizeof(*s)) != 0)) {
		err = -errno;
		close(fd);
		return err;
	}
	s = mmap(NULL, sizeof(*s), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	err = -errno;
	close(fd);
	if (s == MAP_FAILED)
		return err;
	if (s->magic != DSRLB_BUSY_MAGIC) {
		s->version = DSRLB_BUSY_VERSION;
		atomic_store(&s->seq, 0);
		atomic_store(&s->busy, 0);
		atomic_store(&s->total, 0);
		atomic_thread_fence(memory_order_release);
		s->magic = DSRLB_BUSY_MAGIC;
	}
	*out = s;
	return 0;
}

/** Publisher: store a new value (one writer at a time). */
static inline void
dsrlb_busy_shm_publish(struct dsrlb_busy_shm *s, uint32_t busy,
		       uint32_t total)
{
	uint32_t q = atomic_load_explicit(&s->seq, memory_order_relaxed);

	atomic_store_explicit(&s->seq, q + 1, memory_order_relaxed);
	atomic_thread_fence(memory_order_release);
	atomic_store_explicit(&s->busy, busy, memory_order_relaxed);
	atomic_store_explicit(&s->total, total, memory_order_relaxed);
	atomic_store_explicit(&s->seq, q + 2, memory_order_release);
}

/** Unmap what dsrlb_busy_shm_open() or dsrlb_busy_shm_map_ro() mapped. */
static inline void
dsrlb_busy_shm_close(const struct dsrlb_busy_shm *s)
{
	munmap((void *)(uintptr_t)s, sizeof(*s));
}

/** Reader (the agent): map @p path read-only. @return 0 or -errno
 *  (-EPROTO: not a busy file). */
static inline int
dsrlb_busy_shm_map_ro(const char *path, const struct dsrlb_busy_shm **out)
{
	const struct dsrlb_busy_shm *s;
	struct stat st;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) != 0 || (size_t)st.st_size < sizeof(*s)) {
		close(fd);
		return -EPROTO;
	}
	s = mmap(NULL, sizeof(*s), PROT_READ, MAP_SHARED, fd, 0);
	err = -errno;
	close(fd);
	if (s == MAP_FAILED)
		return err;
	*out = s;
	return 0;
}

/** Reader: a consistent (busy, total). @return 0, -EPROTO (bad magic or
 *  version), -EAGAIN (a writer kept it busy). */
static inline int
dsrlb_busy_shm_read(const struct dsrlb_busy_shm *s, uint32_t *busy,
		    uint32_t *total)
{
	struct dsrlb_busy_shm *m = (struct dsrlb_busy_shm *)(uintptr_t)s;

	if (s->magic != DSRLB_BUSY_MAGIC || s->version != DSRLB_BUSY_VERSION)
		return -EPROTO;
	for (int i = 0; i < 16; i++) {
		uint32_t q1 = atomic_load_explicit(&m->seq,
						   memory_order_acquire);
		uint32_t b, t;

		if (q1 & 1u)
			continue;
		b = atomic_load_explicit(&m->busy, memory_order_relaxed);
		t = atomic_load_explicit(&m->total, memory_order_relaxed);
		atomic_thread_fence(memory_order_acquire);
		if (atomic_load_explicit(&m->seq, memory_order_relaxed) == q1) {
			*busy = b;
			*total = t;
			return 0;
		}
	}
	return -EAGAIN;
}

/** Publisher: send one value to the agent's socket @p path.
 *  @return 0 or -errno. */
static inline int
dsrlb_busy_send(const char *path, uint32_t busy, uint32_t total)
{
	struct dsrlb_busy_msg msg = { DSRLB_BUSY_MAGIC, DSRLB_BUSY_VERSION,
				      busy, total };
	struct sockaddr_un sa;
	int fd, err = 0;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, strlen(path));
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (sendto(fd, &msg, sizeof(msg), 0, (struct sockaddr *)&sa,
		   sizeof(sa)) != (ssize_t)sizeof(msg))
		err = -errno;
	close(fd);
	return err;
}

/** Reader: decode a datagram of @p len bytes. @return 0 or -EPROTO. */
static inline int
dsrlb_busy_msg_decode(const void *buf, size_t len, uint32_t *busy,
		      uint32_t *total)
{
	struct dsrlb_busy_msg m;

	if (len != sizeof(m))
		return -EPROTO;
	memcpy(&m, buf, sizeof(m));
	if (m.magic != DSRLB_BUSY_MAGIC || m.version != DSRLB_BUSY_VERSION)
		return -EPROTO;
	*busy = m.busy;
	*total = m.total;
	return 0;
}

#endif /* DSRLB_BUSY_PUBLISH_H_ */
