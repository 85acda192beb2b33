/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * quic_lb_server: a small HTTP/3 server (libngtcp2 + GnuTLS + nghttp3)
 * whose connection IDs follow a VIP's QUIC-LB configuration, for the
 * end-to-end tests and as an example for operators: the only
 * QUIC-LB-specific code is the two calls into include/dsrlb/quic_lb_cid.h
 * (the initial SCID and the get_new_connection_id callback), which a
 * server on any QUIC library makes the same way.
 *
 * Every request gets a body of --size bytes, or of N bytes for the path
 * "/N"; body octet i is i % 251, so a client can verify what it saved.
 * A request body (POST, gtlsclient -d) is read and counted.
 * It binds the VIP itself (--addr): behind dsrlb's DSR the agent hands
 * it client packets addressed to the VIP, and it answers from the VIP
 * straight to the client.
 *
 *   quic_lb_server --addr VIP --port 443 --cert C --key K --sid 0a01
 *       [--config-id 0] [--sid-len 2] [--nonce-len 6] [--encode-len 1]
 *       [--size 1000000] [--reset-secret 64-HEX-DIGITS] [--plain-cid N]
 *       [--lb-key 32-HEX-DIGITS]
 *
 * Speaks QUIC v1; a long header of another version gets a Version
 * Negotiation packet. Logs one line per connection, per client address
 * change (migration, NAT rebinding) and per version negotiation on
 * stderr; SIGTERM prints totals and exits.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <nghttp3/nghttp3.h>
#include <ngtcp2/ngtcp2.h>
#include <ngtcp2/ngtcp2_crypto.h>
#include <ngtcp2/ngtcp2_crypto_gnutls.h>

#include "dsrlb/quic_lb_cid.h"
#include "dsrlb/quic_lb_crypt.h"

#define MAX_CONNS 64
#define MAX_CIDS 10      /* per connection: initial, original, NEW_CONNECTION_ID */
#define PATTERN 251u

struct stream {
	struct stream *next, **pprev; /* the connection's open streams */
	int64_t id;
	uint64_t size;
	uint64_t off;
	uint64_t rx;             /* request body octets received */
	char path[64];
};

struct conn {
	int used;
	unsigned int no;
	ngtcp2_conn *qc;
	nghttp3_conn *h3;
	gnutls_session_t tls;
	ngtcp2_crypto_conn_ref ref;
	struct sockaddr_storage remote;
	socklen_t remote_len;
	uint8_t cids[MAX_CIDS][NGTCP2_MAX_CIDLEN];
	uint8_t cid_lens[MAX_CIDS];
	ngtcp2_connection_close_error cerr;
	struct stream *streams;  /* freed with the connection if still open */
};

static struct {
	int fd;
	struct sockaddr_storage local;
	socklen_t local_len;
	struct quic_lb_cid_gen gen;
	unsigned int plain_len;     /* --plain-cid: random CIDs of this
				     * length, no server ID (0: QUIC-LB) */
	bool has_key;               /* --lb-key: encrypted QUIC-LB IDs */
	struct quic_lb_crypt key;
	gnutls_certificate_credentials_t cred;
	uint64_t size;
	struct conn conns[MAX_CONNS];
	unsigned int n_conns;
	uint64_t n_requests, n_bytes, n_rx, n_migrations, n_vn, n_reset;
	uint8_t reset_secret[32];
	uint8_t body[PATTERN * 64];
} srv;

static volatile sig_atomic_t stop;

static void
on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static ngtcp2_tstamp
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NGTCP2_SECONDS + (uint64_t)ts.tv_nsec;
}

static const char *
addr_str(const struct sockaddr *sa, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN] = "?";
	unsigned int port = 0;

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)sa;

		inet_ntop(AF_INET, &s4->sin_addr, ip, sizeof(ip));
		port = ntohs(s4->sin_port);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)sa;

		inet_ntop(AF_INET6, &s6->sin6_addr, ip, sizeof(ip));
		port = ntohs(s6->sin6_port);
	}
	snprintf(buf, len, "%s:%u", ip, port);
	return buf;
}

/* ---- connection IDs: the QUIC-LB part ---- */

static int
conn_add_cid(struct conn *c, const uint8_t *cid, size_t len)
{
	unsigned int i;

	for (i = 0; i < MAX_CIDS; i++)
		if (c->cid_lens[i] == 0) {
			memcpy(c->cids[i], cid, len);
			c->cid_lens[i] = (uint8_t)len;
			return 0;
		}
	return -1;
}

static struct conn *
conn_by_cid(const uint8_t *cid, size_t len)
{
	unsigned int i, j;

	for (i = 0; i < MAX_CONNS; i++) {
		struct conn *c = &srv.conns[i];

		if (!c->used)
			continue;
		for (j = 0; j < MAX_CIDS; j++)
			if (c->cid_lens[j] == len &&
			    memcmp(c->cids[j], cid, len) == 0)
				return c;
	}
	return NULL;
}

/* Length of this server's connection IDs. */
static unsigned int
cid_len(void)
{
	return srv.plain_len != 0 ? srv.plain_len :
				    quic_lb_cid_len(&srv.gen.conf);
}

/* Every connection ID this server issues carries its QUIC-LB server ID
 * (draft-ietf-quic-load-balancers-19 §5.2), so that the appliance
 * routes the connection's short-header packets here from any address.
 * With --plain-cid it plays a server that knows nothing of QUIC-LB:
 * random IDs, which the appliance follows only by learning them
 * (quic_cid_len, docs/quic.md). */
static int
mint_cid(ngtcp2_cid *cid)
{
	uint8_t b[NGTCP2_MAX_CIDLEN];
	unsigned int n;

	if (srv.plain_len != 0) {
		n = srv.plain_len;
		if (getrandom(b, n, 0) != (ssize_t)n)
			return -1;
	} else {
		n = quic_lb_cid_mint(&srv.gen, b);
		/* encrypted mode: the same plaintext block, encrypted
		 * (quic_lb_crypt.h); the first octet stays clear */
		if (n != 0 && srv.has_key)
			quic_lb_crypt_encrypt(&srv.key, &srv.gen.conf, b + 1,
					      b + 1);
	}
	if (n == 0)
		return -1;
	ngtcp2_cid_init(cid, b, n);
	return 0;
}

static int
cb_get_new_connection_id(ngtcp2_conn *qc, ngtcp2_cid *cid, uint8_t *token,
			 size_t cidlen, void *user_data)
{
	struct conn *c = user_data;

	(void)qc;
	if (cidlen != cid_len() || mint_cid(cid) != 0 ||
	    conn_add_cid(c, cid->data, cid->datalen) != 0)
		return NGTCP2_ERR_CALLBACK_FAILURE;
	if (ngtcp2_crypto_generate_stateless_reset_token(
		    token, srv.reset_secret, sizeof(srv.reset_secret), cid) != 0)
		return NGTCP2_ERR_CALLBACK_FAILURE;
	return 0;
}

static int
cb_remove_connection_id(ngtcp2_conn *qc, const ngtcp2_cid *cid,
			void *user_data)
{
	struct conn *c = user_data;
	unsigned int j;

	(void)qc;
	for (j = 0; j < MAX_CIDS; j++)
		if (c->cid_lens[j] == cid->datalen &&
		    memcmp(c->cids[j], cid->data, cid->datalen) == 0)
			c->cid_lens[j] = 0;
	return 0;
}

/* ---- HTTP/3 ---- */

static nghttp3_ssize
h3_read_body(nghttp3_conn *h3, int64_t stream_id, nghttp3_vec *vec,
	     size_t veccnt, uint32_t *pflags, void *conn_user_data,
	     void *stream_user_data)
{
	struct stream *s = stream_user_data;
	uint64_t left = s->size - s->off, start = s->off % PATTERN, len;

	(void)h3; (void)stream_id; (void)veccnt; (void)conn_user_data;
	/* the body is i % 251: any window into the static pattern buffer
	 * that starts at the right phase is the next chunk */
	len = sizeof(srv.body) - start;
	if (len > left)
		len = left;
	vec[0].base = srv.body + start;
	vec[0].len = (size_t)len;
	s->off += len;
	srv.n_bytes += len;
	if (s->off == s->size)
		*pflags |= NGHTTP3_DATA_FLAG_EOF;
	return 1;
}

static int
h3_begin_headers(nghttp3_conn *h3, int64_t stream_id, void *conn_user_data,
		 void *stream_user_data)
{
	struct conn *c = conn_user_data;
	struct stream *s = calloc(1, sizeof(*s));

	(void)stream_user_data;
	if (s == NULL)
		return NGHTTP3_ERR_CALLBACK_FAILURE;
	s->next = c->streams;
	if (s->next != NULL)
		s->next->pprev = &s->next;
	s->pprev = &c->streams;
	c->streams = s;
	s->id = stream_id;
	s->size = srv.size;
	nghttp3_conn_set_stream_user_data(h3, stream_id, s);
	return 0;
}

static int
h3_recv_header(nghttp3_conn *h3, int64_t stream_id, int32_t token,
	       nghttp3_rcbuf *name, nghttp3_rcbuf *value, uint8_t flags,
	       void *conn_user_data, void *stream_user_data)
{
	struct stream *s = stream_user_data;
	nghttp3_vec v = nghttp3_rcbuf_get_buf(value);

	(void)h3; (void)stream_id; (void)name; (void)flags;
	(void)conn_user_data;
	if (s != NULL && token == NGHTTP3_QPACK_TOKEN__PATH) {
		size_t n = v.len < sizeof(s->path) - 1 ? v.len :
						   sizeof(s->path) - 1;
		char *end;
		unsigned long long sz;

		memcpy(s->path, v.base, n);
		s->path[n] = '\0';
		sz = strtoull(s->path + 1, &end, 10);
		if (s->path[0] == '/' && end != s->path + 1 && *end == '\0')
			s->size = sz;
	}
	return 0;
}

/* A request body (an upload, POST): consumed at once, so the client's
 * flow-control credit comes back as it arrives. */
static int
h3_recv_data(nghttp3_conn *h3, int64_t stream_id, const uint8_t *data,
	     size_t datalen, void *conn_user_data, void *stream_user_data)
{
	struct conn *c = conn_user_data;
	struct stream *s = stream_user_data;

	(void)h3; (void)data;
	if (s != NULL)
		s->rx += datalen;
	srv.n_rx += datalen;
	ngtcp2_conn_extend_max_stream_offset(c->qc, stream_id, datalen);
	ngtcp2_conn_extend_max_offset(c->qc, datalen);
	return 0;
}

static int
h3_end_stream(nghttp3_conn *h3, int64_t stream_id, void *conn_user_data,
	      void *stream_user_data)
{
	struct stream *s = stream_user_data;
	char len[24];
	nghttp3_nv nva[2] = {
		{ (uint8_t *)":status", (uint8_t *)"200", 7, 3,
		  NGHTTP3_NV_FLAG_NONE },
		{ (uint8_t *)"content-length", (uint8_t *)len, 14, 0,
		  NGHTTP3_NV_FLAG_NONE },
	};
	nghttp3_data_reader dr = { h3_read_body };

	(void)conn_user_data;
	if (s == NULL)
		return 0;
	nva[1].valuelen = (size_t)snprintf(len, sizeof(len), "%llu",
					   (unsigned long long)s->size);
	srv.n_requests++;
	if (s->rx > 0)
		fprintf(stderr, "quic_lb_server: stream %lld: request body of "
			"%llu octets\n", (long long)stream_id,
			(unsigned long long)s->rx);
	if (nghttp3_conn_submit_response(h3, stream_id, nva, 2,
					 s->size > 0 ? &dr : NULL) != 0)
		return NGHTTP3_ERR_CALLBACK_FAILURE;
	return 0;
}

static int
h3_stream_close(nghttp3_conn *h3, int64_t stream_id, uint64_t app_error_code,
		void *conn_user_data, void *stream_user_data)
{
	struct conn *c = conn_user_data;
	struct stream *s = stream_user_data;

	(void)h3; (void)app_error_code;
	if (s != NULL) {
		*s->pprev = s->next;
		if (s->next != NULL)
			s->next->pprev = s->pprev;
		free(s);
	}
	if (ngtcp2_conn_is_local_stream(c->qc, stream_id) == 0 &&
	    (stream_id & 0x2) == 0)
		ngtcp2_conn_extend_max_streams_bidi(c->qc, 1);
	return 0;
}

static int
h3_deferred_consume(nghttp3_conn *h3, int64_t stream_id, size_t consumed,
		    void *conn_user_data, void *stream_user_data)
{
	struct conn *c = conn_user_data;

	(void)h3; (void)stream_user_data;
	ngtcp2_conn_extend_max_stream_offset(c->qc, stream_id, consumed);
	ngtcp2_conn_extend_max_offset(c->qc, consumed);
	return 0;
}

static int
h3_stop_sending(nghttp3_conn *h3, int64_t stream_id, uint64_t app_error_code,
		void *conn_user_data, void *stream_user_data)
{
	struct conn *c = conn_user_data;

	(void)h3; (void)stream_user_data;
	ngtcp2_conn_shutdown_stream_read(c->qc, stream_id, app_error_code);
	return 0;
}

static int
h3_reset_stream(nghttp3_conn *h3, int64_t stream_id, uint64_t app_error_code,
		void *conn_user_data, void *stream_user_data)
{
	struct conn *c = conn_user_data;

	(void)h3; (void)stream_user_data;
	ngtcp2_conn_shutdown_stream_write(c->qc, stream_id, app_error_code);
	return 0;
}

static int
h3_setup(struct conn *c)
{
	nghttp3_callbacks cb = {
		.stream_close = h3_stream_close,
		.recv_data = h3_recv_data,
		.deferred_consume = h3_deferred_consume,
		.begin_headers = h3_begin_headers,
		.recv_header = h3_recv_header,
		.end_stream = h3_end_stream,
		.stop_sending = h3_stop_sending,
		.reset_stream = h3_reset_stream,
	};
	nghttp3_settings st;
	int64_t ctrl, enc, dec;

	if (ngtcp2_conn_get_streams_uni_left(c->qc) < 3)
		return -1;
	nghttp3_settings_default(&st);
	st.qpack_max_dtable_capacity = 4096;
	st.qpack_blocked_streams = 100;
	if (nghttp3_conn_server_new(&c->h3, &cb, &st, NULL, c) != 0)
		return -1;
	nghttp3_conn_set_max_client_streams_bidi(
		c->h3, ngtcp2_conn_get_local_transport_params(c->qc)
			       ->initial_max_streams_bidi);
	if (ngtcp2_conn_open_uni_stream(c->qc, &ctrl, NULL) != 0 ||
	    nghttp3_conn_bind_control_stream(c->h3, ctrl) != 0 ||
	    ngtcp2_conn_open_uni_stream(c->qc, &enc, NULL) != 0 ||
	    ngtcp2_conn_open_uni_stream(c->qc, &dec, NULL) != 0 ||
	    nghttp3_conn_bind_qpack_streams(c->h3, enc, dec) != 0)
		return -1;
	return 0;
}

/* ---- QUIC callbacks that feed HTTP/3 ---- */

static int
cb_recv_stream_data(ngtcp2_conn *qc, uint32_t flags, int64_t stream_id,
		    uint64_t offset, const uint8_t *data, size_t datalen,
		    void *user_data, void *stream_user_data)
{
	struct conn *c = user_data;
	nghttp3_ssize n;

	(void)offset; (void)stream_user_data;
	if (c->h3 == NULL && h3_setup(c) != 0)
		return NGTCP2_ERR_CALLBACK_FAILURE;
	n = nghttp3_conn_read_stream(c->h3, stream_id, data, datalen,
				     (flags & NGTCP2_STREAM_DATA_FLAG_FIN) != 0);
	if (n < 0) {
		ngtcp2_connection_close_error_set_application_error(
			&c->cerr, nghttp3_err_infer_quic_app_error_code((int)n),
			NULL, 0);
		return NGTCP2_ERR_CALLBACK_FAILURE;
	}
	ngtcp2_conn_extend_max_stream_offset(qc, stream_id, (uint64_t)n);
	ngtcp2_conn_extend_max_offset(qc, (uint64_t)n);
	return 0;
}

static int
cb_acked_stream_data_offset(ngtcp2_conn *qc, int64_t stream_id,
			    uint64_t offset, uint64_t datalen, void *user_data,
			    void *stream_user_data)
{
	struct conn *c = user_data;

	(void)qc; (void)offset; (void)stream_user_data;
	if (c->h3 != NULL &&
	    nghttp3_conn_add_ack_offset(c->h3, stream_id, datalen) != 0)
		return NGTCP2_ERR_CALLBACK_FAILURE;
	return 0;
}

static int
cb_stream_close(ngtcp2_conn *qc, uint32_t flags, int64_t stream_id,
		uint64_t app_error_code, void *user_data,
		void *stream_user_data)
{
	struct conn *c = user_data;

	(void)qc; (void)stream_user_data;
	if (!(flags & NGTCP2_STREAM_CLOSE_FLAG_APP_ERROR_CODE_SET))
		app_error_code = NGHTTP3_H3_NO_ERROR;
	if (c->h3 != NULL) {
		int rv = nghttp3_conn_close_stream(c->h3, stream_id,
						   app_error_code);

		if (rv != 0 && rv != NGHTTP3_ERR_STREAM_NOT_FOUND)
			return NGTCP2_ERR_CALLBACK_FAILURE;
	}
	return 0;
}

static int
cb_stream_reset(ngtcp2_conn *qc, int64_t stream_id, uint64_t final_size,
		uint64_t app_error_code, void *user_data,
		void *stream_user_data)
{
	struct conn *c = user_data;

	(void)qc; (void)final_size; (void)app_error_code;
	(void)stream_user_data;
	if (c->h3 != NULL)
		nghttp3_conn_shutdown_stream_read(c->h3, stream_id);
	return 0;
}

static int
cb_extend_max_remote_streams_bidi(ngtcp2_conn *qc, uint64_t max_streams,
				  void *user_data)
{
	struct conn *c = user_data;

	(void)qc;
	if (c->h3 != NULL)
		nghttp3_conn_set_max_client_streams_bidi(c->h3, max_streams);
	return 0;
}

static int
cb_extend_max_stream_data(ngtcp2_conn *qc, int64_t stream_id,
			  uint64_t max_data, void *user_data,
			  void *stream_user_data)
{
	struct conn *c = user_data;

	(void)qc; (void)max_data; (void)stream_user_data;
	if (c->h3 != NULL)
		nghttp3_conn_unblock_stream(c->h3, stream_id);
	return 0;
}

static void
cb_rand(uint8_t *dest, size_t destlen, const ngtcp2_rand_ctx *ctx)
{
	(void)ctx;
	(void)gnutls_rnd(GNUTLS_RND_RANDOM, dest, destlen);
}

static ngtcp2_conn *
get_conn(ngtcp2_crypto_conn_ref *ref)
{
	return ((struct conn *)ref->user_data)->qc;
}

/* ---- connections ---- */

static void
conn_free(struct conn *c)
{
	if (c->h3 != NULL)
		nghttp3_conn_del(c->h3);
	while (c->streams != NULL) {
		struct stream *s = c->streams;

		c->streams = s->next;
		free(s);
	}
	if (c->qc != NULL)
		ngtcp2_conn_del(c->qc);
	if (c->tls != NULL)
		gnutls_deinit(c->tls);
	memset(c, 0, sizeof(*c));
	srv.n_conns--;
}

static struct conn *
conn_new(const ngtcp2_pkt_hd *hd, struct sockaddr *remote,
	 socklen_t remote_len)
{
	static const gnutls_datum_t alpn = { (unsigned char *)"h3", 2 };
	static unsigned int next_no;
	ngtcp2_callbacks cb = {
		.recv_client_initial = ngtcp2_crypto_recv_client_initial_cb,
		.recv_crypto_data = ngtcp2_crypto_recv_crypto_data_cb,
		.encrypt = ngtcp2_crypto_encrypt_cb,
		.decrypt = ngtcp2_crypto_decrypt_cb,
		.hp_mask = ngtcp2_crypto_hp_mask_cb,
		.recv_stream_data = cb_recv_stream_data,
		.acked_stream_data_offset = cb_acked_stream_data_offset,
		.stream_close = cb_stream_close,
		.rand = cb_rand,
		.get_new_connection_id = cb_get_new_connection_id,
		.remove_connection_id = cb_remove_connection_id,
		.update_key = ngtcp2_crypto_update_key_cb,
		.stream_reset = cb_stream_reset,
		.extend_max_remote_streams_bidi =
			cb_extend_max_remote_streams_bidi,
		.extend_max_stream_data = cb_extend_max_stream_data,
		.delete_crypto_aead_ctx = ngtcp2_crypto_delete_crypto_aead_ctx_cb,
		.delete_crypto_cipher_ctx =
			ngtcp2_crypto_delete_crypto_cipher_ctx_cb,
		.get_path_challenge_data =
			ngtcp2_crypto_get_path_challenge_data_cb,
		.version_negotiation = ngtcp2_crypto_version_negotiation_cb,
	};
	ngtcp2_settings st;
	ngtcp2_transport_params tp;
	ngtcp2_path path = {
		{ (ngtcp2_sockaddr *)&srv.local, srv.local_len },
		{ (ngtcp2_sockaddr *)remote, remote_len }, NULL };
	ngtcp2_cid scid;
	struct conn *c = NULL;
	unsigned int i;
	char a[64];

	for (i = 0; i < MAX_CONNS; i++)
		if (!srv.conns[i].used) {
			c = &srv.conns[i];
			break;
		}
	if (c == NULL || mint_cid(&scid) != 0)
		return NULL;
	memset(c, 0, sizeof(*c));
	c->used = 1;
	c->no = ++next_no;
	srv.n_conns++;
	memcpy(&c->remote, remote, remote_len);
	c->remote_len = remote_len;
	ngtcp2_connection_close_error_default(&c->cerr);
	conn_add_cid(c, scid.data, scid.datalen);
	/* the client's Initials keep the DCID it chose until it hears us */
	conn_add_cid(c, hd->dcid.data, hd->dcid.datalen);

	ngtcp2_settings_default(&st);
	st.initial_ts = now_ns();
	st.max_tx_udp_payload_size = 1452;
	ngtcp2_transport_params_default(&tp);
	tp.initial_max_stream_data_bidi_local = 1 << 20;
	tp.initial_max_stream_data_bidi_remote = 1 << 20;
	tp.initial_max_stream_data_uni = 1 << 20;
	tp.initial_max_data = 4 << 20;
	tp.initial_max_streams_bidi = 100;
	tp.initial_max_streams_uni = 3;
	tp.max_idle_timeout = 30 * NGTCP2_SECONDS;
	tp.active_connection_id_limit = 7;
	tp.original_dcid = hd->dcid;
	tp.stateless_reset_token_present = 1;
	if (ngtcp2_crypto_generate_stateless_reset_token(
		    tp.stateless_reset_token, srv.reset_secret,
		    sizeof(srv.reset_secret), &scid) != 0)
		goto fail;

	if (ngtcp2_conn_server_new(&c->qc, &hd->scid, &scid, &path,
				   hd->version, &cb, &st, &tp, NULL, c) != 0)
		goto fail;
	c->ref.get_conn = get_conn;
	c->ref.user_data = c;
	if (gnutls_init(&c->tls, GNUTLS_SERVER | GNUTLS_NO_END_OF_EARLY_DATA) != 0 ||
	    gnutls_priority_set_direct(
		    c->tls,
		    "NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+AES-128-GCM:"
		    "+AES-256-GCM:+CHACHA20-POLY1305:+AES-128-CCM",
		    NULL) != 0 ||
	    ngtcp2_crypto_gnutls_configure_server_session(c->tls) != 0 ||
	    gnutls_credentials_set(c->tls, GNUTLS_CRD_CERTIFICATE,
				   srv.cred) != 0 ||
	    gnutls_alpn_set_protocols(c->tls, &alpn, 1,
				      GNUTLS_ALPN_MANDATORY) != 0)
		goto fail;
	gnutls_session_set_ptr(c->tls, &c->ref);
	ngtcp2_conn_set_tls_native_handle(c->qc, c->tls);
	fprintf(stderr, "quic_lb_server: conn %u from %s\n", c->no,
		addr_str(remote, a, sizeof(a)));
	return c;
fail:
	conn_free(c);
	return NULL;
}

static void
send_pkt(const ngtcp2_path *path, const uint8_t *buf, size_t len)
{
	while (sendto(srv.fd, buf, len, 0, (const void *)path->remote.addr,
		      path->remote.addrlen) < 0) {
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			struct pollfd p = { srv.fd, POLLOUT, 0 };

			(void)poll(&p, 1, 10);
			continue;
		}
		break;
	}
}

/* Write what ngtcp2 and nghttp3 have for @p c. @return -1 when the
 * connection is dead. */
static int
conn_write(struct conn *c)
{
	uint8_t buf[1500];
	ngtcp2_path_storage ps;
	ngtcp2_pkt_info pi;
	ngtcp2_tstamp ts = now_ns();
	unsigned int budget = 256;

	ngtcp2_path_storage_zero(&ps);
	while (budget-- > 0) {
		nghttp3_vec vec[16];
		nghttp3_ssize cnt = 0;
		int64_t sid = -1;
		int fin = 0;
		ngtcp2_ssize ndatalen = -1, n;
		uint32_t fl = NGTCP2_WRITE_STREAM_FLAG_MORE;

		if (c->h3 != NULL && ngtcp2_conn_get_max_data_left(c->qc)) {
			cnt = nghttp3_conn_writev_stream(c->h3, &sid, &fin,
							 vec, 16);
			if (cnt < 0)
				return -1;
		}
		if (fin)
			fl |= NGTCP2_WRITE_STREAM_FLAG_FIN;
		n = ngtcp2_conn_writev_stream(c->qc, &ps.path, &pi, buf,
					      sizeof(buf), &ndatalen, fl, sid,
					      (const ngtcp2_vec *)vec,
					      (size_t)cnt, ts);
		if (n < 0) {
			if (n == NGTCP2_ERR_STREAM_DATA_BLOCKED) {
				nghttp3_conn_block_stream(c->h3, sid);
				continue;
			}
			if (n == NGTCP2_ERR_STREAM_SHUT_WR) {
				nghttp3_conn_shutdown_stream_write(c->h3, sid);
				continue;
			}
			if (n == NGTCP2_ERR_WRITE_MORE) {
				if (nghttp3_conn_add_write_offset(
					    c->h3, sid, (size_t)ndatalen) != 0)
					return -1;
				continue;
			}
			ngtcp2_connection_close_error_set_transport_error_liberr(
				&c->cerr, (int)n, NULL, 0);
			return -1;
		}
		if (ndatalen >= 0 && c->h3 != NULL &&
		    nghttp3_conn_add_write_offset(c->h3, sid,
						  (size_t)ndatalen) != 0)
			return -1;
		if (n == 0)
			break;
		send_pkt(&ps.path, buf, (size_t)n);
	}
	ngtcp2_conn_update_pkt_tx_time(c->qc, ts);
	return 0;
}

static void
conn_close(struct conn *c)
{
	uint8_t buf[1500];
	ngtcp2_path_storage ps;
	ngtcp2_pkt_info pi;
	ngtcp2_ssize n;

	if (!ngtcp2_conn_is_in_closing_period(c->qc) &&
	    !ngtcp2_conn_is_in_draining_period(c->qc)) {
		ngtcp2_path_storage_zero(&ps);
		n = ngtcp2_conn_write_connection_close(c->qc, &ps.path, &pi, buf,
						       sizeof(buf), &c->cerr,
						       now_ns());
		if (n > 0)
			send_pkt(&ps.path, buf, (size_t)n);
	}
	fprintf(stderr, "quic_lb_server: conn %u closed\n", c->no);
	conn_free(c);
}

/* RFC 9000 §6.1 / RFC 8999 §6: a long header of a version we do not
 * speak gets the list of ours, CIDs echoed swapped; never for a datagram
 * under 1200 octets (§14.1), which could be an amplification. Behind
 * DSR it goes from here straight to the client. */
static void
send_version_negotiation(const ngtcp2_version_cid *vc, size_t len,
			 const ngtcp2_path *path)
{
	static const uint32_t sv[] = { NGTCP2_PROTO_VER_V1 };
	uint8_t buf[256], r;
	ngtcp2_ssize n;

	if (len < NGTCP2_MAX_UDP_PAYLOAD_SIZE)
		return;
	(void)gnutls_rnd(GNUTLS_RND_NONCE, &r, 1);
	n = ngtcp2_pkt_write_version_negotiation(buf, sizeof(buf), r,
						 vc->scid, vc->scidlen,
						 vc->dcid, vc->dcidlen, sv, 1);
	if (n <= 0)
		return;
	srv.n_vn++;
	fprintf(stderr, "quic_lb_server: version negotiation for 0x%08x\n",
		vc->version);
	send_pkt(path, buf, (size_t)n);
}

/* RFC 9000 §10.3: a short header for a connection this process does
 * not have (it restarted, or lost the state) gets a Stateless Reset, so
 * the client stops at once instead of at its idle timeout. The token is
 * derived from the CID and --reset-secret, which a restarted server keeps.
 * Smaller than what triggered it (§10.3.3), so two endpoints never loop. */
static void
send_stateless_reset(const ngtcp2_version_cid *vc, size_t len,
		     const ngtcp2_path *path)
{
	uint8_t buf[64], token[NGTCP2_STATELESS_RESET_TOKENLEN], rnd[40];
	ngtcp2_cid cid;
	size_t randlen;
	ngtcp2_ssize n;

	if (len < NGTCP2_STATELESS_RESET_TOKENLEN + 1 +
		  NGTCP2_MIN_STATELESS_RESET_RANDLEN)
		return;
	randlen = len - 1 - NGTCP2_STATELESS_RESET_TOKENLEN;
	if (randlen > sizeof(rnd))
		randlen = sizeof(rnd);
	ngtcp2_cid_init(&cid, vc->dcid, vc->dcidlen);
	if (ngtcp2_crypto_generate_stateless_reset_token(
		    token, srv.reset_secret, sizeof(srv.reset_secret), &cid) != 0)
		return;
	(void)gnutls_rnd(GNUTLS_RND_NONCE, rnd, randlen);
	n = ngtcp2_pkt_write_stateless_reset(buf, sizeof(buf), token, rnd,
					     randlen);
	if (n <= 0)
		return;
	/* rate: one per 64 unknown packets is plenty for a test server */
	if (srv.n_reset++ % 64 == 0)
		fprintf(stderr, "quic_lb_server: stateless reset (%llu)\n",
			(unsigned long long)srv.n_reset);
	send_pkt(path, buf, (size_t)n);
}

static void
on_packet(uint8_t *data, size_t len, struct sockaddr *remote,
	  socklen_t remote_len)
{
	ngtcp2_version_cid vc;
	ngtcp2_path path = {
		{ (ngtcp2_sockaddr *)&srv.local, srv.local_len },
		{ (ngtcp2_sockaddr *)remote, remote_len }, NULL };
	ngtcp2_pkt_info pi = { 0 };
	struct conn *c;
	int rv;
	char a[64];

	rv = ngtcp2_pkt_decode_version_cid(&vc, data, len, cid_len());
	if (rv == NGTCP2_ERR_VERSION_NEGOTIATION) {
		send_version_negotiation(&vc, len, &path);
		return;
	}
	if (rv != 0)
		return;
	c = conn_by_cid(vc.dcid, vc.dcidlen);
	if (c == NULL && !(data[0] & 0x80)) {
		send_stateless_reset(&vc, len, &path);
		return;
	}
	if (c == NULL) {
		ngtcp2_pkt_hd hd;

		if (ngtcp2_accept(&hd, data, len) != 0)
			return;
		c = conn_new(&hd, remote, remote_len);
		if (c == NULL)
			return;
	}
	rv = ngtcp2_conn_read_pkt(c->qc, &path, &pi, data, len, now_ns());
	if (rv != 0) {
		if (rv != NGTCP2_ERR_DRAINING) {
			if (rv == NGTCP2_ERR_CRYPTO)
				ngtcp2_connection_close_error_set_transport_error_tls_alert(
					&c->cerr, ngtcp2_conn_get_tls_alert(c->qc),
					NULL, 0);
			else
				ngtcp2_connection_close_error_set_transport_error_liberr(
					&c->cerr, rv, NULL, 0);
		}
		conn_close(c);
		return;
	}
	/* a packet of this connection from a new client address: the
	 * appliance routed it here by the server ID in its DCID */
	if (remote_len != c->remote_len || memcmp(remote, &c->remote,
						  remote_len) != 0) {
		srv.n_migrations++;
		memcpy(&c->remote, remote, remote_len);
		c->remote_len = remote_len;
		fprintf(stderr, "quic_lb_server: conn %u now from %s\n", c->no,
			addr_str(remote, a, sizeof(a)));
	}
	if (conn_write(c) != 0)
		conn_close(c);
}

static int
parse_addr(const char *ip, unsigned int port)
{
	struct sockaddr_in *s4 = (void *)&srv.local;
	struct sockaddr_in6 *s6 = (void *)&srv.local;

	memset(&srv.local, 0, sizeof(srv.local));
	if (inet_pton(AF_INET, ip, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		srv.local_len = sizeof(*s4);
		return 0;
	}
	if (inet_pton(AF_INET6, ip, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		srv.local_len = sizeof(*s6);
		return 0;
	}
	return -1;
}

static void
usage(void)
{
	fprintf(stderr,
		"usage: quic_lb_server --addr IP --port N --cert PEM --key PEM "
		"--sid HEX\n"
		"  [--config-id 0..6] [--sid-len N] [--nonce-len N] "
		"[--encode-len 0|1] [--size BYTES] [--reset-secret HEX64]\n"
		"  [--plain-cid N: random CIDs of N octets, no QUIC-LB]\n"
		"  [--lb-key HEX32: encrypted QUIC-LB IDs]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "addr", required_argument, NULL, 'a' },
		{ "port", required_argument, NULL, 'p' },
		{ "cert", required_argument, NULL, 'c' },
		{ "key", required_argument, NULL, 'k' },
		{ "sid", required_argument, NULL, 's' },
		{ "config-id", required_argument, NULL, 'C' },
		{ "sid-len", required_argument, NULL, 'L' },
		{ "nonce-len", required_argument, NULL, 'N' },
		{ "encode-len", required_argument, NULL, 'E' },
		{ "size", required_argument, NULL, 'z' },
		{ "reset-secret", required_argument, NULL, 'R' },
		{ "plain-cid", required_argument, NULL, 'P' },
		{ "lb-key", required_argument, NULL, 'K' },
		{ NULL, 0, NULL, 0 },
	};
	struct quic_lb_conf lb = { .config_id = 0, .server_id_len = 2,
				   .nonce_len = 6, .encode_len = 1 };
	const char *addr = NULL, *cert = NULL, *key = NULL, *sid_hex = NULL;
	const char *secret_hex = NULL, *key_hex = NULL;
	const char *why = NULL;
	unsigned int port = 443, i;
	uint8_t sid[QUIC_LB_SID_MAX];
	uint64_t seed;
	int o;

	srv.size = 1000000;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'a': addr = optarg; break;
		case 'p': port = (unsigned int)atoi(optarg); break;
		case 'c': cert = optarg; break;
		case 'k': key = optarg; break;
		case 's': sid_hex = optarg; break;
		case 'C': lb.config_id = (uint8_t)atoi(optarg); break;
		case 'L': lb.server_id_len = (uint8_t)atoi(optarg); break;
		case 'N': lb.nonce_len = (uint8_t)atoi(optarg); break;
		case 'E': lb.encode_len = (uint8_t)atoi(optarg); break;
		case 'z': srv.size = strtoull(optarg, NULL, 10); break;
		case 'R': secret_hex = optarg; break;
		case 'P': srv.plain_len = (unsigned int)atoi(optarg); break;
		case 'K': key_hex = optarg; break;
		default: usage();
		}
	}
	if (addr == NULL || cert == NULL || key == NULL || sid_hex == NULL ||
	    port == 0 || port > 65535)
		usage();
	if (key_hex != NULL) {
		uint8_t k[QUIC_LB_KEY_LEN];

		if (quic_lb_sid_from_hex(key_hex, k, sizeof(k)) != 0) {
			fprintf(stderr, "quic_lb_server: --lb-key must be 32 hex "
				"digits\n");
			return 2;
		}
		quic_lb_crypt_init(&srv.key, k);
		srv.has_key = true;
	}
	if (srv.plain_len > NGTCP2_MAX_CIDLEN) {
		fprintf(stderr, "quic_lb_server: --plain-cid is 1..20\n");
		return 2;
	}
	if (parse_addr(addr, port) != 0) {
		fprintf(stderr, "quic_lb_server: bad address %s\n", addr);
		return 2;
	}
	if (quic_lb_sid_from_hex(sid_hex, sid, lb.server_id_len) != 0) {
		fprintf(stderr, "quic_lb_server: --sid must be %u hex octets\n",
			lb.server_id_len);
		return 2;
	}
	if (secret_hex != NULL ?
	    quic_lb_sid_from_hex(secret_hex, srv.reset_secret,
				 sizeof(srv.reset_secret)) != 0 :
	    getrandom(srv.reset_secret, sizeof(srv.reset_secret), 0) !=
		    sizeof(srv.reset_secret)) {
		fprintf(stderr, "quic_lb_server: --reset-secret must be 64 "
			"hex digits\n");
		return 2;
	}
	if (getrandom(&seed, sizeof(seed), 0) != sizeof(seed) ||
	    quic_lb_cid_gen_init(&srv.gen, &lb, sid, seed, &why) != 0) {
		fprintf(stderr, "quic_lb_server: QUIC-LB: %s\n",
			why != NULL ? why : "no random seed");
		return 2;
	}
	for (i = 0; i < sizeof(srv.body); i++)
		srv.body[i] = (uint8_t)(i % PATTERN);
	if (gnutls_certificate_allocate_credentials(&srv.cred) != 0 ||
	    gnutls_certificate_set_x509_key_file(srv.cred, cert, key,
						 GNUTLS_X509_FMT_PEM) != 0) {
		fprintf(stderr, "quic_lb_server: cannot load %s / %s\n", cert,
			key);
		return 1;
	}
	srv.fd = socket(srv.local.ss_family, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	if (srv.fd < 0 ||
	    bind(srv.fd, (struct sockaddr *)&srv.local, srv.local_len) != 0) {
		fprintf(stderr, "quic_lb_server: bind %s:%u: %s\n", addr, port,
			strerror(errno));
		return 1;
	}
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	fprintf(stderr, "quic_lb_server: %s:%u server ID %s, CIDs of %u "
		"octets, config %u\n", addr, port, sid_hex,
		cid_len(), srv.plain_len != 0 ? 7u : lb.config_id);

	while (!stop) {
		struct pollfd p = { srv.fd, POLLIN, 0 };
		ngtcp2_tstamp now = now_ns(), exp = UINT64_MAX;
		int timeout;

		for (i = 0; i < MAX_CONNS; i++)
			if (srv.conns[i].used) {
				ngtcp2_tstamp e =
					ngtcp2_conn_get_expiry(srv.conns[i].qc);

				if (e < exp)
					exp = e;
			}
		if (exp == UINT64_MAX)
			timeout = 1000;
		else if (exp <= now)
			timeout = 0;
		else
			timeout = (int)((exp - now) / NGTCP2_MILLISECONDS) + 1;
		if (timeout > 1000)
			timeout = 1000;
		if (poll(&p, 1, timeout) < 0 && errno != EINTR)
			break;
		for (;;) {
			uint8_t buf[65536];
			struct sockaddr_storage from;
			socklen_t fl = sizeof(from);
			ssize_t n = recvfrom(srv.fd, buf, sizeof(buf), 0,
					     (struct sockaddr *)&from, &fl);

			if (n <= 0)
				break;
			on_packet(buf, (size_t)n, (struct sockaddr *)&from, fl);
		}
		now = now_ns();
		for (i = 0; i < MAX_CONNS; i++) {
			struct conn *c = &srv.conns[i];
			int rv;

			if (!c->used || ngtcp2_conn_get_expiry(c->qc) > now)
				continue;
			rv = ngtcp2_conn_handle_expiry(c->qc, now);
			if (rv != 0) {
				if (rv == NGTCP2_ERR_IDLE_CLOSE)
					fprintf(stderr, "quic_lb_server: conn "
						"%u idle\n", c->no);
				conn_free(c);
				continue;
			}
			if (conn_write(c) != 0)
				conn_close(c);
		}
	}
	fprintf(stderr,
		"quic_lb_server: requests %llu bytes %llu received %llu "
		"migrations %llu version-negotiations %llu resets %llu\n",
		(unsigned long long)srv.n_requests,
		(unsigned long long)srv.n_bytes,
		(unsigned long long)srv.n_rx,
		(unsigned long long)srv.n_migrations,
		(unsigned long long)srv.n_vn,
		(unsigned long long)srv.n_reset);
	for (i = 0; i < MAX_CONNS; i++)
		if (srv.conns[i].used)
			conn_free(&srv.conns[i]);
	gnutls_certificate_free_credentials(srv.cred);
	close(srv.fd);
	return 0;
}
