/*
 * wan-delay: holds every packet of one netfilter queue for a fixed delay (plus optional jitter),
 * then accepts it. It stands in for `tc qdisc ... netem delay` on kernels without sch_netem.
 *
 *   wan-delay -q QUEUE -d DELAY_MS [-j JITTER_MS] [-s SEED]
 *
 * Run it in the network namespace whose packets it delays (the queue belongs to that namespace),
 * then send packets to it with an iptables rule there, for example
 *   iptables -t mangle -A POSTROUTING -d 10.77.2.0/24 -j NFQUEUE --queue-num 7 --queue-bypass
 * (--queue-bypass: if this program is not running, packets pass undelayed instead of dropping).
 * scripts/wan-delay/apply.sh does both.
 *
 * Packets leave in the order they came (FIFO): with jitter, a packet's release time is
 * max(arrival + delay + uniform(-jitter, +jitter), the previous packet's release time), so the
 * jitter never reorders a flow (reordering would make TCP retransmit, which a WAN link rarely
 * does). Only packet metadata is copied from the kernel (NFQNL_COPY_META), never the payload.
 *
 * Prints "wan-delay: ready ..." on stdout once the queue is bound (apply.sh waits for that line
 * before it adds the iptables rule). On SIGTERM or SIGINT it accepts what it holds at once,
 * prints its counters and exits 0.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <libnetfilter_queue/libnetfilter_queue.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Packets held at most; beyond it a packet is accepted at once and counted as an overflow. At 40 ms
 * this covers 1.6 million packets per second. */
#define HELD_MAX 65536u
/* The kernel queue's length: the kernel drops (or, with fail-open, accepts) beyond it. */
#define KERNEL_QUEUE_MAX 65536u
#define RCVBUF_BYTES (8u << 20)

struct held {
  uint32_t id;
  uint64_t due_ns;
};

static struct held ring[HELD_MAX];
static unsigned head, count;
static uint64_t delay_ns, jitter_ns, last_due_ns, rng_state;
static uint64_t n_packets, n_overflow, n_verdict_errors, max_held;
static struct nfq_q_handle *qh;
static volatile sig_atomic_t stopping;

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* xorshift64*: jitter needs no cryptographic quality, only a repeatable seed. */
static uint64_t rng_next(void) {
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return rng_state * 2685821657736338717ull;
}

static void accept_packet(uint32_t id) {
  if (nfq_set_verdict(qh, id, NF_ACCEPT, 0, NULL) < 0) {
    /* The packet stays queued in the kernel until the queue goes away; count it, go on. */
    n_verdict_errors++;
    fprintf(stderr, "wan-delay: verdict for packet %u failed: %s\n", id, strerror(errno));
  }
}

static uint64_t due_for(uint64_t arrival_ns) {
  uint64_t due = arrival_ns + delay_ns;
  /* delay - jitter .. delay + jitter (main() refuses a jitter larger than the delay) */
  if (jitter_ns > 0) due = due - jitter_ns + rng_next() % (2 * jitter_ns + 1);
  if (due < last_due_ns) due = last_due_ns; /* FIFO: never overtake the previous packet */
  last_due_ns = due;
  return due;
}

static int on_packet(struct nfq_q_handle *q, struct nfgenmsg *msg, struct nfq_data *nfa, void *data) {
  (void)q; (void)msg; (void)data;
  struct nfqnl_msg_packet_hdr *ph = nfq_get_msg_packet_hdr(nfa);
  if (ph == NULL) return 0;
  uint32_t id = ntohl(ph->packet_id);
  n_packets++;
  if (count == HELD_MAX) {
    n_overflow++;
    accept_packet(id);
    return 0;
  }
  ring[(head + count) % HELD_MAX] = (struct held){ id, due_for(now_ns()) };
  count++;
  if (count > max_held) max_held = count;
  return 0;
}

/* Accepts every held packet whose time has come; returns ms until the next one is due (-1: none). */
static int release_due(void) {
  uint64_t now = now_ns();
  while (count > 0 && (stopping || ring[head].due_ns <= now)) {
    accept_packet(ring[head].id);
    head = (head + 1) % HELD_MAX;
    count--;
  }
  if (count == 0) return -1;
  uint64_t wait_ns = ring[head].due_ns - now;
  return (int)((wait_ns + 999999u) / 1000000u); /* round up: never release early */
}

static void on_signal(int sig) { (void)sig; stopping = 1; }

static long parse_ms(const char *what, const char *s) {
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (errno != 0 || *end != '\0' || v < 0 || v > 60000) {
    fprintf(stderr, "wan-delay: %s must be a whole number of ms in 0..60000, got '%s'\n", what, s);
    exit(2);
  }
  return v;
}

int main(int argc, char **argv) {
  long queue = -1, delay_ms = -1, jitter_ms = 0;
  uint64_t seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
  int opt;
  while ((opt = getopt(argc, argv, "q:d:j:s:")) != -1) {
    switch (opt) {
      case 'q': queue = parse_ms("the queue number", optarg); break;
      case 'd': delay_ms = parse_ms("-d (delay)", optarg); break;
      case 'j': jitter_ms = parse_ms("-j (jitter)", optarg); break;
      case 's': seed = strtoull(optarg, NULL, 10); break;
      default: queue = -1; delay_ms = -1; optind = argc; break;
    }
  }
  if (queue < 0 || delay_ms < 0 || optind != argc) {
    fprintf(stderr, "usage: wan-delay -q QUEUE -d DELAY_MS [-j JITTER_MS] [-s SEED]\n");
    return 2;
  }
  if (jitter_ms > delay_ms) {
    fprintf(stderr, "wan-delay: jitter (%ld ms) larger than the delay (%ld ms)\n", jitter_ms, delay_ms);
    return 2;
  }
  delay_ns = (uint64_t)delay_ms * 1000000u;
  jitter_ns = (uint64_t)jitter_ms * 1000000u;
  rng_state = seed != 0 ? seed : 1;

  struct nfq_handle *h = nfq_open();
  if (h == NULL) { perror("wan-delay: nfq_open (root, and the nfnetlink_queue module?)"); return 1; }
  qh = nfq_create_queue(h, (uint16_t)queue, on_packet, NULL);
  if (qh == NULL) { fprintf(stderr, "wan-delay: cannot bind queue %ld (another program has it?)\n", queue); return 1; }
  if (nfq_set_mode(qh, NFQNL_COPY_META, 0) < 0) { perror("wan-delay: nfq_set_mode"); return 1; }
  if (nfq_set_queue_maxlen(qh, KERNEL_QUEUE_MAX) < 0) perror("wan-delay: nfq_set_queue_maxlen (kept the default)");
  /* GSO: take large segmented packets whole instead of having the kernel split them for us. */
  if (nfq_set_queue_flags(qh, NFQA_CFG_F_GSO, NFQA_CFG_F_GSO) < 0) perror("wan-delay: NFQA_CFG_F_GSO (not set)");
  nfnl_rcvbufsiz(nfq_nfnlh(h), RCVBUF_BYTES);

  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal; /* no SA_RESTART: poll() returns EINTR and the loop sees `stopping` */
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);

  int fd = nfq_fd(h);
  printf("wan-delay: ready, queue %ld, delay %ld ms, jitter %ld ms\n", queue, delay_ms, jitter_ms);
  fflush(stdout);

  static char buf[65536] __attribute__((aligned));
  while (!stopping) {
    int timeout = release_due();
    struct pollfd pfd = { .fd = fd, .events = POLLIN };
    int r = poll(&pfd, 1, timeout);
    if (r < 0) {
      if (errno == EINTR) continue;
      perror("wan-delay: poll");
      break;
    }
    if (r == 0) continue;
    ssize_t len = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    if (len < 0) {
      if (errno == EAGAIN || errno == EINTR) continue;
      if (errno == ENOBUFS) { /* the socket buffer overflowed: the kernel dropped messages */
        n_overflow++;
        fprintf(stderr, "wan-delay: receive buffer overflow (packets lost)\n");
        continue;
      }
      perror("wan-delay: recv");
      break;
    }
    nfq_handle_packet(h, buf, (int)len);
  }
  stopping = 1;
  release_due();
  fprintf(stderr, "wan-delay: stopped; packets %llu, most held at once %llu, overflows %llu, verdict errors %llu\n",
          (unsigned long long)n_packets, (unsigned long long)max_held,
          (unsigned long long)n_overflow, (unsigned long long)n_verdict_errors);
  nfq_destroy_queue(qh);
  nfq_close(h);
  return 0;
}
