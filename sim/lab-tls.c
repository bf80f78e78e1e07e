/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lab-tls: the TLS server side of a lockdownd session, as real devices
 * speak it after StartSession answers EnableSessionSSL true.
 *
 * No I/O of its own: OpenSSL works on memory BIOs, lab-lockdown.c hands in
 * the tunnel's bytes and takes out what is to be sent. Records are fed one
 * at a time, so after the client's close_notify (StopSession, then
 * SSL_shutdown in libimobiledevice) the bytes that follow stay in the
 * tunnel buffer as the plain frames they are.
 *
 * The certificate is a self-signed P-256 one made when the lab starts:
 * libimobiledevice does not verify the device certificate. The client may
 * ask for TLS 1.0 (it does for iOS < 10), so old protocol versions and
 * security level 0 are allowed, as on old devices.
 */
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "lab.h"

#define TLS_RECORD_HDR 5u
#define TLS_RECORD_MAX (16384u + 2048u) /* ciphertext limit of RFC 5246 */

struct labtls {
	SSL *ssl;
	BIO *rbio, *wbio; /* owned by ssl */
};

static SSL_CTX *ctx;

static X509 *self_signed(EVP_PKEY *key)
{
	X509 *x = X509_new();
	X509_NAME *name;

	if (!x)
		return NULL;
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 10L * 365 * 24 * 3600);
	X509_set_pubkey(x, key);
	name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	                           (const unsigned char *)"irecsim device", -1, -1, 0);
	X509_set_issuer_name(x, name);
	if (!X509_sign(x, key, EVP_sha256())) {
		X509_free(x);
		return NULL;
	}
	return x;
}

static bool ctx_setup(EVP_PKEY *key, X509 *cert)
{
	ctx = SSL_CTX_new(TLS_server_method());
	if (!ctx)
		return false;
	SSL_CTX_set_security_level(ctx, 0);
	SSL_CTX_set_min_proto_version(ctx, TLS1_VERSION);
	SSL_CTX_set_cipher_list(ctx, "ALL:@SECLEVEL=0");
	/* Session tickets would be extra records nobody needs. */
	SSL_CTX_set_num_tickets(ctx, 0);
	SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
	return SSL_CTX_use_certificate(ctx, cert) == 1 && SSL_CTX_use_PrivateKey(ctx, key) == 1;
}

bool labtls_init(GError **error)
{
	EVP_PKEY *key;
	X509 *cert = NULL;
	bool ok = false;

	if (ctx)
		return true;
	key = EVP_EC_gen("P-256");
	if (key)
		cert = self_signed(key);
	if (cert)
		ok = ctx_setup(key, cert);
	X509_free(cert);
	EVP_PKEY_free(key);
	if (!ok) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "cannot set up TLS: %s",
		            ERR_error_string(ERR_get_error(), NULL));
		SSL_CTX_free(ctx);
		ctx = NULL;
	}
	return ok;
}

void labtls_shutdown(void)
{
	SSL_CTX_free(ctx);
	ctx = NULL;
}

struct labtls *labtls_new(void)
{
	struct labtls *t;

	if (!ctx)
		return NULL;
	t = g_new0(struct labtls, 1);
	t->ssl = SSL_new(ctx);
	t->rbio = BIO_new(BIO_s_mem());
	t->wbio = BIO_new(BIO_s_mem());
	SSL_set_bio(t->ssl, t->rbio, t->wbio);
	SSL_set_accept_state(t->ssl);
	return t;
}

void labtls_free(struct labtls *t)
{
	if (!t)
		return;
	SSL_free(t->ssl);
	g_free(t);
}

static void drain(struct labtls *t, GByteArray *out)
{
	char buf[4096];
	int n;

	while ((n = BIO_read(t->wbio, buf, sizeof(buf))) > 0)
		g_byte_array_append(out, (const guint8 *)buf, (guint)n);
}

/* Length of the complete record at the start of in, 0 if incomplete, -1 if
 * it cannot be TLS. */
static int record_len(const GByteArray *in)
{
	unsigned len;

	if (in->len < TLS_RECORD_HDR)
		return 0;
	if (in->data[0] < 20 || in->data[0] > 24 || in->data[1] != 3)
		return -1;
	len = ((unsigned)in->data[3] << 8) | in->data[4];
	if (len > TLS_RECORD_MAX)
		return -1;
	return in->len >= TLS_RECORD_HDR + len ? (int)(TLS_RECORD_HDR + len) : 0;
}

/* Run the state machine on what the rbio holds; plaintext to plain. */
static enum labtls_status pump(struct labtls *t, GByteArray *plain)
{
	char buf[16384];
	int n;

	if (!SSL_is_init_finished(t->ssl)) {
		n = SSL_do_handshake(t->ssl);
		if (n <= 0)
			return SSL_get_error(t->ssl, n) == SSL_ERROR_WANT_READ ? LABTLS_OK
			                                                       : LABTLS_ERROR;
	}
	while ((n = SSL_read(t->ssl, buf, sizeof(buf))) > 0)
		g_byte_array_append(plain, (const guint8 *)buf, (guint)n);
	switch (SSL_get_error(t->ssl, n)) {
	case SSL_ERROR_WANT_READ:
		return LABTLS_OK;
	case SSL_ERROR_ZERO_RETURN:
		return LABTLS_CLOSED;
	default:
		return LABTLS_ERROR;
	}
}

enum labtls_status labtls_input(struct labtls *t, GByteArray *in, GByteArray *plain,
                                GByteArray *out)
{
	enum labtls_status st = LABTLS_OK;
	int len;

	while (st == LABTLS_OK && (len = record_len(in)) != 0) {
		if (len < 0) {
			st = LABTLS_ERROR;
			break;
		}
		BIO_write(t->rbio, in->data, len);
		g_byte_array_remove_range(in, 0, (guint)len);
		st = pump(t, plain);
	}
	drain(t, out);
	ERR_clear_error();
	return st;
}

bool labtls_output(struct labtls *t, const guint8 *data, guint len, GByteArray *out)
{
	bool ok = len == 0 || SSL_write(t->ssl, data, (int)len) == (int)len;

	drain(t, out);
	ERR_clear_error();
	return ok;
}

const char *labtls_version(const struct labtls *t)
{
	return SSL_get_version(t->ssl);
}
