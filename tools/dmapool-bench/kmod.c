// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kmod.h"
#include "main.h"

#define KMOD_NAME "dmapool_bench"
#define KMOD_PARAMS "/sys/module/" KMOD_NAME "/parameters/"

/*
 * The module for the running kernel: $DMAPOOL_KO; from the source tree,
 * build/RELEASE/ beside the CLI (make module); installed, what DKMS built
 * (dmapool-bench-dkms: lib/modules/RELEASE/updates/dkms/, compressed the way
 * that kernel's own modules are), first under the CLI's own root (a scratch
 * root or a prefix: PREFIX/sbin/../../lib/modules), then /lib/modules.
 */
const char *kmod_default_path(void)
{
	static const char * const ext[] = { "", ".xz", ".zst", ".gz" };
	static char path[2 * PATH_MAX + 512];
	char root[2][PATH_MAX + 8], real[PATH_MAX];
	struct utsname u;
	unsigned int r, e;

	if (getenv("DMAPOOL_KO"))
		return getenv("DMAPOOL_KO");
	uname(&u);
	snprintf(path, sizeof(path), "%s/%s/%s.ko", self_dir(), u.release,
		 KMOD_NAME);
	if (data_in_tree() || !access(path, R_OK))
		return path;
	snprintf(root[0], sizeof(root[0]), "%s/../..", self_dir());
	snprintf(root[1], sizeof(root[1]), "/");
	for (r = 0; r < 2; r++) {
		for (e = 0; e < ARRAY_SIZE(ext); e++) {
			snprintf(path, sizeof(path), "%s/lib/modules/%s/updates/dkms/%s.ko%s",
				 root[r], u.release, KMOD_NAME, ext[e]);
			if (access(path, R_OK))
				continue;
			if (realpath(path, real))
				snprintf(path, sizeof(path), "%s", real);
			return path;
		}
	}
	snprintf(path, sizeof(path), "/lib/modules/%s/updates/dkms/%s.ko",
		 u.release, KMOD_NAME);
	return path;
}

/*
 * DKMS compresses the module the way the kernel's own modules are (.xz on
 * Debian's 6.12, with xz's default CRC64 check, which the kernel's own
 * decompressor refuses): decompress it here, as kmod does, into a memfd.
 * Returns the decompressor for @path, or NULL for an uncompressed module.
 */
static const char *kmod_decompressor(const char *path)
{
	static const struct {
		const char *ext, *prog;
	} tools[] = { { ".xz", "xz" }, { ".zst", "zstd" }, { ".gz", "gzip" } };
	size_t n = strlen(path), e, i;

	for (i = 0; i < ARRAY_SIZE(tools); i++) {
		e = strlen(tools[i].ext);
		if (n > e && !strcmp(path + n - e, tools[i].ext))
			return tools[i].prog;
	}
	return NULL;
}

/* A memfd holding the output of `@prog -dc @path`, or -errno. */
static int kmod_decompress(const char *prog, const char *path)
{
	int fd = memfd_create("dmapool_bench.ko", MFD_CLOEXEC), status;
	pid_t pid;

	/* Never fd 1 itself (stdout closed): dup2() would keep CLOEXEC. */
	if (fd >= 0 && fd <= STDERR_FILENO) {
		status = fcntl(fd, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
		close(fd);
		fd = status;
	}
	if (fd < 0)
		return -errno;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		status = -errno;
		close(fd);
		return status;
	}
	if (!pid) {
		dup2(fd, STDOUT_FILENO);
		execlp(prog, prog, "-dc", "--", path, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			close(fd);
			return -EIO;
		}
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) || lseek(fd, 0, SEEK_END) <= 0) {
		p_err("cannot decompress module %s with %s (%s)", path, prog,
		      WIFEXITED(status) && WEXITSTATUS(status) == 127 ?
		      "not installed" : "failed");
		close(fd);
		return -EIO;
	}
	return fd;
}

static bool kmod_loaded(void)
{
	return access("/sys/module/" KMOD_NAME, F_OK) == 0;
}

static int read_small(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return -errno;
	n = fread(buf, 1, len - 1, f);
	fclose(f);
	buf[n] = '\0';
	while (n && buf[n - 1] == '\n')
		buf[--n] = '\0';
	return 0;
}

/* Does the loaded module have every key=value of @params, and defaults else? */
static bool kmod_params_match(const char *params)
{
	static const struct {
		const char *name;
		const char *dflt;
	} known[] = {
		{ "coherent_pool", "(null)" }, { "remap", "N" },
		{ "state_period_ms", "0" }, { "zones", "auto" },
		{ "max_order", "-1" }, { "semantics", "auto" },
		{ "test_spin_ns", "0" },
	};
	char want[256], have[256], key[64];
	const char *p;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(known); i++) {
		snprintf(want, sizeof(want), "%s", known[i].dflt);
		snprintf(key, sizeof(key), "%s=", known[i].name);
		p = strstr(params, key);
		if (p) {
			p += strlen(key);
			snprintf(want, sizeof(want), "%.*s",
				 (int)strcspn(p, " "), p);
			if (!strcmp(known[i].name, "remap"))
				snprintf(want, sizeof(want), "%s",
					 strcmp(want, "0") ? "Y" : "N");
		}
		snprintf(key, sizeof(key), KMOD_PARAMS "%s", known[i].name);
		if (read_small(key, have, sizeof(have)) || strcmp(want, have))
			return false;
	}
	return true;
}

int kmod_unload(void)
{
	int i;

	/* Retry briefly: a just-detached BPF program releases its reference late. */
	for (i = 0; i < 50; i++) {
		if (!syscall(__NR_delete_module, KMOD_NAME, O_NONBLOCK))
			return 0;
		if (errno == ENOENT)
			return 0;
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EBUSY)
			break;
		usleep(100000);
	}
	p_err("cannot unload %s: %s", KMOD_NAME, strerror(errno));
	return -errno;
}

int kmod_ensure(const char *path, const char *params)
{
	int fd, ret;

	if (kmod_loaded()) {
		struct json_object *st;
		bool busy;

		if (kmod_params_match(params))
			return 0;
		/* Never pull the module from under someone else's run. */
		st = kmod_stats();
		busy = st && json_object_object_get(st, "state") &&
		       !strcmp(json_object_get_string(json_object_object_get(st, "state")),
			       "running");
		json_object_put(st);
		if (busy) {
			p_err("a run is already in progress with other module parameters (echo stop > %s/control)",
			      KMOD_DEBUGFS);
			return -EBUSY;
		}
		ret = kmod_unload();
		if (ret)
			return ret;
	}
	if (verbose)
		p_info("loading %s with '%s'", path, params);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		p_err("cannot open module %s: %s (%s)", path, strerror(-ret),
		      data_in_tree() ? "build it with 'make module'" :
		      "install dmapool-bench-dkms and this kernel's headers, or set DMAPOOL_KO");
		return ret;
	}
	if (kmod_decompressor(path)) {
		ret = kmod_decompress(kmod_decompressor(path), path);
		close(fd);
		if (ret < 0)
			return ret;
		fd = ret;
	}
	ret = syscall(__NR_finit_module, fd, params, 0);
	if (ret) {
		ret = -errno;
		p_err("loading %s with '%s' failed: %s (see dmesg)", path,
		      params, strerror(-ret));
	}
	close(fd);
	return ret;
}

int kmod_control(const char *line)
{
	int fd = open(KMOD_DEBUGFS "/control", O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, line, strlen(line));
	close(fd);
	return n < 0 ? -errno : 0;
}

/* Parse "key: value" lines (or [section] headers when @sections). */
static struct json_object *parse_kv(const char *path, bool sections)
{
	struct json_object *root = json_object_new_object(), *cur = root;
	char line[512], *v, *end;
	long long num;
	FILE *f = fopen(path, "r");

	if (!f) {
		json_object_put(root);
		return NULL;
	}
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (sections && line[0] == '[') {
			line[strcspn(line, "]")] = '\0';
			cur = json_object_new_object();
			json_object_object_add(root, line + 1, cur);
			continue;
		}
		v = strstr(line, ": ");
		if (!v)
			continue;
		*v = '\0';
		v += 2;
		errno = 0;
		num = strtoll(v, &end, 0);
		if (*v && !*end && !errno && strncmp(v, "0x", 2))
			json_object_object_add(cur, line,
					       json_object_new_int64(num));
		else
			json_object_object_add(cur, line,
					       json_object_new_string(v));
	}
	fclose(f);
	return root;
}

struct json_object *kmod_stats(void)
{
	return parse_kv(KMOD_DEBUGFS "/stats", false);
}

struct json_object *kmod_read(const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), KMOD_DEBUGFS "/%s", name);
	return parse_kv(path, false);
}

struct json_object *kmod_pools(void)
{
	return parse_kv(KMOD_DEBUGFS "/pools", true);
}
