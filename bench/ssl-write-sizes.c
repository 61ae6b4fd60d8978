/*
 * ssl-write-sizes: an LD_PRELOAD shim that counts the SSL_write calls of a
 * program (e.g. the librdkafka load driver) and the sizes they wrote, printed
 * to stderr at exit. Each successful SSL_write of up to 16 KiB is one TLS
 * record on the wire, so this shows what records a client sends.
 *
 *   cc -shared -fPIC -O2 -o build/ssl-write-sizes.so bench/ssl-write-sizes.c -ldl
 *   LD_PRELOAD=build/ssl-write-sizes.so build/warden-bench produce ... \
 *       -X security.protocol=SASL_SSL ...
 *
 * Only calls that wrote something are counted (a call that returned
 * WANT_WRITE is retried by the caller with the same buffer).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>

static long calls, bytes, hist[6];
static int (*real_ssl_write)(void *, const void *, int);

int SSL_write(void *ssl, const void *buf, int num) {
        int r;
        if (!real_ssl_write)
                real_ssl_write = (int (*)(void *, const void *, int))dlsym(RTLD_NEXT, "SSL_write");
        r = real_ssl_write(ssl, buf, num);
        if (r > 0) {
                calls++;
                bytes += r;
                hist[r < 512 ? 0 : r < 2048 ? 1 : r < 8192 ? 2 : r < 16384 ? 3 : r < 65536 ? 4 : 5]++;
        }
        return r;
}

__attribute__((destructor)) static void report(void) {
        fprintf(stderr,
                "ssl-write-sizes: %ld calls, %ld bytes, %.0f bytes/call; "
                "<512: %ld, 512-2047: %ld, 2-8 KiB: %ld, 8-16 KiB: %ld, 16-64 KiB: %ld, >=64 KiB: %ld\n",
                calls, bytes, calls ? (double)bytes / calls : 0, hist[0], hist[1], hist[2], hist[3], hist[4], hist[5]);
}
