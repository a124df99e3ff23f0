/* sb_osprey.h - Osprey's storage engine behind pf_engine.h (sb_osprey.c). */
#ifndef SB_OSPREY_H
#define SB_OSPREY_H

#include <stdbool.h>

#include "pf_engine.h"

extern const pf_engine_ops_t pf_engine_osprey;

/* Store _source (off by default: the peers store no document text). Call
 * before open. */
void
sb_osprey_keep_source(bool on);

#endif
