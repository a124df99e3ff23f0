/*
 * dp_indices_ext.h - route families of the index APIs beyond create/get/
 * delete (rest_indices.c): blocks, cache clear and resolve
 * (rest_indices_block.c), recovery, shard stores, field usage and field
 * mappings (rest_indices_info.c), rollover (rest_rollover.c) and
 * segments (rest_segments.c).
 */
#ifndef DP_INDICES_EXT_H
#define DP_INDICES_EXT_H

void rest_indices_block_routes(void);
void rest_indices_info_routes(void);
void rest_rollover_routes(void);
void rest_segments_routes(void);

#endif
