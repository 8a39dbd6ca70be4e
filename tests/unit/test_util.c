/* tests/unit/test_util.c: the stable hashes of common/util.h. Their values are stored in
 * databases (keys, content hashes, body hashes) and in file names, so they are pinned to
 * published reference values, not to whatever the code gives today. Also the one format
 * of durations and counts that people read (status, list, check, log lines). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/util.h"

/* FNV-1a 64-bit reference values (the FNV authors' test suite). */
static void test_hash64_fnv1a_vectors(void **state)
{
    (void)state;
    assert_true(hash64("", 0) == 0xcbf29ce484222325ULL);
    assert_true(hash64("a", 1) == 0xaf63dc4c8601ec8cULL);
    assert_true(hash64("foobar", 6) == 0x85944171f73967e8ULL);
    assert_true(hash64_update(hash64("foo", 3), "bar", 3) == hash64("foobar", 6));
}

/* hash_hex: 16 lower-case digits, zero-padded, as the stored body_hash has always been
 * (snprintf's "%016llx"). */
static void test_hash_hex_digits(void **state)
{
    (void)state;
    char out[17];
    const uint64_t v[] = {0, 1, 0xabcdef0123456789ULL, UINT64_MAX, 0x00f0000000000a0bULL};
    for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
        char want[32];
        snprintf(want, sizeof want, "%016llx", (unsigned long long)v[i]);
        memset(out, 'x', sizeof out);
        hash_hex(v[i], out);
        assert_string_equal(out, want);
    }
}

/* XXH64 reference values: the short strings are the ones xxHash's own documentation and
 * ports use; the generated buffer is xxHash's sanity-check buffer (each byte the top byte
 * of a 32-bit generator squared at every step), whose lengths 1, 14 and 101 reach every
 * branch (32-byte stripes, 8-byte, 4-byte and 1-byte tails). */
static void test_hash_xxh64_vectors(void **state)
{
    (void)state;
    const uint32_t prime = 2654435761U;
    unsigned char sanity[101];
    uint32_t gen = prime;
    for (size_t i = 0; i < sizeof sanity; i++) {
        sanity[i] = (unsigned char)(gen >> 24);
        gen *= gen;
    }
    assert_true(hash_xxh64("", 0, 0) == 0xEF46DB3751D8E999ULL);
    assert_true(hash_xxh64("", 0, prime) == 0xAC75FDA2929B17EFULL);
    assert_true(hash_xxh64("a", 1, 0) == 0xD24EC4F1A98C6E5BULL);
    assert_true(hash_xxh64("abc", 3, 0) == 0x44BC2CF5AD770999ULL);
    const char *nobody = "Nobody inspects the spammish repetition";
    assert_true(hash_xxh64(nobody, strlen(nobody), 0) == 0xFBCEA83C8A378BF1ULL);
    assert_true(hash_xxh64(sanity, 1, 0) == 0x4FCE394CC88952D8ULL);
    assert_true(hash_xxh64(sanity, 1, prime) == 0x739840CB819FA723ULL);
    assert_true(hash_xxh64(sanity, 14, 0) == 0xCFFA8DB881BC3A3DULL);
    assert_true(hash_xxh64(sanity, 14, prime) == 0x5B9611585EFCC9CBULL);
    assert_true(hash_xxh64(sanity, 101, 0) == 0x0EAB543384F878ADULL);
    assert_true(hash_xxh64(sanity, 101, prime) == 0xCAA65939306F1E21ULL);
}

/* The result does not depend on where the data starts (lanes are read bytewise). */
static void test_hash_xxh64_unaligned(void **state)
{
    (void)state;
    char a[80], b[81];
    for (size_t i = 0; i < sizeof a; i++)
        a[i] = (char)('A' + i % 26);
    memcpy(b + 1, a, sizeof a);
    assert_true(hash_xxh64(a, sizeof a, 7) == hash_xxh64(b + 1, sizeof a, 7));
    assert_true(hash_xxh64(a, sizeof a, 7) != hash_xxh64(a, sizeof a - 1, 7));
}

/* Pieces of every size, at every split, give the one-shot digest (the spooled body's hash
 * must equal the in-memory body's). */
static void test_hash_xxh64_pieces(void **state)
{
    (void)state;
    unsigned char data[300];
    uint32_t gen = 2654435761U;
    for (size_t i = 0; i < sizeof data; i++) {
        data[i] = (unsigned char)(gen >> 24);
        gen *= gen;
    }
    for (size_t len = 0; len <= sizeof data; len += len < 70 ? 1 : 23) {
        uint64_t want = hash_xxh64(data, len, 0);
        for (size_t piece = 1; piece <= 70; piece += piece < 10 ? 1 : 13) {
            struct XXH64_state_s *s = hash_xxh64_new(0);
            for (size_t off = 0; off < len; off += piece)
                hash_xxh64_update(s, data + off, len - off < piece ? len - off : piece);
            if (hash_xxh64_digest(s) != want)
                fail_msg("length %zu in pieces of %zu: streaming digest differs", len, piece);
            hash_xxh64_free(s);
        }
    }
    struct XXH64_state_s *s = hash_xxh64_new(2654435761U);
    hash_xxh64_update(s, data, 14);
    assert_true(hash_xxh64_digest(s) == 0x5B9611585EFCC9CBULL);
    hash_xxh64_free(s);
}

static const char *dur(int64_t s)
{
    static char out[32];
    duration_format(s, out, sizeof out);
    return out;
}

/* One format for every duration a person reads: the two largest units, the second with
 * two digits, none when it is zero; what config_parse_duration reads back. */
static void test_duration_format(void **state)
{
    (void)state;
    assert_string_equal(dur(0), "0s");
    assert_string_equal(dur(59), "59s");
    assert_string_equal(dur(60), "1m");
    assert_string_equal(dur(61), "1m01s");
    assert_string_equal(dur(941), "15m41s");
    assert_string_equal(dur(3511), "58m31s");
    assert_string_equal(dur(3599), "59m59s");
    assert_string_equal(dur(3600), "1h");
    assert_string_equal(dur(3660), "1h01m");
    assert_string_equal(dur(3719), "1h01m");      /* seconds are dropped past an hour */
    assert_string_equal(dur(21600), "6h");
    assert_string_equal(dur(86399), "23h59m");
    assert_string_equal(dur(86400), "1d");
    assert_string_equal(dur(90000), "1d01h");
    assert_string_equal(dur(172800), "2d");
    assert_string_equal(dur(30 * 86400 + 7200), "30d02h");
    assert_string_equal(dur(-300), "-5m");
    assert_string_equal(dur(-61), "-1m01s");
    char small[4];
    duration_format(3660, small, sizeof small);    /* cut, still terminated */
    assert_string_equal(small, "1h0");
    assert_string_equal(dur(INT64_MAX), "106751991167300d15h");
    assert_string_equal(dur(-INT64_MAX), "-106751991167300d15h");
    char one[1] = {'x'}, none[1] = {'x'};
    duration_format(59, one, sizeof one);
    assert_int_equal(one[0], '\0');
    duration_format(59, none, 0);                   /* no room: nothing written */
    assert_int_equal(none[0], 'x');
}

static void expect_path(const char *in, const char *want)
{
    char *got = path_normalize(in);
    if (strcmp(got, want))
        fail_msg("path_normalize(\"%s\") = \"%s\", want \"%s\"", in, got, want);
    free(got);
}

/* Paths in messages: "examples/../var/feedsd.db" is "var/feedsd.db", but ".." after a
 * symbolic link stays (it leads to the link target's folder). */
static void test_path_normalize(void **state)
{
    (void)state;
    expect_path("examples/../var/feedsd.db", "var/feedsd.db");
    expect_path("/srv/./site//content/", "/srv/site/content");
    expect_path("a/b/../../c", "c");
    expect_path("a/..", ".");
    expect_path("", ".");
    expect_path("./", ".");
    expect_path("../var/x.db", "../var/x.db");
    expect_path("../../x", "../../x");
    expect_path("/../x", "/x");
    expect_path("/", "/");
    expect_path("a/../../x", "../x");
    char dir[] = "/tmp/feedsd-test-path-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char *real = xasprintf("%s/real", dir), *link = xasprintf("%s/link", dir);
    assert_int_equal(mkdir(real, 0755), 0);
    assert_int_equal(symlink(real, link), 0);
    char *in = xasprintf("%s/link/../x", dir), *in2 = xasprintf("%s/real/../x", dir);
    char *want2 = xasprintf("%s/x", dir);
    expect_path(in, in);        /* link/.. is the folder above the link's target: kept */
    expect_path(in2, want2);
    char *in3 = xasprintf("%s/link/../..", dir);
    expect_path(in3, in3);
    unlink(link);
    rmdir(real);
    rmdir(dir);
    free(real), free(link), free(in), free(in2), free(want2), free(in3);
}

static void test_plurals(void **state)
{
    (void)state;
    char out[32];
    assert_string_equal(plural(1, "entry", "entries"), "entry");
    assert_string_equal(plural(0, "entry", "entries"), "entries");
    assert_string_equal(plural(2, "feed", "feeds"), "feeds");
    assert_string_equal(times_format(1, out, sizeof out), "once");
    assert_string_equal(times_format(2, out, sizeof out), "2 times");
    assert_string_equal(times_format(0, out, sizeof out), "0 times");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hash64_fnv1a_vectors),
        cmocka_unit_test(test_hash_hex_digits),
        cmocka_unit_test(test_hash_xxh64_vectors),
        cmocka_unit_test(test_hash_xxh64_unaligned),
        cmocka_unit_test(test_hash_xxh64_pieces),
        cmocka_unit_test(test_duration_format),
        cmocka_unit_test(test_plurals),
        cmocka_unit_test(test_path_normalize),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
