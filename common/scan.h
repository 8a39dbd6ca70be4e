/* common/scan.h: the byte-scanning helpers that the hot loops share (feed text, post HTML,
 * markdown escaping, the summarizer): they find the next byte that needs attention many
 * bytes at a time instead of one by one.
 *
 * Sixteen bytes a step as a vector (scan_vec): SSE2, which every x86-64 has; elsewhere a
 * plain array of 16 bytes, with the same results. A comparison gives a vector of 0xFF
 * (match) and 0x00 bytes; scan_bits() turns it into a 16-bit mask, bit k for byte k, so
 * __builtin_ctz() of a mask is the first match. Eight bytes a step in a 64-bit word
 * (SWAR) for the tails and for loops that stop at every few words anyway: a flag is the
 * high bit of a byte, and the lowest flagged byte is exact (a borrow only runs upwards). */
#ifndef FEEDSD_SCAN_H
#define FEEDSD_SCAN_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>

typedef __m128i scan_vec;

static inline scan_vec scan_load(const unsigned char *p)
{
    return _mm_loadu_si128((const __m128i *)p);
}

static inline void scan_store(unsigned char *o, scan_vec v)
{
    _mm_storeu_si128((__m128i *)o, v);
}

/* The high bit of each byte: the mask of a comparison, or of the bytes >= 0x80 of data. */
static inline unsigned scan_bits(scan_vec v)
{
    return (unsigned)_mm_movemask_epi8(v);
}

static inline scan_vec scan_or(scan_vec a, scan_vec b)
{
    return _mm_or_si128(a, b);
}

/* Bytes equal to c. */
static inline scan_vec scan_eq(scan_vec v, unsigned char c)
{
    return _mm_cmpeq_epi8(v, _mm_set1_epi8((char)c));
}

/* Bytes <= c, unsigned. */
static inline scan_vec scan_le(scan_vec v, unsigned char c)
{
    return _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8((char)c)), v);
}

/* Bytes in [lo, hi], unsigned (a signed compare after a shift by lo). */
static inline scan_vec scan_range(scan_vec v, unsigned char lo, unsigned char hi)
{
    scan_vec t = _mm_sub_epi8(v, _mm_set1_epi8((char)(unsigned char)(lo + 0x80)));
    return _mm_cmplt_epi8(t, _mm_set1_epi8((char)(unsigned char)(0x80 + hi - lo + 1)));
}

/* Bytes below 0x20 or from 0x80: the controls and everything that is not ASCII (a
 * signed compare with 0x20). */
static inline scan_vec scan_ctl_or_high(scan_vec v)
{
    return _mm_cmplt_epi8(v, _mm_set1_epi8(0x20));
}

/* Each byte OR c (0x20 folds ASCII letters to lower case). */
static inline scan_vec scan_or_byte(scan_vec v, unsigned char c)
{
    return _mm_or_si128(v, _mm_set1_epi8((char)c));
}

#else /* the same on 16 bytes one at a time */

typedef struct {
    unsigned char b[16];
} scan_vec;

static inline scan_vec scan_load(const unsigned char *p)
{
    scan_vec v;
    memcpy(v.b, p, 16);
    return v;
}

static inline void scan_store(unsigned char *o, scan_vec v)
{
    memcpy(o, v.b, 16);
}

static inline unsigned scan_bits(scan_vec v)
{
    unsigned m = 0;
    for (int k = 0; k < 16; k++)
        m |= (unsigned)(v.b[k] >> 7) << k;
    return m;
}

static inline scan_vec scan_or(scan_vec a, scan_vec b)
{
    for (int k = 0; k < 16; k++)
        a.b[k] |= b.b[k];
    return a;
}

#define SCAN_MAP(v, test)                                                                  \
    do {                                                                                   \
        for (int k_ = 0; k_ < 16; k_++) {                                                  \
            unsigned char x_ = (v).b[k_];                                                  \
            (v).b[k_] = (test) ? 0xFF : 0x00;                                              \
        }                                                                                  \
    } while (0)

static inline scan_vec scan_eq(scan_vec v, unsigned char c)
{
    SCAN_MAP(v, x_ == c);
    return v;
}

static inline scan_vec scan_le(scan_vec v, unsigned char c)
{
    SCAN_MAP(v, x_ <= c);
    return v;
}

static inline scan_vec scan_range(scan_vec v, unsigned char lo, unsigned char hi)
{
    SCAN_MAP(v, x_ >= lo && x_ <= hi);
    return v;
}

static inline scan_vec scan_ctl_or_high(scan_vec v)
{
    SCAN_MAP(v, x_ < 0x20 || x_ >= 0x80);
    return v;
}

static inline scan_vec scan_or_byte(scan_vec v, unsigned char c)
{
    for (int k = 0; k < 16; k++)
        v.b[k] |= c;
    return v;
}
#undef SCAN_MAP

#endif

/* ---- eight bytes in a word (SWAR) --------------------------------------------------- */

#define SCAN_ONES 0x0101010101010101ULL
#define SCAN_HIGH 0x8080808080808080ULL

static inline uint64_t scan_word(const unsigned char *p)
{
    uint64_t w;
    memcpy(&w, p, sizeof w);
    return w;
}

/* The high bit of each byte of w below c (c <= 0x80; bytes from 0x80 are not flagged). */
static inline uint64_t scan_word_below(uint64_t w, unsigned char c)
{
    return (w - SCAN_ONES * c) & ~w & SCAN_HIGH;
}

/* The high bit of each byte of w equal to c. */
static inline uint64_t scan_word_eq(uint64_t w, unsigned char c)
{
    uint64_t x = w ^ (SCAN_ONES * c);
    return (x - SCAN_ONES) & ~x & SCAN_HIGH;
}

/* Where the first flagged byte of t (not 0) may be, in memory order: exactly there on a
 * little-endian machine; 0 on a big-endian one, where a borrow runs towards the bytes
 * before it, so the caller's byte loop finds it. */
static inline size_t scan_word_first(uint64_t t)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    return (size_t)__builtin_ctzll(t) / 8;
#else
    (void)t;
    return 0;
#endif
}

/* ---- runs ---------------------------------------------------------------------------- */

/* Length of the run of bytes < 0x80 at the start of p[0..n). */
static inline size_t scan_ascii(const unsigned char *p, size_t n)
{
    size_t i = 0;
    while (i + 16 <= n) {
        unsigned m = scan_bits(scan_load(p + i));
        if (m)
            return i + (size_t)__builtin_ctz(m);
        i += 16;
    }
    while (i < n && p[i] < 0x80)
        i++;
    return i;
}

/* Length of the run of bytes 0x01-0x7F (ASCII but NUL) at the start of p[0..n). */
static inline size_t scan_ascii_nonzero(const unsigned char *p, size_t n)
{
    size_t i = 0;
    while (i + 16 <= n) {
        scan_vec v = scan_load(p + i);
        unsigned m = scan_bits(v) | scan_bits(scan_eq(v, 0));
        if (m)
            return i + (size_t)__builtin_ctz(m);
        i += 16;
    }
    while (i < n && p[i] && p[i] < 0x80)
        i++;
    return i;
}

/* Length of the run of printable ASCII (0x20-0x7F) at the start of p[0..n). */
static inline size_t scan_printable(const unsigned char *p, size_t n)
{
    size_t i = 0;
    while (i + 16 <= n) {
        unsigned m = scan_bits(scan_ctl_or_high(scan_load(p + i)));
        if (m)
            return i + (size_t)__builtin_ctz(m);
        i += 16;
    }
    while (i < n && p[i] >= 0x20 && p[i] < 0x80)
        i++;
    return i;
}

#endif
