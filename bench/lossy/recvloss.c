/*
 * recvloss.so: receiver-side random datagram loss for the multicast benchmark (bench/multicast.sh), where the
 * kernel has no netem (nor gact, iptables, nft). LD_PRELOAD it into a receiver process:
 *
 *   RECVLOSS=0.01 [RECVLOSS_SEED=N] [RECVLOSS_STATS=FILE] LD_PRELOAD=bench/work/recvloss.so PROGRAM ...
 *
 * Every datagram that recvfrom/recvmsg/recvmmsg/recv/read returns on a SOCK_DGRAM socket is discarded with
 * probability RECVLOSS, as if it had never arrived, and the call goes on to the next datagram (a non-blocking
 * socket then reports EAGAIN, a blocking one waits). That is what netem loss on the switch port towards this
 * receiver does, for every protocol alike: data, control and announcements. Peeks (MSG_PEEK) are never dropped.
 * RECVLOSS_STATS names a file that gets "received=N dropped=M" at exit (N: datagrams returned by the recv* calls).
 * Which calls the tools use (strace -c, nm -D): the JDK's DatagramChannel recvfrom, udp-receiver recvmsg (and
 * recvfrom for its hello), uftpd recvmsg; none uses recvmmsg or read() on a datagram socket.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

static ssize_t (*real_recvfrom)(int, void *, size_t, int, struct sockaddr *, socklen_t *);
static ssize_t (*real_recvmsg)(int, struct msghdr *, int);
static int (*real_recvmmsg)(int, struct mmsghdr *, unsigned int, int, struct timespec *);
static ssize_t (*real_recv)(int, void *, size_t, int);
static ssize_t (*real_read)(int, void *, size_t);

static uint64_t threshold; /* drop when the next random 64-bit number is below this */
static uint64_t seed;
static uint64_t received, dropped;
static __thread uint64_t state;

__attribute__((constructor)) static void init(void) {
    real_recvfrom = dlsym(RTLD_NEXT, "recvfrom");
    real_recvmsg = dlsym(RTLD_NEXT, "recvmsg");
    real_recvmmsg = dlsym(RTLD_NEXT, "recvmmsg");
    real_recv = dlsym(RTLD_NEXT, "recv");
    real_read = dlsym(RTLD_NEXT, "read");
    const char *p = getenv("RECVLOSS");
    double rate = p ? strtod(p, NULL) : 0;
    if (rate < 0) rate = 0;
    if (rate >= 1) rate = 0.999999;
    threshold = (uint64_t)(rate * 18446744073709551615.0);
    const char *s = getenv("RECVLOSS_SEED");
    seed = s ? strtoull(s, NULL, 0) : (uint64_t)getpid() * 0x9E3779B97F4A7C15ULL;
}

__attribute__((destructor)) static void report(void) {
    const char *f = getenv("RECVLOSS_STATS");
    if (!f) return;
    FILE *out = fopen(f, "w");
    if (!out) return;
    fprintf(out, "received=%llu dropped=%llu\n", (unsigned long long)__atomic_load_n(&received, __ATOMIC_RELAXED),
            (unsigned long long)__atomic_load_n(&dropped, __ATOMIC_RELAXED));
    fclose(out);
}

/* splitmix64, one stream per thread */
static uint64_t next_random(void) {
    if (state == 0) state = seed ^ ((uint64_t)(uintptr_t)&state * 0xBF58476D1CE4E5B9ULL) ^ 1;
    uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static int is_dgram(int fd) {
    int type;
    socklen_t len = sizeof type;
    return getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0 && type == SOCK_DGRAM;
}

/* Decides one datagram's fate; the socket type is looked up only for the few that lose (cheap on the hot path). */
static int lose(int fd) {
    if (threshold == 0 || next_random() >= threshold) {
        __atomic_add_fetch(&received, 1, __ATOMIC_RELAXED);
        return 0;
    }
    if (!is_dgram(fd)) return 0;
    __atomic_add_fetch(&dropped, 1, __ATOMIC_RELAXED);
    return 1;
}

ssize_t recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *from, socklen_t *fromlen) {
    socklen_t cap = fromlen ? *fromlen : 0;
    for (;;) {
        if (fromlen) *fromlen = cap;
        ssize_t n = real_recvfrom(fd, buf, len, flags, from, fromlen);
        if (n < 0 || (flags & MSG_PEEK) || !lose(fd)) return n;
    }
}

ssize_t recv(int fd, void *buf, size_t len, int flags) {
    for (;;) {
        ssize_t n = real_recv(fd, buf, len, flags);
        if (n < 0 || (flags & MSG_PEEK) || !lose(fd)) return n;
    }
}

ssize_t recvmsg(int fd, struct msghdr *msg, int flags) {
    socklen_t name = msg->msg_namelen;
    size_t control = msg->msg_controllen;
    for (;;) {
        msg->msg_namelen = name;
        msg->msg_controllen = control;
        ssize_t n = real_recvmsg(fd, msg, flags);
        if (n < 0 || (flags & MSG_PEEK) || !lose(fd)) return n;
    }
}

int recvmmsg(int fd, struct mmsghdr *v, unsigned int vlen, int flags, struct timespec *timeout) {
    if (vlen == 0) return real_recvmmsg(fd, v, vlen, flags, timeout);
    for (;;) {
        int n = real_recvmmsg(fd, v, vlen, flags, timeout);
        if (n <= 0 || (flags & MSG_PEEK)) return n;
        int kept = 0;
        for (int i = 0; i < n; i++) {
            if (lose(fd)) continue;
            if (kept != i) {
                /* move the kept datagram's bytes into slot `kept`'s buffers (same layout, as given by the caller) */
                struct msghdr *src = &v[i].msg_hdr, *dst = &v[kept].msg_hdr;
                size_t left = v[i].msg_len, off = 0;
                for (size_t k = 0; k < dst->msg_iovlen && left > 0; k++) {
                    size_t c = dst->msg_iov[k].iov_len < left ? dst->msg_iov[k].iov_len : left;
                    /* gather from src's iovecs at offset off */
                    size_t o = off, done = 0;
                    for (size_t j = 0; j < src->msg_iovlen && done < c; j++) {
                        if (o >= src->msg_iov[j].iov_len) { o -= src->msg_iov[j].iov_len; continue; }
                        size_t m = src->msg_iov[j].iov_len - o;
                        if (m > c - done) m = c - done;
                        memmove((char *)dst->msg_iov[k].iov_base + done, (char *)src->msg_iov[j].iov_base + o, m);
                        done += m;
                        o = 0;
                    }
                    off += c;
                    left -= c;
                }
                if (dst->msg_name && src->msg_name) {
                    memcpy(dst->msg_name, src->msg_name, src->msg_namelen < dst->msg_namelen ? src->msg_namelen : dst->msg_namelen);
                    dst->msg_namelen = src->msg_namelen;
                }
                dst->msg_flags = src->msg_flags;
                dst->msg_controllen = 0; /* ancillary data of a moved datagram is not carried over */
                v[kept].msg_len = v[i].msg_len;
            }
            kept++;
        }
        if (kept > 0) return kept;
        /* everything lost: a non-blocking caller sees "nothing yet", a blocking one waits for more */
        int fl = fcntl(fd, F_GETFL);
        if ((flags & MSG_DONTWAIT) || (fl >= 0 && (fl & O_NONBLOCK))) {
            errno = EAGAIN;
            return -1;
        }
    }
}

ssize_t read(int fd, void *buf, size_t len) {
    for (;;) {
        ssize_t n = real_read(fd, buf, len);
        /* read() of a file or pipe is the common case: it is neither counted nor dropped (none of the three tools
           reads datagrams with read(); this is for completeness) */
        if (n < 0 || threshold == 0 || next_random() >= threshold || !is_dgram(fd)) return n;
        __atomic_add_fetch(&dropped, 1, __ATOMIC_RELAXED);
    }
}
