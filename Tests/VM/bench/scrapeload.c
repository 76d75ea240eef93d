/* scrapeload PORT CLIENTS SECONDS [PATH]: CLIENTS threads, each on a keep-alive connection to
   127.0.0.1:PORT, GET PATH (default /metrics) one after another for SECONDS; prints the
   scrapes completed per second, all clients together, and the bytes of the last body.
   A response that is not 200 is an error (exit 1). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int port;
static const char *path = "/metrics";
static double deadline;
static long bodybytes;

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int connect_local(void) {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(s, (struct sockaddr *)&a, sizeof a) < 0) {
        perror("connect");
        exit(1);
    }
    return s;
}

/* One GET on `s`: 0 when a whole 200 response was read, -1 when the connection closed. */
static int scrape(int s, char *buf, size_t cap) {
    char req[256];
    int n = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: bench\r\n\r\n", path);
    if (write(s, req, n) != n) return -1;
    size_t have = 0;
    char *end = NULL;
    while (!end) {
        ssize_t r = read(s, buf + have, cap - have - 1);
        if (r <= 0) return -1;
        have += r;
        buf[have] = 0;
        end = strstr(buf, "\r\n\r\n");
    }
    if (strncmp(buf, "HTTP/1.1 200", 12) != 0) {
        fprintf(stderr, "scrapeload: %.*s\n", (int)(strchr(buf, '\r') - buf), buf);
        exit(1);
    }
    char *cl = strcasestr(buf, "\r\ncontent-length:");
    if (!cl || cl > end) {
        fprintf(stderr, "scrapeload: no Content-Length\n");
        exit(1);
    }
    long body = atol(cl + 17);
    long got = (long)(have - (end + 4 - buf));
    while (got < body) {
        ssize_t r = read(s, buf, cap);
        if (r <= 0) return -1;
        got += r;
    }
    bodybytes = body;
    return 0;
}

static void *client(void *arg) {
    long *count = arg;
    size_t cap = 1 << 16;
    char *buf = malloc(cap);
    int s = connect_local();
    while (now() < deadline) {
        if (scrape(s, buf, cap) == 0) {
            (*count)++;
        } else {
            close(s);
            s = connect_local();
        }
    }
    close(s);
    free(buf);
    return NULL;
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: scrapeload PORT CLIENTS SECONDS [PATH]\n");
        return 2;
    }
    port = atoi(argv[1]);
    int clients = atoi(argv[2]);
    double seconds = atof(argv[3]);
    if (argc > 4) path = argv[4];
    pthread_t *threads = calloc(clients, sizeof *threads);
    long *counts = calloc(clients, sizeof *counts);
    double start = now();
    deadline = start + seconds;
    for (int i = 0; i < clients; i++) pthread_create(&threads[i], NULL, client, &counts[i]);
    long total = 0;
    for (int i = 0; i < clients; i++) {
        pthread_join(threads[i], NULL);
        total += counts[i];
    }
    double elapsed = now() - start;
    printf("scrapes with %d clients: %.2f per second (%ld in %.1f s, %ld bytes each)\n", clients, total / elapsed, total, elapsed,
           bodybytes);
    return 0;
}
