/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The restore audit log: one JSON line per attempt, appended, never rewritten. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "irecctl/contract.h"
#include "irecctl/devid.h"
#include "irecctl/exitcode.h"
#include "irecctl/log.h"
#include "irecctl/restore.h"

static bool mkdir_p(char *path)
{
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		int r = mkdir(path, 0700);
		*p = '/';
		if (r < 0 && errno != EEXIST)
			return false;
	}
	return mkdir(path, 0700) == 0 || errno == EEXIST;
}

bool restore_state_path(char *out, size_t len)
{
	const char *xdg = getenv("XDG_STATE_HOME"), *home = getenv("HOME");

	if (xdg && xdg[0] == '/')
		snprintf(out, len, "%s/irecctl", xdg);
	else if (home && home[0] == '/')
		snprintf(out, len, "%s/.local/state/irecctl", home);
	else
		return false;
	return true;
}

bool restore_state_dir(char *out, size_t len)
{
	return restore_state_path(out, len) && mkdir_p(out);
}

bool restore_sha256_file(const char *path, char out[65])
{
	unsigned char buf[1 << 16], md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	FILE *f = fopen(path, "rb");
	bool ok = f && ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	size_t n;

	while (ok && (n = fread(buf, 1, sizeof(buf), f)) > 0)
		ok = EVP_DigestUpdate(ctx, buf, n);
	ok = ok && !ferror(f) && EVP_DigestFinal_ex(ctx, md, &mdlen);
	for (unsigned i = 0; ok && i < mdlen; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	if (f)
		fclose(f);
	EVP_MD_CTX_free(ctx);
	return ok;
}

static json_t *record_json(const struct audit_record *r)
{
	char ecid[19], t[32];
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(t, sizeof(t), "%Y-%m-%dT%H:%M:%SZ", &tm);
	devid_format_ecid(r->dev->ecid, ecid);
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s?, s:s, s:s, s:s, s:s, s:s, s:i, s:s, s:s?}",
	                      "time", t, "ecid", ecid, "product_type", r->dev->product_type, "ipsw",
	                      r->ipsw, "ipsw_sha256", r->ipsw_sha256, "kind", r->kind, "consent",
	                      r->consent, "engine", r->engine->path, "engine_version",
	                      r->engine->version, "result",
	                      r->result ? r->result : irec_status_name(r->status), "exit_code",
	                      r->status, "message", r->message, "log", r->log_path);
	json_t *doc = contract_stamp(o); /* schema_version first, as in every record */

	json_decref(o);
	return doc;
}

void audit_append(const struct audit_record *r)
{
	char dir[4096], path[4200];
	json_t *o = record_json(r);
	char *line = o ? json_dumps(o, JSON_COMPACT) : NULL;
	int fd;

	json_decref(o);
	if (!line || !restore_state_dir(dir, sizeof(dir))) {
		log_warn("cannot write the restore audit log");
		free(line);
		return;
	}
	snprintf(path, sizeof(path), "%s/restore-audit.jsonl", dir);
	/* One write() of a whole line with O_APPEND: parallel jobs never interleave. */
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	size_t n = strlen(line);
	line[n] = '\n';
	if (fd < 0 || write(fd, line, n + 1) != (ssize_t)(n + 1))
		log_warn("cannot append to %s: %s", path, strerror(errno));
	if (fd >= 0)
		close(fd);
	free(line);
}
