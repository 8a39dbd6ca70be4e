/* tests/unit/test_address.c: fetch_address_allowed, the check of every address feedsd
 * connects to (fetch/fetch.c). Each range of the IANA special-purpose address registries
 * (RFC 6890 and its updates) that is not globally reachable, and each form that embeds an
 * IPv4 address (mapped, translated, NAT64, 6to4, Teredo), is checked on both sides of each
 * of its boundaries: the first and last address inside, the neighbours outside. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "fetch/fetch.h"

struct addr_case {
    const char *addr;
    int allowed;
};

static int allowed(const char *text, int allow_private)
{
    struct sockaddr_in v4 = {.sin_family = AF_INET};
    struct sockaddr_in6 v6 = {.sin6_family = AF_INET6};
    if (inet_pton(AF_INET, text, &v4.sin_addr) == 1)
        return fetch_address_allowed((const struct sockaddr *)&v4, allow_private);
    if (inet_pton(AF_INET6, text, &v6.sin6_addr) == 1)
        return fetch_address_allowed((const struct sockaddr *)&v6, allow_private);
    fail_msg("bad test address %s", text);
    return -1;
}

static void check(const struct addr_case *c, size_t n)
{
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        int got = allowed(c[i].addr, 0);
        if (got != c[i].allowed) {
            print_error("%s: %s, want %s\n", c[i].addr, got ? "allowed" : "refused",
                        c[i].allowed ? "allowed" : "refused");
            bad++;
        }
        /* allow_private = yes lets everything through */
        assert_int_equal(allowed(c[i].addr, 1), 1);
    }
    if (bad)
        fail_msg("%d addresses decided wrongly", bad);
}

static const struct addr_case v4_cases[] = {
    {"0.0.0.0", 0}, {"0.255.255.255", 0}, {"1.0.0.0", 1},                   /* 0/8 */
    {"9.255.255.255", 1}, {"10.0.0.0", 0}, {"10.255.255.255", 0}, {"11.0.0.0", 1},
    {"100.63.255.255", 1}, {"100.64.0.0", 0}, {"100.127.255.255", 0}, {"100.128.0.0", 1},
    {"126.255.255.255", 1}, {"127.0.0.0", 0}, {"127.0.0.1", 0}, {"127.255.255.255", 0},
    {"128.0.0.0", 1},
    {"169.253.255.255", 1}, {"169.254.0.0", 0}, {"169.254.169.254", 0},
    {"169.254.255.255", 0}, {"169.255.0.0", 1},
    {"172.15.255.255", 1}, {"172.16.0.0", 0}, {"172.31.255.255", 0}, {"172.32.0.0", 1},
    {"191.255.255.255", 1}, {"192.0.0.0", 0}, {"192.0.0.9", 0}, {"192.0.0.255", 0},
    {"192.0.1.0", 1},                                                          /* 192.0.0/24 */
    {"192.0.1.255", 1}, {"192.0.2.0", 0}, {"192.0.2.255", 0}, {"192.0.3.0", 1},
    {"192.88.98.255", 1}, {"192.88.99.0", 0}, {"192.88.99.255", 0}, {"192.88.100.0", 1},
    {"192.167.255.255", 1}, {"192.168.0.0", 0}, {"192.168.255.255", 0}, {"192.169.0.0", 1},
    {"198.17.255.255", 1}, {"198.18.0.0", 0}, {"198.19.255.255", 0}, {"198.20.0.0", 1},
    {"198.51.99.255", 1}, {"198.51.100.0", 0}, {"198.51.100.255", 0}, {"198.51.101.0", 1},
    {"203.0.112.255", 1}, {"203.0.113.0", 0}, {"203.0.113.255", 0}, {"203.0.114.0", 1},
    {"223.255.255.255", 1}, {"224.0.0.0", 0}, {"239.255.255.255", 0},  /* multicast 224/4 */
    {"240.0.0.0", 0}, {"255.255.255.254", 0}, {"255.255.255.255", 0},  /* 240/4, broadcast */
    /* globally reachable */
    {"8.8.8.8", 1}, {"1.1.1.1", 1}, {"93.184.216.34", 1}, {"192.31.196.1", 1},
    {"192.175.48.1", 1},
};

static void test_ipv4(void **state)
{
    (void)state;
    check(v4_cases, sizeof v4_cases / sizeof *v4_cases);
}

static const struct addr_case v6_cases[] = {
    {"::", 0}, {"::1", 0},
    /* ::/96 IPv4-compatible (deprecated): the IPv4 address inside decides */
    {"::2", 0}, {"::a00:1", 0}, {"::808:808", 1}, {"::ffff:ffff", 0}, {"::1:0:0", 1},
    /* ::ffff:0:0/96 IPv4-mapped */
    {"::fffe:ffff:ffff", 1}, {"::ffff:0.0.0.0", 0}, {"::ffff:10.0.0.1", 0},
    {"::ffff:127.0.0.1", 0}, {"::ffff:169.254.169.254", 0}, {"::ffff:198.18.0.1", 0},
    {"::ffff:8.8.8.8", 1}, {"::ffff:255.255.255.255", 0}, {"::1:0:0:0", 1},
    /* ::ffff:0:0:0/96 IPv4-translated (RFC 2765) */
    {"::ffff:0:a9fe:a9fe", 0}, {"::ffff:0:7f00:1", 0}, {"::ffff:0:808:808", 1},
    {"::fffe:ffff:ffff:ffff", 1}, {"::ffff:0:ffff:ffff", 0}, {"::ffff:1:0:0", 1},
    /* 64:ff9b::/96 NAT64: the IPv4 address inside decides */
    {"64:ff9a:ffff:ffff:ffff:ffff:ffff:ffff", 1}, {"64:ff9b::", 0},
    {"64:ff9b::a9fe:a9fe", 0}, {"64:ff9b::169.254.169.254", 0}, {"64:ff9b::a00:1", 0},
    {"64:ff9b::7f00:1", 0}, {"64:ff9b::c612:1", 0}, {"64:ff9b::808:808", 1},
    {"64:ff9b::ffff:ffff", 0}, {"64:ff9b::1:0:0", 1},
    /* 64:ff9b:1::/48 local-use NAT64 (RFC 8215): its /96 at the start is checked like the
     * well-known prefix; the rest of the /48 is refused, since the IPv4 address inside
     * sits where the local translator's prefix length puts it, which feedsd cannot know */
    {"64:ff9b:0:ffff:ffff:ffff:ffff:ffff", 1}, {"64:ff9b:1::", 0},
    {"64:ff9b:1::a9fe:a9fe", 0}, {"64:ff9b:1::a00:1", 0}, {"64:ff9b:1::808:808", 1},
    {"64:ff9b:1::ffff:ffff", 0}, {"64:ff9b:1::1:0:0", 0},
    {"64:ff9b:1:a00:0:100::", 0},           /* a /48 prefix: 10.0.0.1 in bits 48-87 */
    {"64:ff9b:1:808:8:800::", 0},           /* a /48 prefix: 8.8.8.8, refused all the same */
    {"64:ff9b:1:ffff:ffff:ffff:ffff:ffff", 0}, {"64:ff9b:2::", 1},
    /* 100::/64 discard-only, 100:0:0:1::/64 dummy prefix */
    {"ff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 1}, {"100::", 0},
    {"100::ffff:ffff:ffff:ffff", 0}, {"100:0:0:1::", 0}, {"100:0:0:1:ffff:ffff:ffff:ffff", 0},
    {"100:0:0:2::", 1},
    /* 2001::/23 IETF protocol assignments, Teredo 2001::/32 decided by its IPv4 addresses
     * (server in bits 32-63, client inverted in the last 32) */
    {"2000:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 1},
    {"2001:0:4136:e378:8000:63bf:f5ff:fffe", 0},    /* client 10.0.0.1 */
    {"2001:0:4136:e378:8000:63bf:5601:5601", 0},    /* client 169.254.169.254 */
    {"2001:0:4136:e378:8000:63bf:f7f7:f7f7", 1},    /* client 8.8.8.8 */
    {"2001:0:a00:1:8000:63bf:f7f7:f7f7", 0},        /* server 10.0.0.1 */
    {"2001::", 0},                  /* server 0.0.0.0, client 255.255.255.255 */
    {"2001:0:ffff:ffff:ffff:ffff:ffff:ffff", 0},
    {"2001:1::", 0}, {"2001:1::1", 0}, {"2001:2::", 0}, {"2001:10::", 0},
    {"2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff", 0}, {"2001:200::", 1},
    /* 2001:db8::/32 documentation */
    {"2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", 1}, {"2001:db8::", 0},
    {"2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", 0}, {"2001:db9::", 1},
    /* 2002::/16 6to4: the IPv4 address in bits 16-47 decides */
    {"2001:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 1}, {"2002::", 0}, {"2002:a9fe:a9fe::", 0},
    {"2002:a00:1::1", 0}, {"2002:7f00:1::", 0}, {"2002:c0a8:101::1", 0},
    {"2002:808:808::1", 1}, {"2002:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 0}, {"2003::", 1},
    /* 3fff::/20 documentation */
    {"3ffe:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 1}, {"3fff::", 0},
    {"3fff:fff:ffff:ffff:ffff:ffff:ffff:ffff", 0}, {"3fff:1000::", 1},
    /* 5f00::/16 SRv6 SIDs */
    {"5eff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 1}, {"5f00::", 0},
    {"5f00:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 0}, {"5f01::", 1},
    /* fc00::/7 unique local, fe80::/10 link-local, fec0::/10 site-local, ff00::/8 */
    {"fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 1}, {"fc00::", 0},
    {"fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 0}, {"fe00::", 1},
    {"fe7f:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 1}, {"fe80::", 0}, {"fe80::1", 0},
    {"febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 0}, {"fec0::", 0},
    {"feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 0}, {"ff00::", 0}, {"ff02::1", 0},
    {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 0},
    /* globally reachable */
    {"2606:4700:4700::1111", 1}, {"2a00:1450:4001:82a::200e", 1}, {"2620:4f:8000::1", 1},
    {"2001:200:dff:fff1:216:3eff:feb1:44d7", 1},
};

static void test_ipv6(void **state)
{
    (void)state;
    check(v6_cases, sizeof v6_cases / sizeof *v6_cases);
}

static void test_other_families(void **state)
{
    (void)state;
    struct sockaddr sa = {.sa_family = AF_UNIX};
    assert_int_equal(fetch_address_allowed(&sa, 0), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ipv4),
        cmocka_unit_test(test_ipv6),
        cmocka_unit_test(test_other_families),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
