/* XXH64 from Debian's libxxhash-dev (xxhash.h, compiled in with XXH_INLINE_ALL:
 * nothing to link, the same code for both architectures). */
#include "hash.h"

#include <stdio.h>
#include <string.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

uint64_t xxh64(const void *data, size_t len, uint64_t seed) { return XXH64(data, len, seed); }

void xxh64_hex(const char *s, char out[17]) {
    snprintf(out, 17, "%016llx", (unsigned long long)XXH64(s, strlen(s), 0));
}
