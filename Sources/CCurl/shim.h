// The modulemap needs a header inside this folder; the real one is the system's.
#include <curl/curl.h>
