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

enum sipsteer_scan_phase {
	SIPSTEER_SCAN_LINE_START = 0,
	SIPSTEER_SCAN_SKIP_LINE,  /* not our header: wait for LF */
	SIPSTEER_SCAN_LONG_NAME,  /* matching "call-id" */
	SIPSTEER_SCAN_SHORT_NAME, /* saw "i" */
	SIPSTEER_SCAN_AFTER_NAME, /* name matched, optional SP/HTAB then ':' */
	SIPSTEER_SCAN_VALUE_WS,   /* after ':', leading SP/HTAB */
	SIPSTEER_SCAN_VALUE,      /* inside the value */
	SIPSTEER_SCAN_FOUND,
	SIPSTEER_SCAN_END,        /* end of header section, no Call-ID */
};

struct sipsteer_scan_state {
	__u32 len;          /* bytes in the scratch buffer */
	__u32 phase;        /* enum sipsteer_scan_phase */
	__u32 matched;      /* characters of "call-id" matched so far */
	__u32 value_start;  /* offset of the value's first byte */
	__u32 value_end;    /* offset after the value's last non-blank byte */
};

static __always_inline __u8 sipsteer_lower(__u8 c)
{
	return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

/* One byte of the state machine. Returns 1 when the scan is over. */
static __always_inline int sipsteer_scan_byte(struct sipsteer_scan_state *st, __u32 pos, __u8 c)
{
	const int blank = c == ' ' || c == '\t';
	const int eol = c == '\r' || c == '\n';
	switch (st->phase) {
	case SIPSTEER_SCAN_LINE_START:
		if (eol) {
			/* An empty line ends the header section (CRLF CRLF, or a
			 * bare LF as lenient parsers accept). */
			st->phase = SIPSTEER_SCAN_END;
			return 1;
		}
		if (sipsteer_lower(c) == 'c') {
			st->phase = SIPSTEER_SCAN_LONG_NAME;
			st->matched = 1;
		} else if (sipsteer_lower(c) == 'i') {
			st->phase = SIPSTEER_SCAN_SHORT_NAME;
		} else {
			st->phase = SIPSTEER_SCAN_SKIP_LINE;
		}
		return 0;
	case SIPSTEER_SCAN_LONG_NAME: {
		/* "call-id"[matched] without a string table: a switch keeps the
		 * verifier from needing a bounded .rodata index. */
		__u8 want;
		switch (st->matched) {
		case 1: want = 'a'; break;
		case 2: want = 'l'; break;
		case 3: want = 'l'; break;
		case 4: want = '-'; break;
		case 5: want = 'i'; break;
		default: want = 'd'; break;
		}
		if (sipsteer_lower(c) == want) {
			if (++st->matched == 7)
				st->phase = SIPSTEER_SCAN_AFTER_NAME;
			return 0;
		}
		break; /* not our header */
	}
	case SIPSTEER_SCAN_SHORT_NAME:
	case SIPSTEER_SCAN_AFTER_NAME:
		if (c == ':') {
			st->phase = SIPSTEER_SCAN_VALUE_WS;
			return 0;
		}
		if (blank) {
			st->phase = SIPSTEER_SCAN_AFTER_NAME;
			return 0;
		}
		break;
	case SIPSTEER_SCAN_VALUE_WS:
		if (blank)
			return 0;
		if (eol)
			break; /* empty value: keep looking */
		st->value_start = pos;
		st->value_end = pos + 1;
		st->phase = SIPSTEER_SCAN_VALUE;
		return 0;
	case SIPSTEER_SCAN_VALUE:
		if (eol) {
			st->phase = SIPSTEER_SCAN_FOUND;
			return 1;
		}
		if (!blank)
			st->value_end = pos + 1;
		return 0;
	default:
		break;
	}
	/* Rest of a line that is not a Call-ID header. */
	st->phase = c == '\n' ? SIPSTEER_SCAN_LINE_START : SIPSTEER_SCAN_SKIP_LINE;
	return 0;
}

#endif /* SIPSTEER_BPF_LIB_SIP_SCAN_H */
