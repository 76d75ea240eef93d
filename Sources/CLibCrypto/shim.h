// The modulemap needs a header inside this folder; the real ones are the system's.
#include <openssl/evp.h>
#include <openssl/hmac.h>
