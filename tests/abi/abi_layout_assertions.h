/* Field offsets of every ABI struct, asserted identically by the C, C++ and
 * BPF (clang -target bpf) compilations in this folder. If any of the three
 * compilers lays a struct out differently, its build fails. */
#ifndef SIPSTEER_TESTS_ABI_LAYOUT_ASSERTIONS_H
#define SIPSTEER_TESTS_ABI_LAYOUT_ASSERTIONS_H

#include <sipsteer/abi/counters.h>
#include <sipsteer/abi/events.h>
#include <sipsteer/abi/proto.h>
#include <sipsteer/abi/table.h>

#define ABI_OFFSET(type, field, off) \
	SIPSTEER_STATIC_ASSERT(__builtin_offsetof(struct type, field) == (off), #type "." #field)

ABI_OFFSET(sipsteer_table_header, generation, 8);
ABI_OFFSET(sipsteer_table_header, total_size, 16);
ABI_OFFSET(sipsteer_table_header, slots_offset, 48);
ABI_OFFSET(sipsteer_table_header, hash_key, 56);
ABI_OFFSET(sipsteer_vip, port, 16);
ABI_OFFSET(sipsteer_vip, mode, 19);
ABI_OFFSET(sipsteer_vip, pool, 20);
ABI_OFFSET(sipsteer_pool, ring_size, 4);
ABI_OFFSET(sipsteer_pool, server_count, 12);
ABI_OFFSET(sipsteer_pool, retry_after_s, 16);
ABI_OFFSET(sipsteer_server, port, 16);
ABI_OFFSET(sipsteer_server, weight, 24);
ABI_OFFSET(sipsteer_server, server_id, 28);
ABI_OFFSET(sipsteer_server, mac, 32);
ABI_OFFSET(sipsteer_server, flags, 38);
ABI_OFFSET(sipsteer_event, server_id, 8);
ABI_OFFSET(sipsteer_event, timestamp_ns, 16);
ABI_OFFSET(sipsteer_event, reporter, 32);
ABI_OFFSET(sipsteer_event, quoted_dst, 64);
ABI_OFFSET(sipsteer_event, quoted_sport, 80);
ABI_OFFSET(sipsteer_msg_header, length, 8);
ABI_OFFSET(sipsteer_msg_hello, generation, 8);
ABI_OFFSET(sipsteer_msg_table_ack, apply_ns, 12);
ABI_OFFSET(sipsteer_counters_header, port_count, 24);
ABI_OFFSET(sipsteer_server_counters, values, 8);

/* Every struct is a multiple of 8 bytes so arrays of it stay aligned in blobs. */
SIPSTEER_STATIC_ASSERT(sizeof(struct sipsteer_table_header) % 8 == 0, "header align");
SIPSTEER_STATIC_ASSERT(sizeof(struct sipsteer_vip) % 8 == 0, "vip align");
SIPSTEER_STATIC_ASSERT(sizeof(struct sipsteer_pool) % 8 == 0, "pool align");
SIPSTEER_STATIC_ASSERT(sizeof(struct sipsteer_server) % 8 == 0, "server align");
SIPSTEER_STATIC_ASSERT(sizeof(struct sipsteer_event) % 8 == 0, "event align");
SIPSTEER_STATIC_ASSERT(SIPSTEER_MAX_SERVERS < SIPSTEER_SLOT_EMPTY, "slot index fits __u16");

#endif
