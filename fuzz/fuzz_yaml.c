/* fuzz/fuzz_yaml.c: libFuzzer target for yaml_scalar() (output/output.h), which writes
 * every front-matter value from a feed's text. PROPERTY: the scalar stays on one line
 * (no raw LF, CR, NEL, LS or PS, which YAML treats as line breaks), plain output is the
 * input itself, and quoted output is one double-quoted scalar: it opens and closes with
 * '"' and every '"' inside is escaped. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output/output.h"

static void yaml_fail(const char *why, const char *in, const char *out)
{
    fprintf(stderr, "fuzz_yaml: %s\n  in:  %.200s\n  out: %.200s\n", why, in, out);
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';   /* front-matter values are C strings: the first NUL ends them */
    char *y = yaml_scalar(s);
    size_t n = strlen(y);
    if (n == 0)
        yaml_fail("empty scalar", s, y);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)y[i];
        if (c == '\n' || c == '\r')
            yaml_fail("raw line break", s, y);
        if (c == 0xC2 && (unsigned char)y[i + 1] == 0x85)
            yaml_fail("raw NEL", s, y);
        if (c == 0xE2 && (unsigned char)y[i + 1] == 0x80 &&
            ((unsigned char)y[i + 2] == 0xA8 || (unsigned char)y[i + 2] == 0xA9))
            yaml_fail("raw LS/PS", s, y);
    }
    if (y[0] == '"') {
        if (n < 2 || y[n - 1] != '"')
            yaml_fail("quoted scalar not closed", s, y);
        for (size_t i = 1; i < n - 1; i++) {
            if (y[i] == '\\') {
                if (i + 1 >= n - 1)
                    yaml_fail("escape runs into the closing quote", s, y);
                i++;
            } else if (y[i] == '"') {
                yaml_fail("unescaped quote inside", s, y);
            }
        }
    } else if (strcmp(y, s) != 0) {
        yaml_fail("plain scalar differs from its input", s, y);
    }
    free(y);
    free(s);
    return 0;
}
