/*
 * dp_routing.h - which shard a document lives on, exactly as Elasticsearch.
 *
 * shard = floorMod(murmur3_x86_32(routing), routing_num_shards) / routing_factor
 * where routing is `_routing` when given, else `_id`, hashed as the UTF-16
 * code units of the Java string (each unit little-endian, seed 0), and
 * routing_factor = routing_num_shards / number_of_shards. The same ids land
 * on the same shard numbers as in Elasticsearch. Pure functions.
 */
#ifndef DP_ROUTING_H
#define DP_ROUTING_H

#include <stddef.h>
#include <stdint.h>

/* Murmur3 x86 32-bit of a byte string. */
uint32_t dp_murmur3_32(const void *data, size_t len, uint32_t seed);

/* Elasticsearch's Murmur3HashFunction.hash(String) of a UTF-8 string.
 * Invalid UTF-8 bytes hash as U+FFFD, as Java's decoder would. */
int32_t dp_routing_hash(const char *utf8, size_t len);

/* Shard number for a routing value. */
uint32_t dp_routing_shard(const char *routing, size_t len,
			  uint32_t routing_num_shards, uint32_t number_of_shards);

#endif
