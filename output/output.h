/* output/output.h: the output stage (docs/architecture.md): the markdown files of
 * docs/output-format.md, one per post. The database decides which entry gets which path
 * (the pipeline claims it there first); this folder names a file (output_path.c: slugs
 * and the name pattern), renders it (output_render.c: front matter and sections), writes
 * it atomically (output_write.c: temporary name in the same folder, flush, rename, alone
 * or in a batch flushed by one syncfs), so readers never see half a file, and sweeps the
 * temporary files a killed process left (output_sweep.c). Beside the posts: the output
 * feed (output_atom.c) and the daily digests (output_digest.c). */
#ifndef FEEDSD_OUTPUT_H
#define FEEDSD_OUTPUT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "markdown/readability.h"
struct buf;

/* An enclosure as the file shows it (extra.enclosures, and a link after the content). */
struct post_enclosure {
    const char *url;              /* absolute http(s) URL */
    const char *type;             /* MIME type, may be NULL */
    int64_t length;               /* bytes, -1 when the feed does not say */
};

/* Where the categories go besides extra.categories (the `tags` setting). */
enum output_tags { OUTPUT_TAGS_OFF, OUTPUT_TAGS_HUGO, OUTPUT_TAGS_ZOLA };

struct post {
    const char *title;            /* shown title (may be a translation) */
    const char *original_title;   /* the feed's title */
    const char *url;              /* the post's URL, may be NULL */
    const char *feed_title;       /* extra.feed, may be NULL */
    const char *feed_category;    /* extra.feed_category and {category}: the feed's folder
                                     path ("Tech/Linux"), may be NULL */
    const char *author;           /* extra.author, may be NULL */
    const char *id;               /* extra.id: the entry id, may be NULL */
    int64_t published;            /* seconds since epoch; the date used for `date` */
    const char *summary;          /* markdown */
    const char *content_md;       /* markdown */
    const char *summary_by;       /* extra.summarized_by ("openai/llama3.2"), may be NULL */
    const char *const *feeds;     /* extra.feeds: every feed that carried the post, its own
                                   * first; written only when there are two or more */
    size_t nfeeds;
    int summary_fallback;         /* extra.summary_fallback: true */
    const char *const *categories;    /* extra.categories, ncategories of them */
    size_t ncategories;
    const struct post_enclosure *enclosures;   /* extra.enclosures, nenclosures of them */
    size_t nenclosures;
    enum output_tags tags;        /* also `tags:` (Hugo) or `taxonomies: tags:` (Zola) */
    int date_time;                /* `date` as the full local time, not only the day */
    const struct page_meta *page; /* the article's page: its title on the "Title:" line,
                                   * the rest in extra.page; may be NULL */
};

/* The YAML scalar for s: plain when plain style keeps its meaning, else double-quoted
 * with escapes. Returns malloc'd text. */
char *yaml_scalar(const char *s);

/* Slug of a title: lower-case ASCII letters, digits and '-', at most maxlen bytes, no
 * leading/trailing '-'. Latin letters with diacritics are folded (é -> e). Returns
 * malloc'd text, "" when nothing is left. */
char *slug_make(const char *title, size_t maxlen);

/* Relative path for a post from the pattern (default "{date}-{slug}.md"). Placeholders:
 * {date} YYYY-MM-DD, {year}, {month}, {day}, {slug}, {feed} (slug of the feed title),
 * {category} (the slug of each level of the feed's category, as folders; nothing without
 * one), {id} (16 hex digits of the identity hash); {slug} comes from original_title (else title),
 * so a translated title never changes a name. The date is local to the configured zone
 * (process TZ). The slug falls back to "post-<first 8 of id hash>" when empty. Each path
 * component is cut to fit NAME_MAX, never starts with '.', never contains "..": the result
 * always stays inside the output folder. Returns malloc'd text. */
char *output_path_for(const char *pattern, const struct post *p, const char *feed_title,
                      const char *idhash);

/* Same path with "-<suffix>" inserted before the extension (for a name taken by another
 * entry). Returns malloc'd text. */
char *output_path_suffixed(const char *relpath, const char *suffix);

/* The name for a post whose path relpath (made from pattern by output_path_for) is taken:
 * "-<suffix>" goes into the component that holds {slug} (else {id}), so a page bundle
 * {slug}/index.md collides as {slug}-<suffix>/index.md, never as a second file inside
 * the first post's bundle (which Hugo and Zola take for a resource of that page, not a
 * page). Returns malloc'd text. */
char *output_path_collision(const char *pattern, const char *relpath, const char *suffix);

/* Checks a file name pattern (the "filename" setting): 0, or -1 with the reason in err
 * for an unknown placeholder, an absolute path, "..", a name starting with '.', an empty
 * component, or no {slug}/{id} (every post of a day would share one name). */
int output_pattern_check(const char *pattern, char *err, size_t errlen);

/* The whole file text. Returns malloc'd text. */
char *output_render(const struct post *p);
/* Appends the reader-mode layout of the "## Full Content" section to b: "Title: ", "URL
 * Source: " (empty when url is NULL), "Markdown Content:" and md (`feedsd extract` prints
 * it alone). */
struct buf;
void output_render_reader(struct buf *b, const char *title, const char *url, const char *md);
/* Appends markdown without its leading blank lines and trailing white space (a post's
 * summary and content, a digest's summaries): the layout around it is the caller's. */
void output_trimmed_block(struct buf *b, const char *s);

/* The output feed (output_atom.c): an Atom 1.0 document of posts[0..n), newest first,
 * each with its summary. */
struct output_atom_feed {
    const char *title, *id;       /* the feed's title and its id (a URI) */
    const char *version;          /* feedsd's, for <generator> */
    int64_t updated;              /* at least this, else the newest entry's */
};
struct output_atom_entry {
    const char *id;               /* a URI that stays the entry's */
    const char *file;             /* the post's file as a link from the feed (a URI reference) */
    int64_t updated;              /* seconds since the epoch */
};
char *output_atom(const struct output_atom_feed *f, const struct post *posts,
                  const struct output_atom_entry *entries, size_t n);

/* A day's digest (output_digest.c): a markdown file with front matter listing posts[0..n)
 * of day ("YYYY-MM-DD"), each with its summary and a link to its file (links[i], relative
 * to the digest's folder). Returns malloc'd text. */
char *output_digest(const char *day, const struct post *posts, const char *const *links,
                    size_t n);
/* The digest file of day, relative to the output folder: "digest/YYYY-MM-DD.md". */
char *output_digest_path(const char *day);

/* A relative path as a link destination in markdown or a URI reference (RFC 3986 section
 * 2.1): bytes other than unreserved characters and '/' percent-encoded. */
void output_put_link(struct buf *b, const char *path);

/* Writes text to dir/relpath atomically, creating sub-folders. 0 / -1 with errno set and
 * a message in err. */
int output_write_atomic(const char *dir, const char *relpath, const char *text,
                        char *err, size_t errlen);

/* The same, with the folder's fsync left to the caller unless flags has OUTPUT_SYNC_DIR:
 * a batch of files then needs one output_sync_dir per folder instead of one per file. */
enum { OUTPUT_SYNC_DIR = 1 };
int output_write_file(const char *dir, const char *relpath, const char *text, int flags,
                      char *err, size_t errlen);
/* fsync(2) of the folder that holds dir/relpath, making renames into it durable. */
int output_sync_dir(const char *dir, const char *relpath, char *err, size_t errlen);

/* One flush for a batch of files: syncfs(2) of the output folder's file system, instead
 * of an fdatasync per file. Owned by the caller, on its stack. A file takes its name only
 * after the flush, so a name always holds complete text. */
struct output_batch {
    int fd;                 /* the output folder, opened before the first write; -1: off */
    const char *dir;        /* its path (the caller's string) */
    dev_t dev;              /* its file system */
};
/* Opens dir for a batch. 0, or -1 when files must be flushed one by one: dir is missing,
 * or its file system is not one known to write everything out on syncfs(2). Either way
 * output_batch_write and output_batch_sync may be called. */
int output_batch_begin(struct output_batch *b, const char *dir);
/* Writes b->dir/relpath. Returns 1 when the file is staged (written to its temporary
 * name only, for output_batch_sync, then output_publish or output_discard): its folder
 * already existed on the batch's file system. Returns 0 when it was written like
 * output_write_file (flushed on its own and in place; its folder's fsync is the
 * caller's), -1 with a message in err. */
int output_batch_write(struct output_batch *b, const char *relpath, const char *text,
                       char *err, size_t errlen);
/* syncfs(2), then closes the batch. 0, or -1 with a message in err: a write-back error
 * anywhere on that file system since output_batch_begin, so no staged file may be taken
 * as durable. Safe to call on a batch that is off (returns 0). */
int output_batch_sync(struct output_batch *b, char *err, size_t errlen);
/* Renames the file staged for dir/relpath to its name (not flushing the folder). 0, or
 * -1 with a message in err (the staged file is then removed). */
int output_publish(const char *dir, const char *relpath, char *err, size_t errlen);
/* Removes the file staged for dir/relpath, if any. */
void output_discard(const char *dir, const char *relpath);

/* Whether something (a file, a folder, a link) is at dir/relpath: 1 yes, 0 no (a missing
 * folder on the way included), -1 when that cannot be told (errno set). A name is
 * claimed for a post only when nothing is there that feedsd did not write. */
int output_exists(const char *dir, const char *relpath);

/* Removes temporary files of output_write_atomic() left by processes that no longer run
 * (a feedsd killed mid-write), in dir and its sub-folders. Returns how many, or -1;
 * *kept (unless NULL) gets the number of temporary files left to processes that run.
 * The daemon calls it only when a process may have died with such files
 * (daemon/claim.c). */
int output_sweep_temp(const char *dir, size_t *kept);

#endif
