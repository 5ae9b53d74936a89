/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Bounded Call-ID scan for XDP. The caller copies the first `len` bytes of
 * the UDP payload (len <= SIPSTEER_SCRATCH_SIZE, the scan bound) into a
 * scratch buffer; this finds the value of the first `Call-ID` or compact `i`
 * header (names case-insensitive, RFC 3261 7.3.1), trimmed of leading and
 * trailing SP/HTAB, ending at CR or LF.
 *
 * Not found (caller's fallback applies) when: the header section ends (empty
 * line) first; the value does not end with CR/LF inside the scanned bytes
 * (message longer than the scan bound, or cut); the value is empty.
 * Header folding (obsolete line continuation) is not followed: the value ends
 * at the first line end. The first of several Call-ID headers wins.
 */
#ifndef SIPSTEER_BPF_LIB_SIP_SCAN_H
#define SIPSTEER_BPF_LIB_SIP_SCAN_H

#include "siphash.h"

/*
 * A table-driven state machine: next = next_phase[phase][class(byte)]. Tables
 * rather than a switch because the verifier walks a bpf_loop callback until
 * its states converge: with phases as branch constants every byte multiplied
 * the paths ("sequence of 8193 jumps is too complex"); a phase loaded from a
 * .rodata table is one unknown scalar, and the callback converges at once.
 */
enum sipsteer_scan_phase {
	SIPSTEER_SCAN_LINE_START = 0,
	SIPSTEER_SCAN_SKIP_LINE = 1,  /* not our header: wait for LF */
	SIPSTEER_SCAN_C = 2,          /* matched "c" of "call-id" */
	SIPSTEER_SCAN_CA = 3,
	SIPSTEER_SCAN_CAL = 4,
	SIPSTEER_SCAN_CALL = 5,
	SIPSTEER_SCAN_CALL_ = 6,      /* matched "call-" */
	SIPSTEER_SCAN_CALL_I = 7,     /* matched "call-i" */
	SIPSTEER_SCAN_AFTER_NAME = 8, /* "call-id" or "i": SP/HTAB then ':' */
	SIPSTEER_SCAN_VALUE_WS = 9,   /* after ':', leading SP/HTAB */
	SIPSTEER_SCAN_VALUE = 10,     /* inside the value */
	SIPSTEER_SCAN_FOUND = 11,     /* value ended by CR or LF */
	SIPSTEER_SCAN_END = 12,       /* empty line: header section over */
	SIPSTEER_SCAN_PHASES = 13,
};

/* Byte classes. */
enum {
	SIPSTEER_CC_OTHER = 0, SIPSTEER_CC_C, SIPSTEER_CC_A, SIPSTEER_CC_L, SIPSTEER_CC_DASH,
	SIPSTEER_CC_I, SIPSTEER_CC_D, SIPSTEER_CC_BLANK, SIPSTEER_CC_COLON, SIPSTEER_CC_CR,
	SIPSTEER_CC_LF, SIPSTEER_CC_COUNT,
};

/* Rows start from a range default and override single entries. */
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Winitializer-overrides"
#define SIPSTEER_CC_LETTER(upper, cls) [upper] = cls, [upper + ('a' - 'A')] = cls
static const __u8 sipsteer_scan_class[256] = {
	SIPSTEER_CC_LETTER('C', SIPSTEER_CC_C), SIPSTEER_CC_LETTER('A', SIPSTEER_CC_A),
	SIPSTEER_CC_LETTER('L', SIPSTEER_CC_L), SIPSTEER_CC_LETTER('I', SIPSTEER_CC_I),
	SIPSTEER_CC_LETTER('D', SIPSTEER_CC_D), ['-'] = SIPSTEER_CC_DASH,
	[' '] = SIPSTEER_CC_BLANK, ['\t'] = SIPSTEER_CC_BLANK, [':'] = SIPSTEER_CC_COLON,
	['\r'] = SIPSTEER_CC_CR, ['\n'] = SIPSTEER_CC_LF,
};

#define SIPSTEER_S(x) SIPSTEER_SCAN_##x
/* Row: a name-matching phase; `cls` continues the name into `next`. Any
 * other byte abandons the line (LF starts the next one). */
#define SIPSTEER_NAME_ROW(cls, next)                                                      \
	{ [0 ... SIPSTEER_CC_COUNT - 1] = SIPSTEER_S(SKIP_LINE), [cls] = SIPSTEER_S(next),   \
	  [SIPSTEER_CC_LF] = SIPSTEER_S(LINE_START) }
static const __u8 sipsteer_scan_next[SIPSTEER_SCAN_PHASES][SIPSTEER_CC_COUNT] = {
	[SIPSTEER_SCAN_LINE_START] = { [0 ... SIPSTEER_CC_COUNT - 1] = SIPSTEER_S(SKIP_LINE),
				       [SIPSTEER_CC_C] = SIPSTEER_S(C),
				       [SIPSTEER_CC_I] = SIPSTEER_S(AFTER_NAME),
				       [SIPSTEER_CC_CR] = SIPSTEER_S(END),
				       [SIPSTEER_CC_LF] = SIPSTEER_S(END) },
	[SIPSTEER_SCAN_SKIP_LINE] = { [0 ... SIPSTEER_CC_COUNT - 1] = SIPSTEER_S(SKIP_LINE),
				      [SIPSTEER_CC_LF] = SIPSTEER_S(LINE_START) },
	[SIPSTEER_SCAN_C] = SIPSTEER_NAME_ROW(SIPSTEER_CC_A, CA),
	[SIPSTEER_SCAN_CA] = SIPSTEER_NAME_ROW(SIPSTEER_CC_L, CAL),
	[SIPSTEER_SCAN_CAL] = SIPSTEER_NAME_ROW(SIPSTEER_CC_L, CALL),
	[SIPSTEER_SCAN_CALL] = SIPSTEER_NAME_ROW(SIPSTEER_CC_DASH, CALL_),
	[SIPSTEER_SCAN_CALL_] = SIPSTEER_NAME_ROW(SIPSTEER_CC_I, CALL_I),
	[SIPSTEER_SCAN_CALL_I] = SIPSTEER_NAME_ROW(SIPSTEER_CC_D, AFTER_NAME),
	[SIPSTEER_SCAN_AFTER_NAME] = { [0 ... SIPSTEER_CC_COUNT - 1] = SIPSTEER_S(SKIP_LINE),
				       [SIPSTEER_CC_BLANK] = SIPSTEER_S(AFTER_NAME),
				       [SIPSTEER_CC_COLON] = SIPSTEER_S(VALUE_WS),
				       [SIPSTEER_CC_LF] = SIPSTEER_S(LINE_START) },
	/* An empty value does not count: keep looking on the next line. */
	[SIPSTEER_SCAN_VALUE_WS] = { [0 ... SIPSTEER_CC_COUNT - 1] = SIPSTEER_S(VALUE),
				     [SIPSTEER_CC_BLANK] = SIPSTEER_S(VALUE_WS),
				     [SIPSTEER_CC_CR] = SIPSTEER_S(SKIP_LINE),
				     [SIPSTEER_CC_LF] = SIPSTEER_S(LINE_START) },
	[SIPSTEER_SCAN_VALUE] = { [0 ... SIPSTEER_CC_COUNT - 1] = SIPSTEER_S(VALUE),
				  [SIPSTEER_CC_CR] = SIPSTEER_S(FOUND),
				  [SIPSTEER_CC_LF] = SIPSTEER_S(FOUND) },
	[SIPSTEER_SCAN_FOUND] = { [0 ... SIPSTEER_CC_COUNT - 1] = SIPSTEER_S(FOUND) },
	[SIPSTEER_SCAN_END] = { [0 ... SIPSTEER_CC_COUNT - 1] = SIPSTEER_S(END) },
};
#undef SIPSTEER_NAME_ROW
#undef SIPSTEER_S
#undef SIPSTEER_CC_LETTER
#pragma clang diagnostic pop

struct sipsteer_scan_state {
	__u32 len;          /* bytes in the scratch buffer */
	__u32 phase;        /* enum sipsteer_scan_phase */
	__u32 value_start;  /* offset of the value's first byte */
	__u32 value_end;    /* offset after the value's last non-blank byte */
};

/* One byte of the state machine. Returns 1 when the scan is over. */
static __always_inline int sipsteer_scan_byte(struct sipsteer_scan_state *st, __u32 pos, __u8 c)
{
	__u32 phase = st->phase;
	if (phase >= SIPSTEER_SCAN_PHASES)
		return 1;
	__u8 cls = sipsteer_scan_class[c];
	if (cls >= SIPSTEER_CC_COUNT)
		return 1;
	__u32 next = sipsteer_scan_next[phase][cls];
	if (next == SIPSTEER_SCAN_VALUE) {
		if (phase != SIPSTEER_SCAN_VALUE)
			st->value_start = pos;
		if (cls != SIPSTEER_CC_BLANK)
			st->value_end = pos + 1;
	}
	st->phase = next;
	return next == SIPSTEER_SCAN_FOUND || next == SIPSTEER_SCAN_END;
}

#endif /* SIPSTEER_BPF_LIB_SIP_SCAN_H */
