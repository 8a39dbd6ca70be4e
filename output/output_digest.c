/* output/output_digest.c: the daily digest (issue 18, item 5, `digest = daily`): one
 * markdown file per day, with front matter like a post's, listing that day's posts in the
 * order they were published, each with its summary and a link to its file. The daemon
 * picks the posts from the database (daemon/views.c), so a digest can always be made again
 * from it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/util.h"
#include "markdown/html2md.h"
#include "output/output.h"

void output_put_link(struct buf *b, const char *path)
{
    /* RFC 3986 section 2.3 unreserved, and '/' between the path's segments */
    static const char keep[] = "-._~/";
    for (const unsigned char *c = (const unsigned char *)path; *c; c++) {
        if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
            strchr(keep, *c))
            buf_putc(b, (char)*c);
        else
            buf_printf(b, "%%%02X", *c);
    }
}

char *output_digest_path(const char *day)
{
    return xasprintf("digest/%s.md", day);
}

/* One line of text (a title, a feed's name) as literal markdown on one line. */
static void put_inline(struct buf *b, const char *s)
{
    char *t = xstrdup(s ? s : "");
    for (char *q = t; *q; q++)
        if ((unsigned char)*q < 0x20 || *q == 0x7F)
            *q = ' ';
    md_escape_inline(b, t, strlen(t));
    free(t);
}

char *output_digest(const char *day, const struct post *posts, const char *const *links,
                    size_t n)
{
    struct buf b = {0};
    char *title = xasprintf("Posts of %s", day);
    char *ytitle = yaml_scalar(title);
    /* the same keys as a post's file, so that a site lists it like the posts */
    buf_printf(&b, "---\ntitle: %s\ndate: %s\nextra:\n  digest: daily\n  posts: %zu\n---\n",
               ytitle, day, n);
    free(ytitle);
    free(title);
    for (size_t i = 0; i < n; i++) {
        const struct post *p = &posts[i];
        buf_puts(&b, "## [");
        put_inline(&b, p->title && *p->title ? p->title : p->original_title);
        buf_puts(&b, "](");
        output_put_link(&b, links[i]);
        buf_puts(&b, ")\n\n");
        char when[16] = "";
        time_t t = (time_t)p->published;
        struct tm tm;
        if (localtime_r(&t, &tm))   /* the daemon sets TZ from the configuration */
            strftime(when, sizeof when, "%H:%M", &tm);
        if (p->feed_title && *p->feed_title) {
            put_inline(&b, p->feed_title);
            buf_puts(&b, ", ");
        }
        buf_puts(&b, when);
        if (p->url && *p->url) {
            buf_puts(&b, " · [source](");
            /* an absolute http(s) URL: only what would end the destination is encoded */
            for (const char *c = p->url; *c; c++)
                if ((unsigned char)*c <= 0x20 || strchr("()<>\\", *c))
                    buf_printf(&b, "%%%02X", (unsigned char)*c);
                else
                    buf_putc(&b, *c);
            buf_putc(&b, ')');
        }
        buf_puts(&b, "\n\n");
        size_t before = b.len;
        output_trimmed_block(&b, p->summary);
        if (b.len > before)
            buf_puts(&b, "\n\n");
    }
    return buf_steal(&b);
}
