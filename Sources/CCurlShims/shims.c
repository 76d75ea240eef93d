// Why this file exists: curl_easy_setopt and curl_easy_getinfo are C-variadic, which Swift
// cannot call. One function does the whole POST, so Swift never holds a CURL handle.
#include "CCurlShims.h"

#include <pthread.h>
#include <string.h>
#include <curl/curl.h>

static pthread_once_t cthp_once = PTHREAD_ONCE_INIT;

static void cthp_global_init(void) {
    // Not thread-safe itself: once per process.
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

static size_t cthp_write(char *data, size_t size, size_t count, void *context) {
    cthp_result *r = context;
    size_t n = size * count;
    size_t room = sizeof r->body - 1 - r->body_length;
    size_t take = n < room ? n : room;
    memcpy(r->body + r->body_length, data, take);
    r->body_length += take;
    r->body[r->body_length] = 0;
    return n;
}

void cthp_init(void) {
    pthread_once(&cthp_once, cthp_global_init);
    CURL *curl = curl_easy_init();
    if (curl) curl_easy_cleanup(curl);
}

int cthp_post(const char *url, const char *const *headers, size_t header_count, const void *body,
              size_t body_length, long timeout_ms, long connect_timeout_ms, const char *ca_file,
              cthp_result *result) {
    pthread_once(&cthp_once, cthp_global_init);
    memset(result, 0, sizeof *result);
    CURL *curl = curl_easy_init();
    if (!curl) {
        result->curl_code = CURLE_FAILED_INIT;
        strcpy(result->error, "curl_easy_init failed");
        return result->curl_code;
    }
    struct curl_slist *list = NULL;
    for (size_t i = 0; i < header_count; i++) list = curl_slist_append(list, headers[i]);
    // No "Expect: 100-continue" round trip before the body.
    list = curl_slist_append(list, "Expect:");
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_length);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, connect_timeout_ms);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
    if (ca_file) curl_easy_setopt(curl, CURLOPT_CAINFO, ca_file);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, result->error);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, cthp_write);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, result);
    CURLcode code = curl_easy_perform(curl);
    result->curl_code = (int)code;
    if (code == CURLE_OK) curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &result->status);
    else if (!result->error[0]) strncpy(result->error, curl_easy_strerror(code), sizeof result->error - 1);
    curl_easy_getinfo(curl, CURLINFO_TOTAL_TIME, &result->seconds);
    curl_slist_free_all(list);
    curl_easy_cleanup(curl);
    return (int)code;
}
