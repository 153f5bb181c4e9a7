/* healthcheck: Diego's app health check (code.cloudfoundry.org/healthcheck,
 * cmd/healthcheck), same flags, messages (stderr) and exit codes.
 *
 * Port check (default): TCP connect to the first non-loopback IPv4 address on
 * -port. HTTP check (-uri=/path): GET must answer 200. Both give up after
 * -timeout. Modes, checked in this order:
 *   -startup-interval d      until healthy, or -startup-timeout (60s; 0 = never)
 *   -liveness-interval d     until unhealthy ("Liveness check unsuccessful: ...")
 *   -readiness-interval d    until unhealthy ("Readiness check unsuccessful: ...")
 *   -until-ready-interval d  until healthy
 * Exit codes: 4/64 TCP refused/timed out, 5/6/65 HTTP refused/status/timed out.
 * -readiness-timeout is kept as an alias of -startup-timeout (older spelling). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "flags.h"
#include "util.h"

static char *network = "tcp", *uri = "", *port = "8080";
static int64_t timeout_ns = 1000000000LL, startup_interval, startup_timeout = 60000000000LL, liveness_interval,
               readiness_interval, until_ready_interval;

static const flag_def flag_defs[] = {
    {"liveness-interval", FLAG_DURATION,
     "if set, starts the healthcheck in liveness mode, i.e. the app is alive and hasn't crashed, do not exit until "
     "the healthcheck fails. runs checks every liveness-interval",
     &liveness_interval},
    {"network", FLAG_STRING, "network type to dial with (e.g. unix, tcp)", &network},
    {"port", FLAG_STRING, "port to healthcheck", &port},
    {"readiness-interval", FLAG_DURATION,
     "if set, starts the healthcheck in readiness mode, i.e. the app is ready to serve traffic, do not exit until "
     "the healthcheck fails because the target isn't serving traffic or another process doesn't exist. runs checks "
     "every readiness-interval",
     &readiness_interval},
    {"readiness-timeout", FLAG_DURATION, "older spelling of -startup-timeout", &startup_timeout},
    {"startup-interval", FLAG_DURATION,
     "if set, starts the healthcheck in startup mode, i.e. do not exit until the healthcheck passes. runs checks "
     "every startup-interval",
     &startup_interval},
    {"startup-timeout", FLAG_DURATION,
     "Only relevant if healthcheck is running in startup mode. When the timeout is set to a non-zero value, the "
     "healthcheck will return non-zero with any errors if this timeout is hit without the healthcheck passing",
     &startup_timeout},
    {"timeout", FLAG_DURATION, "dial timeout", &timeout_ns},
    {"until-ready-interval", FLAG_DURATION,
     "if set, starts the healthcheck in until-ready mode, i.e. do not exit until the healthcheck passes and the app "
     "is ready to serve traffic. runs checks every until-ready-interval",
     &until_ready_interval},
    {"uri", FLAG_STRING, "uri to healthcheck", &uri},
    {NULL, 0, NULL, NULL},
};

typedef struct {
    int code; /* 0 = healthy */
    char msg[512];
} result;

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int ms_left(int64_t deadline) {
    int64_t left = deadline - now_ns();
    return left <= 0 ? 0 : (int)((left + 999999) / 1000000);
}

/* Like Go's net.Interfaces walk in CF: the first non-loopback IPv4 address.
 * Without one (a container with only lo) 127.0.0.1 is used instead of failing. */
static void check_address(char *out, size_t size) {
    struct ifaddrs *ifs, *i;
    snprintf(out, size, "127.0.0.1");
    if (getifaddrs(&ifs) != 0) return;
    for (i = ifs; i; i = i->ifa_next) {
        if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET || (i->ifa_flags & IFF_LOOPBACK)) continue;
        struct sockaddr_in *sin = (struct sockaddr_in *)i->ifa_addr;
        if ((ntohl(sin->sin_addr.s_addr) >> 24) == 127) continue;
        inet_ntop(AF_INET, &sin->sin_addr, out, (socklen_t)size);
        break;
    }
    freeifaddrs(ifs);
}

/* Connects with a deadline. Returns the socket, -1 (failed, Go's dial error
 * text in `err`) or -2 (timed out). */
static int dial(const char *ip, const char *net, int64_t deadline, char *err, size_t err_size) {
    struct sockaddr_in sa = {.sin_family = AF_INET};
    char *end;
    long p = strtol(port, &end, 10);
    if (strcmp(net, "tcp") && strcmp(net, "tcp4")) { /* only TCP over IPv4 is supported */
        snprintf(err, err_size, "dial %s %s:%s: unknown network %s", net, ip, port, net);
        return -1;
    }
    if (!*port || *end || p < 0 || p > 65535) {
        if (*port && !*end) snprintf(err, err_size, "dial tcp: address %s: invalid port", port);
        else snprintf(err, err_size, "dial tcp: lookup tcp/%s: unknown port", port);
        return -1;
    }
    if (inet_pton(AF_INET, ip, &sa.sin_addr) != 1) {
        snprintf(err, err_size, "dial tcp: address %s: invalid address", ip);
        return -1;
    }
    sa.sin_port = htons((uint16_t)p);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(err, err_size, "dial tcp %s:%s: socket: %s", ip, port, go_strerror(errno));
        return -1;
    }
    int soerr = 0;
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        soerr = errno;
        if (soerr == EINPROGRESS) {
            struct pollfd pfd = {fd, POLLOUT, 0};
            int n;
            do n = poll(&pfd, 1, ms_left(deadline));
            while (n < 0 && errno == EINTR);
            if (n == 0) {
                close(fd);
                return -2;
            }
            socklen_t len = sizeof soerr;
            if (n < 0) soerr = errno;
            else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) != 0) soerr = errno;
        }
    }
    if (soerr) {
        snprintf(err, err_size, "dial tcp %s:%s: connect: %s", ip, port, go_strerror(soerr));
        close(fd);
        return -1;
    }
    return fd;
}

static double timeout_seconds(void) { return (double)timeout_ns / 1e9; }

static result port_check(const char *ip) {
    result r = {0};
    char err[256];
    int fd = dial(ip, network, now_ns() + timeout_ns, err, sizeof err);
    if (fd >= 0) {
        close(fd);
    } else if (fd == -2) {
        r.code = 64;
        snprintf(r.msg, sizeof r.msg, "failed to make TCP connection to %s:%s: timed out after %.2f seconds", ip, port,
                 timeout_seconds());
    } else {
        r.code = 4;
        snprintf(r.msg, sizeof r.msg, "failed to make TCP connection to %s:%s: %s", ip, port, err);
    }
    return r;
}

/* Sends all of buf before the deadline. */
static bool send_all(int fd, const char *buf, size_t len, int64_t deadline) {
    while (len > 0) {
        ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
        if (n > 0) {
            buf += n, len -= (size_t)n;
            continue;
        }
        if (n < 0 && errno != EAGAIN && errno != EINTR) return false;
        struct pollfd pfd = {fd, POLLOUT, 0};
        if (poll(&pfd, 1, ms_left(deadline)) <= 0) return false;
    }
    return true;
}

/* One GET; the whole exchange (body included) must finish before the deadline
 * (Go's http.Client.Timeout). Returns the status, -1 for errors, -2 for timeout;
 * a redirect's Location goes to `location`. */
static int http_get(const char *ip, const char *path, int64_t deadline, char *location, size_t loc_size) {
    char err[256];
    int fd = dial(ip, "tcp", deadline, err, sizeof err); /* HTTP always dials TCP, as Go's client */
    if (fd < 0) return fd;
    char req[2048];
    int n = snprintf(req, sizeof req,
                     "GET %s HTTP/1.1\r\nHost: %s:%s\r\nUser-Agent: diego-healthcheck\r\nX-Forwarded-Proto: https\r\n"
                     "Accept-Encoding: gzip\r\nConnection: close\r\n\r\n",
                     *path ? path : "/", ip, port);
    if (n <= 0 || (size_t)n >= sizeof req || !send_all(fd, req, (size_t)n, deadline)) {
        close(fd);
        return ms_left(deadline) ? -1 : -2;
    }
    strbuf resp = {0};
    int status = -1;
    char buf[4096];
    for (;;) { /* read the response to its end so the server sees no aborted request */
        struct pollfd pfd = {fd, POLLIN, 0};
        int pr = poll(&pfd, 1, ms_left(deadline));
        if (pr < 0 && errno == EINTR) continue;
        if (pr == 0) {
            status = -2;
            goto done;
        }
        ssize_t got = recv(fd, buf, sizeof buf, 0);
        if (got < 0 && (errno == EINTR || errno == EAGAIN)) continue;
        if (got <= 0) break;
        if (resp.len < 65536) sb_add(&resp, buf, (size_t)got); /* headers are all we look at */
    }
    int code;
    if (resp.s && sscanf(resp.s, "HTTP/%*d.%*d %d", &code) == 1) status = code;
    else if (resp.s && sscanf(resp.s, "HTTP/%*d %d", &code) == 1) status = code;
    location[0] = 0;
    if (status >= 300 && status < 400 && resp.s) {
        for (char *h = strstr(resp.s, "\r\n"); h; h = strstr(h + 2, "\r\n")) {
            if (h[2] == '\r') break; /* end of headers */
            if (strncasecmp(h + 2, "Location:", 9) != 0) continue;
            char *v = h + 11;
            while (*v == ' ') v++;
            size_t len = strcspn(v, "\r\n");
            snprintf(location, loc_size, "%.*s", (int)len, v);
            break;
        }
    }
done:
    sb_free(&resp);
    close(fd);
    return status;
}

static result http_check(const char *ip) {
    result r = {0};
    int64_t start = now_ns(), deadline = start + timeout_ns;
    char path[1024], location[1024];
    snprintf(path, sizeof path, "%s", uri);
    int status = -1;
    for (int redirects = 0; redirects <= 10; redirects++) { /* Go's client follows up to 10 redirects */
        status = http_get(ip, path, deadline, location, sizeof location);
        if (status < 300 || status >= 400 || !location[0]) break;
        const char *loc = location;
        char prefix[128];
        snprintf(prefix, sizeof prefix, "http://%s:%s", ip, port);
        if (!strncmp(loc, prefix, strlen(prefix))) loc += strlen(prefix);
        if (loc[0] != '/') break; /* another host: report the redirect status */
        snprintf(path, sizeof path, "%s", loc);
    }
    if (status == 200) return r;
    if (status >= 0) {
        r.code = 6;
        snprintf(r.msg, sizeof r.msg, "failed to make HTTP request to '%s' on port %s: received status code %d in %lldms",
                 uri, port, status, (long long)((now_ns() - start) / 1000000));
    } else if (status == -2) {
        r.code = 65;
        snprintf(r.msg, sizeof r.msg, "failed to make HTTP request to '%s' on port %s: timed out after %.2f seconds",
                 uri, port, timeout_seconds());
    } else {
        r.code = 5;
        snprintf(r.msg, sizeof r.msg, "failed to make HTTP request to '%s' on port %s: connection refused", uri, port);
    }
    return r;
}

static result check(void) {
    char ip[INET_ADDRSTRLEN];
    check_address(ip, sizeof ip);
    return *uri ? http_check(ip) : port_check(ip);
}

/* failHealthCheck: the mode's prefix (if any) and the message on stderr, the check's code. */
static void __attribute__((noreturn)) finish(result r, const char *prefix) {
    if (r.code) fprintf(stderr, "%s%s\n", prefix, r.msg);
    exit(r.code);
}

static void sleep_ns(int64_t ns) {
    if (ns <= 0) return;
    struct timespec ts = {(time_t)(ns / 1000000000LL), (long)(ns % 1000000000LL)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {}
}

/* Startup mode: a check every tick of -startup-interval until one passes; past
 * -startup-timeout (counted from the start, 0 = none) the last failure is reported. */
static void __attribute__((noreturn)) startup_mode(int64_t start) {
    int64_t deadline = startup_timeout > 0 ? start + startup_timeout : 0, next = start;
    char prefix[160], dur[64];
    format_duration(startup_timeout, dur, sizeof dur);
    for (int attempt = 1;; attempt++) {
        result r = check();
        if (!r.code) finish(r, "");
        snprintf(prefix, sizeof prefix, "Timed out after %s (%d attempts) waiting for startup check to succeed: ", dur,
                 attempt);
        if (deadline && now_ns() >= deadline) finish(r, prefix);
        while (next <= now_ns()) next += startup_interval; /* a ticker: missed ticks are dropped */
        if (deadline && deadline <= next) { /* the timer fires first */
            sleep_ns(deadline - now_ns());
            finish(r, prefix);
        }
        sleep_ns(next - now_ns());
    }
}

int main(int argc, char **argv) {
    prog_name = "healthcheck";
    reset_signals();
    int64_t start = now_ns();
    flags_parse("healthcheck", flag_defs, argc, argv);
    if (startup_interval > 0) startup_mode(start);
    if (liveness_interval > 0) {
        for (;;) {
            result r = check();
            if (r.code) finish(r, "Liveness check unsuccessful: ");
            sleep_ns(liveness_interval);
        }
    }
    if (readiness_interval > 0) {
        for (;;) {
            result r = check();
            if (r.code) finish(r, "Readiness check unsuccessful: ");
            sleep_ns(readiness_interval);
        }
    }
    if (until_ready_interval > 0) {
        for (;;) {
            result r = check();
            if (!r.code) finish(r, "");
            sleep_ns(until_ready_interval);
        }
    }
    finish(check(), "");
}
