/*
 * echo_load: a small epoll load generator for the echo benchmark
 * (bench/echo.ts builds it with gcc into a temp dir).
 *
 *   echo_load HOST PORT MSG_BYTES CONNECTIONS SECONDS [WARMUP_SECONDS]
 *
 * Opens CONNECTIONS TCP connections; each sends a MSG_BYTES message, waits
 * for the whole echo, checks it and sends the next, as uvloop's echo client
 * does. Prints one JSON line: {"requests": N, "seconds": S, "rps": R}.
 * Exits 2 on a mismatch or a connection error.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

typedef struct {
  int fd;
  size_t sent;
  size_t received;
  unsigned char *in;
  int watching_out;
} conn_t;

static void watch(int ep, conn_t *c, int idx, int out) {
  if (c->watching_out == out) return;
  struct epoll_event ev = {.events = EPOLLIN | (out ? EPOLLOUT : 0), .data.u32 = idx};
  epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
  c->watching_out = out;
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int connect_to(const char *host, const char *port) {
  struct addrinfo hints, *res;
  memset(&hints, 0, sizeof hints);
  hints.ai_socktype = SOCK_STREAM;
  if (getaddrinfo(host, port, &hints, &res) != 0) return -1;
  int fd = socket(res->ai_family, SOCK_STREAM, 0);
  if (fd < 0 || connect(fd, res->ai_addr, res->ai_addrlen) != 0) {
    freeaddrinfo(res);
    return -1;
  }
  freeaddrinfo(res);
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  return fd;
}

int main(int argc, char **argv) {
  if (argc < 6) {
    fprintf(stderr, "usage: %s HOST PORT MSG_BYTES CONNECTIONS SECONDS [WARMUP]\n", argv[0]);
    return 1;
  }
  const char *host = argv[1], *port = argv[2];
  size_t size = (size_t)atol(argv[3]);
  int nconn = atoi(argv[4]);
  double seconds = atof(argv[5]);
  double warmup = argc > 6 ? atof(argv[6]) : 0;
  unsigned char *msg = malloc(size);
  for (size_t i = 0; i < size; i++) msg[i] = (unsigned char)('a' + i % 26);
  int ep = epoll_create1(0);
  conn_t *conns = calloc(nconn, sizeof(conn_t));
  for (int i = 0; i < nconn; i++) {
    conns[i].fd = connect_to(host, port);
    if (conns[i].fd < 0) {
      fprintf(stderr, "connect failed: %s\n", strerror(errno));
      return 2;
    }
    conns[i].in = malloc(size);
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.u32 = i};
    epoll_ctl(ep, EPOLL_CTL_ADD, conns[i].fd, &ev);
    conns[i].watching_out = 1;
  }
  struct epoll_event events[256];
  long requests = 0;
  double t0 = now(), start = t0 + warmup, end = start + seconds;
  int counting = warmup <= 0;
  if (counting) start = t0;
  for (;;) {
    double t = now();
    if (!counting && t >= start) {
      counting = 1;
      requests = 0;
    }
    if (t >= end) break;
    int n = epoll_wait(ep, events, 256, 100);
    for (int k = 0; k < n; k++) {
      conn_t *c = &conns[events[k].data.u32];
      if (c->sent < size && (events[k].events & EPOLLOUT)) {
        ssize_t w = send(c->fd, msg + c->sent, size - c->sent, MSG_NOSIGNAL);
        if (w < 0 && errno != EAGAIN) {
          fprintf(stderr, "send: %s\n", strerror(errno));
          return 2;
        }
        if (w > 0) c->sent += (size_t)w;
        watch(ep, c, (int)events[k].data.u32, c->sent < size);
      }
      if (events[k].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
        for (;;) {
          ssize_t r = recv(c->fd, c->in + c->received, size - c->received, 0);
          if (r == 0) {
            fprintf(stderr, "server closed the connection\n");
            return 2;
          }
          if (r < 0) {
            if (errno == EAGAIN) break;
            fprintf(stderr, "recv: %s\n", strerror(errno));
            return 2;
          }
          c->received += (size_t)r;
          if (c->received == size) {
            if (memcmp(c->in, msg, size) != 0) {
              fprintf(stderr, "echo mismatch\n");
              return 2;
            }
            requests++;
            c->received = 0;
            c->sent = 0;
            ssize_t w = send(c->fd, msg, size, MSG_NOSIGNAL);
            if (w > 0) c->sent = (size_t)w;
            watch(ep, c, (int)events[k].data.u32, c->sent < size);
          }
          if (c->sent < size) break;
        }
      }
    }
  }
  double elapsed = now() - start;
  printf("{\"requests\": %ld, \"seconds\": %.3f, \"rps\": %.1f}\n", requests,
         elapsed, requests / elapsed);
  for (int i = 0; i < nconn; i++) close(conns[i].fd);
  return 0;
}
