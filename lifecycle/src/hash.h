/* The two hashes Cloud Foundry uses to name buildpack directories. */
#ifndef LC_HASH_H
#define LC_HASH_H

#include <stddef.h>
#include <stdint.h>

/* XXH64 with seed 0, as github.com/cespare/xxhash and Cloud Controller use. */
uint64_t xxh64(const void *data, size_t len, uint64_t seed);
/* 16 lower-case hex digits, zero padded (e.g. "00d7b37f249a2722"). */
void xxh64_hex(const char *s, char out[17]);

void md5(const void *data, size_t len, uint8_t digest[16]);
/* 32 lower-case hex digits. */
void md5_hex(const char *s, char out[33]);

#endif
