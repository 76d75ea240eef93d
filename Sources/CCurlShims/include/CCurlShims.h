#ifndef CCURLSHIMS_H
#define CCURLSHIMS_H

#include <stddef.h>

/// The outcome of one POST.
typedef struct {
    /// The HTTP status, or 0 when no response arrived.
    long status;
    /// CURLcode: 0 when a response arrived (whatever its status).
    int curl_code;
    /// libcurl's error text when curl_code != 0.
    char error[256];
    /// The start of the response body (for logs).
    char body[512];
    size_t body_length;
    /// Seconds the request took.
    double seconds;
} cthp_result;

/// Initializes libcurl (and the TLS library under it) now rather than at the first POST,
/// which otherwise pays for it (seconds under emulation). Idempotent, thread-safe.
void cthp_init(void);

/// POSTs `body` to `url` with `headers` ("Name: value"), within `timeout_ms` (connect within
/// `connect_timeout_ms`), verifying TLS (against `ca_file` too when not NULL). No redirects are
/// followed (a POST must not silently go elsewhere). Thread-safe. Returns the CURLcode.
int cthp_post(const char *url, const char *const *headers, size_t header_count, const void *body,
              size_t body_length, long timeout_ms, long connect_timeout_ms, const char *ca_file,
              cthp_result *result);

#endif
