/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ThreadSanitizer annotations for hand-overs TSan cannot see: DPDK 22.11's
 * rte_ring orders its head and tail with rte_smp_wmb/rmb, compiler barriers
 * on x86, so to TSan an mbuf passed through a ring looks written by one
 * thread and read by another without synchronisation. The producer calls
 * TSAN_RELEASE(ring) after an enqueue, the consumer TSAN_ACQUIRE(ring)
 * after a dequeue; both are nothing outside the TSan build (scripts/test.sh
 * build-tsan, tests/tsan/dpdk.supp).
 */
#ifndef DSRLB_TSAN_H_
#define DSRLB_TSAN_H_

#if defined(__SANITIZE_THREAD__)
#define DSRLB_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define DSRLB_TSAN 1
#endif
#endif

#ifdef DSRLB_TSAN
void __tsan_acquire(void *addr);
void __tsan_release(void *addr);
#define TSAN_ACQUIRE(p) __tsan_acquire((void *)(p))
#define TSAN_RELEASE(p) __tsan_release((void *)(p))
#else
#define TSAN_ACQUIRE(p) do { } while (0)
#define TSAN_RELEASE(p) do { } while (0)
#endif

#endif /* DSRLB_TSAN_H_ */
