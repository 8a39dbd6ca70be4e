/* fetch/fetch_address.c: which addresses feedsd may connect to (fetch_address_allowed,
 * fetch/fetch.h): checked by the fetcher and by the command line's blocking GET on the
 * address actually connected to, after DNS and for every redirect hop. */
#include <stdint.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "fetch/fetch.h"

/* The addresses a feed must not make feedsd connect to: every range of the IANA IPv4
 * Special-Purpose Address Registry (RFC 6890 and its updates) that is not globally
 * reachable, multicast (RFC 5771) and the reserved 240/4 with the broadcast address. A
 * feed could otherwise reach the cloud metadata service (169.254.169.254), the host's
 * own services or the local network. 192.0.0/24 goes whole: its two anycast addresses
 * (192.0.0.9, .10) serve no feeds. */
static const struct {
    uint32_t net;
    int bits;
} v4_refused[] = {
    {0x00000000, 8},    /* 0/8 "this network" (RFC 791) */
    {0x0A000000, 8},    /* 10/8 private (RFC 1918) */
    {0x64400000, 10},   /* 100.64/10 shared address space, carrier-grade NAT (RFC 6598) */
    {0x7F000000, 8},    /* 127/8 loopback (RFC 1122) */
    {0xA9FE0000, 16},   /* 169.254/16 link-local (RFC 3927), cloud metadata */
    {0xAC100000, 12},   /* 172.16/12 private (RFC 1918) */
    {0xC0000000, 24},   /* 192.0.0/24 IETF protocol assignments (RFC 6890) */
    {0xC0000200, 24},   /* 192.0.2/24 TEST-NET-1 (RFC 5737) */
    {0xC0586300, 24},   /* 192.88.99/24 6to4 relay anycast, deprecated (RFC 7526) */
    {0xC0A80000, 16},   /* 192.168/16 private (RFC 1918) */
    {0xC6120000, 15},   /* 198.18/15 benchmarking (RFC 2544) */
    {0xC6336400, 24},   /* 198.51.100/24 TEST-NET-2 (RFC 5737) */
    {0xCB007100, 24},   /* 203.0.113/24 TEST-NET-3 (RFC 5737) */
    {0xE0000000, 4},    /* 224/4 multicast (RFC 5771) */
    {0xF0000000, 4},    /* 240/4 reserved (RFC 1112), 255.255.255.255 broadcast (RFC 919) */
};

static int v4_allowed(uint32_t a)
{
    for (size_t i = 0; i < sizeof v4_refused / sizeof *v4_refused; i++)
        if ((a ^ v4_refused[i].net) >> (32 - v4_refused[i].bits) == 0)
            return 0;
    return 1;
}

/* What an IPv6 range means for the check. Forms that carry an IPv4 address are decided
 * by it: a packet to them reaches that IPv4 address through a translator or a tunnel
 * (NAT64 to 64:ff9b::169.254.169.254 is the metadata service). */
enum v6_rule {
    V6_REFUSE,
    V6_V4_LAST,     /* the IPv4 address in the last 32 bits (RFC 4291 2.5.5, RFC 6052 /96) */
    V6_6TO4,        /* 2002:AABB:CCDD::/48: the IPv4 address in bits 16-47 (RFC 3056) */
    V6_TEREDO,      /* 2001:0:SSSS:SSSS:flags:port:CCCC:CCCC: server, and the client
                       inverted (RFC 4380 4) */
};

/* The IANA IPv6 Special-Purpose Address Registry (RFC 6890 and its updates), plus
 * multicast and the deprecated site-local and IPv4-compatible forms. The first row that
 * covers an address decides, so narrower rows come first. 64:ff9b:1::/48 (RFC 8215)
 * holds the IPv4 address where the local translator's prefix length puts it (RFC 6052
 * 2.2: /48 to /96), which feedsd cannot know: only its first /96, the usual choice, is
 * read; the rest is refused (allow_private = yes for a translator on another prefix).
 * The globally reachable rows inside 2001::/23 (PCP and TURN anycast, AMT, AS112,
 * ORCHIDv2, DRIP) are refused with it: no feed is served from them. */
static const struct {
    uint8_t net[16];
    int bits;
    enum v6_rule rule;
} v6_ranges[] = {
    {{0}, 128, V6_REFUSE},                                      /* ::/128 unspecified */
    {{[15] = 1}, 128, V6_REFUSE},                               /* ::1 loopback */
    {{0}, 96, V6_V4_LAST},                  /* ::/96 IPv4-compatible, deprecated (RFC 4291) */
    {{[10] = 0xff, [11] = 0xff}, 96, V6_V4_LAST},       /* ::ffff:0:0/96 IPv4-mapped */
    {{[8] = 0xff, [9] = 0xff}, 96, V6_V4_LAST},         /* ::ffff:0:0:0/96 IPv4-translated
                                                           (RFC 2765) */
    {{0, 0x64, 0xff, 0x9b}, 96, V6_V4_LAST},            /* 64:ff9b::/96 NAT64 (RFC 6052) */
    {{0, 0x64, 0xff, 0x9b, 0, 1}, 96, V6_V4_LAST},      /* 64:ff9b:1::/96 local NAT64 */
    {{0, 0x64, 0xff, 0x9b, 0, 1}, 48, V6_REFUSE},       /* the rest of 64:ff9b:1::/48 */
    {{1}, 64, V6_REFUSE},                               /* 100::/64 discard-only (RFC 6666) */
    {{1, [7] = 1}, 64, V6_REFUSE},                      /* 100:0:0:1::/64 dummy prefix */
    {{0x20, 0x01}, 32, V6_TEREDO},                      /* 2001::/32 Teredo (RFC 4380) */
    {{0x20, 0x01}, 23, V6_REFUSE},      /* 2001::/23 IETF protocol assignments (RFC 2928) */
    {{0x20, 0x01, 0x0d, 0xb8}, 32, V6_REFUSE},          /* 2001:db8::/32 documentation
                                                           (RFC 3849) */
    {{0x20, 0x02}, 16, V6_6TO4},                        /* 2002::/16 6to4 (RFC 3056) */
    {{0x3f, 0xff}, 20, V6_REFUSE},                      /* 3fff::/20 documentation (RFC 9637) */
    {{0x5f, 0x00}, 16, V6_REFUSE},                      /* 5f00::/16 SRv6 SIDs (RFC 9602) */
    {{0xfc}, 7, V6_REFUSE},                             /* fc00::/7 unique local (RFC 4193) */
    {{0xfe, 0x80}, 10, V6_REFUSE},                      /* fe80::/10 link-local */
    {{0xfe, 0xc0}, 10, V6_REFUSE},          /* fec0::/10 site-local, deprecated (RFC 3879) */
    {{0xff}, 8, V6_REFUSE},                             /* ff00::/8 multicast (RFC 4291) */
};

static int v6_in(const uint8_t *a, const uint8_t *net, int bits)
{
    int whole = bits / 8, rest = bits % 8;
    if (memcmp(a, net, (size_t)whole) != 0)
        return 0;
    return rest == 0 || ((a[whole] ^ net[whole]) & (0xFF << (8 - rest)) & 0xFF) == 0;
}

static uint32_t v4_at(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int v6_allowed(const uint8_t *a)
{
    for (size_t i = 0; i < sizeof v6_ranges / sizeof *v6_ranges; i++) {
        if (!v6_in(a, v6_ranges[i].net, v6_ranges[i].bits))
            continue;
        switch (v6_ranges[i].rule) {
        case V6_REFUSE: return 0;
        case V6_V4_LAST: return v4_allowed(v4_at(a + 12));
        case V6_6TO4: return v4_allowed(v4_at(a + 2));
        case V6_TEREDO: return v4_allowed(v4_at(a + 4)) && v4_allowed(~v4_at(a + 12));
        }
    }
    return 1;
}

int fetch_address_allowed(const struct sockaddr *sa, int allow_private)
{
    if (allow_private)
        return 1;
    if (sa->sa_family == AF_INET)
        return v4_allowed(ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr));
    if (sa->sa_family == AF_INET6)
        return v6_allowed(((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr);
    return 0;
}
