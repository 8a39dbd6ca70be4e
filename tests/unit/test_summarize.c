/* tests/unit/test_summarize.c: the built-in extractive summarizer (summary/summarize.c):
 * sentence splitting (abbreviations, numbers, CJK full stops), choice of informative
 * sentences in document order, boilerplate ignored, the byte budget on every entry of the
 * testdata feeds, UTF-8 never cut, markdown escaping; the title not repeated, ads and
 * link labels left out, digests summarized from their first item, CJK sentences ended. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "common/util.h"
#include "markdown/html2md.h"
#include "summary/summarize.h"
#include "tests/unit/testdata.h"

static int utf8_valid(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        size_t k = *p < 0x80 ? 1 : (*p & 0xE0) == 0xC0 ? 2 : (*p & 0xF0) == 0xE0 ? 3
                 : (*p & 0xF8) == 0xF0 ? 4 : 0;
        if (!k)
            return 0;
        for (size_t i = 1; i < k; i++)
            if ((p[i] & 0xC0) != 0x80)
                return 0;
        p += k;
    }
    return 1;
}

static char *summ(const char *text, int sentences, size_t chars)
{
    struct summarize_opts o = {.max_sentences = sentences, .max_chars = chars};
    return summarize_extractive(text, &o);
}

/* The i-th sentence of text as a string. */
static char *nth_sentence(const char *text, size_t i)
{
    size_t st[64], en[64];
    size_t n = summarize_sentences(text, st, en, 64);
    if (i >= n)
        return NULL;
    return xstrndup(text + st[i], en[i] - st[i]);
}

static void expect_split(const char *text, const char *const *want, size_t nwant)
{
    size_t st[64], en[64];
    size_t n = summarize_sentences(text, st, en, 64);
    assert_int_equal(n, nwant);
    for (size_t i = 0; i < n; i++) {
        char *s = xstrndup(text + st[i], en[i] - st[i]);
        assert_string_equal(s, want[i]);
        free(s);
    }
}

static void test_split_latin(void **state)
{
    (void)state;
    const char *const w1[] = {"Dr. Smith paid $3.14 for it, e.g. at the U.S. store.",
                              "Was it worth it?!", "\"Yes,\" he said.", "J. R. R. Tolkien agreed"};
    expect_split("Dr. Smith paid $3.14 for it, e.g. at the U.S. store. Was it worth it?! "
                 "\"Yes,\" he said.  J. R. R. Tolkien agreed",
                 w1, 4);
    const char *const w2[] = {"Heading", "First line", "second paragraph...", "More."};
    expect_split("Heading\n\nFirst line\nsecond paragraph... More.", w2, 4);
    const char *const w3[] = {"Version 2.0.1 is out (finally).", "See example.com/a.b for more."};
    expect_split("Version 2.0.1 is out (finally). See example.com/a.b for more.", w3, 2);
}

static void test_split_cjk(void **state)
{
    (void)state;
    const char *const zh[] = {"今天天气很好。", "我们去公园散步吧！", "你觉得怎么样？",
                              "「好的。」", "没有标点的结尾"};
    expect_split("今天天气很好。我们去公园散步吧！你觉得怎么样？「好的。」没有标点的结尾", zh, 5);
    const char *const ja[] = {"吾輩は猫である。", "名前はまだ無い。", "どこで生れたかとんと見当がつかぬ。"};
    expect_split("吾輩は猫である。名前はまだ無い。どこで生れたかとんと見当がつかぬ。", ja, 3);
}

static void test_empty(void **state)
{
    (void)state;
    char *s = summarize_extractive("", NULL);
    assert_string_equal(s, "");
    free(s);
    s = summarize_extractive(NULL, NULL);
    assert_string_equal(s, "");
    free(s);
    s = summarize_extractive(" \n\n\t ", NULL);
    assert_string_equal(s, "");
    free(s);
    s = summarize_extractive("Continue reading \xE2\x86\x92\n\nhttps://example.com/post/1", NULL);
    assert_string_equal(s, "");
    free(s);
}

static const char article[] =
    "Inference scaling changes how language models are evaluated. "
    "Many labs found that training larger language models gave smaller gains than before. "
    "I had coffee this morning.\n\n"
    "Inference scaling spends more computation when language models answer, and inference "
    "scaling works best where answers can be checked, such as code and mathematics. "
    "The weather was nice. "
    "Critics note that inference scaling does little for translation, because language models "
    "cannot reason past missing training data.\n\n"
    "Continue reading Is inference scaling the future of language models?\n"
    "The post Inference scaling and language models appeared first on Example Blog.\n"
    "Share this: Twitter, Facebook";

static void test_english_article(void **state)
{
    (void)state;
    char *s = summ(article, 3, 600);
    assert_true(strlen(s) <= 600);
    /* the informative sentences, not the asides, not the template */
    assert_null(strstr(s, "coffee"));
    assert_null(strstr(s, "weather"));
    assert_null(strstr(s, "Continue reading"));
    assert_null(strstr(s, "appeared first"));
    assert_null(strstr(s, "Share this"));
    const char *a = strstr(s, "Inference scaling spends more computation");
    const char *b = strstr(s, "Critics note");
    assert_non_null(a);
    assert_non_null(b);
    assert_true(a < b); /* document order */
    /* exactly three sentences, joined by single spaces */
    size_t st[8], en[8];
    assert_int_equal(summarize_sentences(s, st, en, 8), 3);
    assert_null(strstr(s, "  "));
    assert_null(strchr(s, '\n'));
    /* deterministic */
    char *again = summ(article, 3, 600);
    assert_string_equal(s, again);
    free(again);
    free(s);

    s = summ(article, 1, 600);
    assert_int_equal(summarize_sentences(s, st, en, 8), 1);
    free(s);
}

static void test_budget_and_cut(void **state)
{
    (void)state;
    char *s = summ(article, 3, 200);
    assert_true(strlen(s) <= 200);
    assert_true(strlen(s) > 0);
    free(s);

    /* one sentence longer than the budget: cut at a word boundary, "…" appended */
    struct buf b = {0};
    for (int i = 0; i < 40; i++)
        buf_printf(&b, "word%d ", i);
    buf_puts(&b, "end.");
    s = summ(b.data, 3, 60);
    assert_true(strlen(s) <= 60);
    size_t n = strlen(s);
    assert_true(n > 3 && strcmp(s + n - 3, "\xE2\x80\xA6") == 0);
    assert_true(s[n - 4] != ' ');
    assert_true(strncmp(b.data, s, n - 3) == 0); /* a prefix of the text, cut between words */
    assert_true(b.data[n - 3] == ' ');
    free(s);
    buf_free(&b);

    /* CJK: cut between characters, never inside one */
    for (int i = 0; i < 100; i++)
        buf_puts(&b, "漢字");
    buf_puts(&b, "。");
    for (size_t budget = 4; budget < 40; budget++) {
        s = summ(b.data, 3, budget);
        assert_true(strlen(s) <= budget);
        assert_true(utf8_valid(s));
        free(s);
    }
    buf_free(&b);

    s = summ(article, 3, 2); /* too small for anything */
    assert_string_equal(s, "");
    free(s);
}

static void test_chinese(void **state)
{
    (void)state;
    const char *text =
        "人工智能的进步是否正在放缓？这是最近讨论最多的问题。"
        "研究者认为模型扩展的收益正在减少，推理扩展成为新的方向。"
        "今天午饭吃了面条。"
        "推理扩展在编程和数学等有明确答案的问题上效果显著，推理扩展的成本也在下降。"
        "阅读全文";
    char *s = summ(text, 3, 600);
    assert_true(utf8_valid(s));
    assert_null(strstr(s, "阅读全文"));
    assert_null(strstr(s, "面条"));
    assert_null(strchr(s, ' ')); /* CJK sentences are joined without spaces */
    assert_non_null(strstr(s, "推理扩展在编程和数学"));
    free(s);
    s = summ(text, 2, 100);
    assert_true(strlen(s) <= 100);
    assert_true(utf8_valid(s));
    free(s);
}

static void test_japanese(void **state)
{
    (void)state;
    const char *text =
        "新しい検索エンジンが公開された。"
        "この検索エンジンは大規模言語モデルを使って検索結果を要約する。"
        "駅前のパン屋は休みだった。"
        "検索エンジンの要約は出典へのリンクを示すので、利用者は検索結果を確かめられる！"
        "続きを読む";
    char *s = summ(text, 2, 600);
    assert_true(utf8_valid(s));
    assert_null(strstr(s, "続きを読む"));
    assert_null(strstr(s, "パン屋"));
    assert_non_null(strstr(s, "検索エンジンの要約"));
    size_t st[8], en[8];
    assert_int_equal(summarize_sentences(s, st, en, 8), 2);
    free(s);
}

static void test_escaping(void **state)
{
    (void)state;
    char *s = summ("Use *stars* and [brackets] with `ticks` in the text of this sentence.", 3, 600);
    assert_string_equal(s, "Use \\*stars\\* and \\[brackets\\] with \\`ticks\\` in the text of this "
                           "sentence.");
    free(s);
    s = summ("1. Numbered lines look like lists in markdown documents.", 3, 600);
    assert_string_equal(s, "1\\. Numbered lines look like lists in markdown documents.");
    free(s);
    char *first = nth_sentence("Alpha beta. Gamma delta.", 1);
    assert_string_equal(first, "Gamma delta.");
    free(first);
}

/* No raw HTML: outside code (fenced blocks, lines with code spans) every '<' is escaped. */
static void assert_no_raw_html(const char *m)
{
    int fence = 0;
    for (const char *line = m; *line;) {
        const char *nl = strchr(line, '\n');
        size_t n = nl ? (size_t)(nl - line) : strlen(line);
        const char *p = line;
        while (p < line + n && (*p == '>' || *p == ' '))
            p++;
        if (strncmp(p, "```", 3) == 0)
            fence = !fence;
        else if (!fence && !memchr(line, '`', n))
            for (const char *q = line; q < line + n; q++)
                if (*q == '<')
                    assert_true(q > line && q[-1] == '\\');
        line += n + (nl ? 1 : 0);
    }
}

/* Every content/summary/description of every testdata feed: html_to_text, then summaries
 * at several budgets. Also runs html2md over them (no crash, bounded output). */
static void summarize_node_text(xmlNode *n, size_t *entries)
{
    for (; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        const char *name = (const char *)n->name;
        if (!strcmp(name, "encoded") || !strcmp(name, "description") ||
            !strcmp(name, "content") || !strcmp(name, "summary")) {
            xmlChar *c = xmlNodeGetContent(n);
            if (c && *c) {
                size_t len = strlen((const char *)c);
                char *text = html_to_text((const char *)c, len);
                assert_true(utf8_valid(text));
                /* A post with text gets a summary, made of its own sentences (so in its
                 * own language): the summary's first words are in the post. */
                char *full = summ(text, 3, 600);
                size_t letters = 0;
                for (const char *q = text; *q; q++)
                    letters += (unsigned char)*q > ' ';
                if (letters >= 20) {
                    if (!*full)
                        fail_msg("empty summary for text: %.300s", text);
                    /* the first word (up to a space; escapes removed) */
                    char probe[13] = "";   /* 12 bytes: within one sentence */
                    size_t k = 0;
                    for (const char *q = full; *q && *q != ' ' && k + 1 < sizeof probe; q++)
                        if (*q != '\\')
                            probe[k++] = *q;
                    while (k > 0 && ((unsigned char)probe[k - 1] & 0xC0) == 0x80)
                        k--;                             /* never half a character */
                    if (k > 0 && (unsigned char)probe[k - 1] >= 0xC0)
                        k--;
                    probe[k] = '\0';
                    char *squashed = str_squash_ws(xstrdup(text));
                    if (k >= 3 && !strstr(squashed, probe))
                        fail_msg("summary \"%s\" is not from its post", probe);
                    free(squashed);
                }
                free(full);
                static const size_t budgets[] = {600, 280, 120, 40, 7};
                for (size_t i = 0; i < sizeof budgets / sizeof *budgets; i++) {
                    char *s = summ(text, 3, budgets[i]);
                    assert_true(strlen(s) <= budgets[i]);
                    assert_true(utf8_valid(s));
                    assert_null(strchr(s, '\n'));
                    free(s);
                }
                char *m = html2md((const char *)c, len, "https://example.com/feed/");
                assert_true(strlen(m) <= 16 * len + 4096);
                assert_no_raw_html(m);
                assert_null(strstr(m, "](javascript:"));
                free(m);
                free(text);
                (*entries)++;
            }
            xmlFree(c);
            continue;
        }
        summarize_node_text(n->children, entries);
    }
}

static void test_testdata_budget(void **state)
{
    (void)state;
    const char *dir = testdata_dir();
    DIR *d = opendir(dir);
    if (!d)
        fail_msg("cannot open %s (set FEEDSD_TESTDATA)", dir);
    size_t entries = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (n < 5 || strcmp(e->d_name + n - 4, ".xml") != 0)
            continue;
        char *path = xasprintf("%s/%s", dir, e->d_name);
        xmlDocPtr doc = xmlReadFile(path, NULL, XML_PARSE_RECOVER | XML_PARSE_NONET |
                                                    XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
        if (doc) {
            summarize_node_text(xmlDocGetRootElement(doc), &entries);
            xmlFreeDoc(doc);
        }
        free(path);
    }
    closedir(d);
    assert_true(entries > 100);
}

/* Inputs at the edges of the fast paths (overlong and other malformed UTF-8 where a
 * sentence may or may not end, two-byte characters in words, words too long to be terms,
 * abbreviations, boilerplate and page chrome decided in rank order): the sentences and the
 * summary each had before the summarizer was rewritten for speed, pinned. The first case
 * since the decoders became one (common/utf8.h, strict RFC 3629): an overlong form of
 * '.', '\n' or '。' is no character, so it ends no sentence (the loose decoder read
 * F0 83 80 82 as '。' and F8 80 80 8A as a line break: five sentences then, two now). */
#define LONG_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" /* 69 */
#define MOSKVA "\xD0\x9C\xD0\xBE\xD1\x81\xD0\xBA\xD0\xB2\xD0\xB0"
#define REKA "\xD1\x80\xD0\xB5\xD0\xBA\xD0\xB0"
static const struct pinned {
    const char *text;
    size_t n, starts[8], ends[8];
    int sentences;
    size_t chars;
    const char *summary;
} pinned[] = {
    {"Overlong\xC0\xAE stop. A C0 AE is no dot \xC0\xAE and \xE0\x80\xAE nor this"
     "\xF0\x80\x80\xAE end.\xF0\x83\x80\x82Next one\xF8\x80\x80\x8Aline",
     2, {0, 17}, {16, 83}, 2, 600,
     "Overlong\xC0\xAE stop. A C0 AE is no dot \xC0\xAE and \xE0\x80\xAE nor this"
     "\xF0\x80\x80\xAE end.\xF0\x83\x80\x82Next one\xF8\x80\x80\x8Aline"},
    {"Share this: Twitter. Leave a comment below. 12 comments.",
     3, {0, 21, 44}, {20, 43, 56}, 2, 600, "Share this: Twitter. Leave a comment below."},
    {"Read more about it. Continue reading the post. Subscribe now.",
     3, {0, 20, 47}, {19, 46, 61}, 2, 600, "Subscribe now."},
    {"Stra\xC3\x9F" "e und Stra\xC3\x9F" "e. " MOSKVA " " MOSKVA " " REKA ". A \xC3\x97 b "
     "\xC3\x97 c \xC3\xB7 d. Noise words here.",
     4, {0, 21, 57, 75}, {20, 56, 74, 92}, 2, 600,
     MOSKVA " " MOSKVA " " REKA ". Noise words here."},
    {LONG_A " zz " LONG_A " zz. bb cc dd bb. Other cc dd stuff.",
     2, {0, 160}, {159, 178}, 1, 600, LONG_A " zz " LONG_A " zz. bb cc dd bb."},
    {"Dr. Who and Mr. Smith met the Approx. crowd at St. Paul's. Then e.g. they left. Zzz. "
     "MR. Big arrived.",
     4, {0, 59, 80, 85}, {58, 79, 84, 101}, 3, 80,
     "Dr. Who and Mr. Smith met the Approx. crowd at St. Paul's. Zzz. MR. Big arrived."},
};

static void test_pinned(void **state)
{
    (void)state;
    for (size_t c = 0; c < sizeof pinned / sizeof *pinned; c++) {
        const struct pinned *p = &pinned[c];
        size_t st[8], en[8];
        size_t n = summarize_sentences(p->text, st, en, 8);
        assert_int_equal(n, p->n);
        for (size_t i = 0; i < n; i++) {
            assert_int_equal(st[i], p->starts[i]);
            assert_int_equal(en[i], p->ends[i]);
        }
        char *s = summ(p->text, p->sentences, p->chars);
        assert_string_equal(s, p->summary);
        free(s);
    }
}

static char *summ_titled(const char *text, const char *title, int sentences)
{
    struct summarize_opts o = {.max_sentences = sentences, .max_chars = 600, .title = title};
    return summarize_extractive(text, &o);
}

/* The title is shown above the summary: a sentence that only repeats it (a heading the
 * feed copies into the content) is never chosen; a sentence that starts with it and goes
 * on is the post's own. */
static void test_title_not_repeated(void **state)
{
    (void)state;
    const char *commit = "Refactor RSS parser to use default namespace\n\n"
                         "This change avoids some limitations of the XML parser regarding "
                         "namespaces.";
    char *s = summ(commit, 3, 600); /* without the title: the heading comes first */
    assert_true(strncmp(s, "Refactor RSS parser", 19) == 0);
    free(s);
    s = summ_titled(commit, "Refactor RSS parser to use default namespace", 3);
    assert_string_equal(s, "This change avoids some limitations of the XML parser regarding "
                           "namespaces.");
    free(s);
    /* case and spaces aside; a text that is only the title has no summary */
    s = summ_titled("parse  PODCAST categories", "Parse podcast categories", 3);
    assert_string_equal(s, "");
    free(s);
    /* the title as a heading with a tail: "(via ...) - date" */
    s = summ_titled("First impressions of the new Nova models (via a plugin) - 2024-12-04\n"
                    "Amazon released three new models yesterday.",
                    "First impressions of the new Nova models", 3);
    assert_string_equal(s, "Amazon released three new models yesterday.");
    free(s);
    /* two thirds of the title, cut at a word, then a tail */
    s = summ_titled("I can now run a GPT-4 class model on my laptop - 2024-12-09\n"
                    "Meta's new model runs on my laptop.",
                    "I can now run a GPT-4 class model on my laptop with Llama 3.3 70B", 3);
    assert_string_equal(s, "Meta's new model runs on my laptop.");
    free(s);
    /* the title as the subject of a sentence, and a longer word than the title's: kept */
    s = summ_titled("Standard Ebooks takes ebooks from Project Gutenberg and typesets them.",
                    "Standard Ebooks", 3);
    assert_string_equal(s, "Standard Ebooks takes ebooks from Project Gutenberg and typesets "
                           "them.");
    free(s);
    s = summ_titled("Go 1.23 released", "Go 1.2", 3);
    assert_string_equal(s, "Go 1.23 released");
    free(s);
    s = summ_titled("Hugo Miguel apita o Benfica-Sporting, esta quarta-feira.",
                    "Hugo Miguel apita o Benfica-Sporting", 3);
    assert_string_equal(s, "Hugo Miguel apita o Benfica-Sporting, esta quarta-feira.");
    free(s);
}

/* Ads, share prompts and a link's bare label are not the summary; a sentence about code
 * is. */
static void test_boilerplate_lines(void **state)
{
    (void)state;
    const char *notes = "Use code ATP for 10% off your first order.\n"
                        "Get $20 off any suitcase with code ATP.\n"
                        "Use this link for 10% off for the life of your account.\n"
                        "Thanks for reading Example Newsletter! Subscribe for free.\n"
                        "Share on Mastodon\n"
                        "Marco reviews the new keyboard and its switches.\n";
    char *s = summ(notes, 3, 600);
    assert_string_equal(s, "Marco reviews the new keyboard and its switches.");
    free(s);
    s = summ("We use code generation to build the parsers of this project.", 3, 600);
    assert_string_equal(s, "We use code generation to build the parsers of this project.");
    free(s);
    static const char *const labels[] = {"Comments", "[link] [comments]", "12 comments",
                                         "Discuss (3 comments)"};
    for (size_t i = 0; i < sizeof labels / sizeof *labels; i++) {
        s = summ(labels[i], 3, 600);
        assert_string_equal(s, "");
        free(s);
    }
    /* a reddit link post keeps its only text, page chrome as it is */
    s = summ("submitted by /u/someone to r/programming [link] [comments]", 3, 600);
    assert_non_null(strstr(s, "submitted by"));
    free(s);
}

/* A digest (a newsletter: contents, then a section per item, the first under the title)
 * is summarized from the opening of the title's section, although the second item's terms
 * recur more. */
static void test_digest_first_item(void **state)
{
    (void)state;
    const char *text =
        "In this newsletter:\n"
        "Gemini streams video\n"
        "Canvas makes requests\n"
        "Plus 5 links and 3 quotations\n"
        "Gemini streams video - 2024-12-11\n"
        "Google released a model that watches a camera and talks back.\n"
        "It answers while the video plays.\n"
        "Canvas makes requests - 2024-12-10\n"
        "Canvas requests run Python, and Canvas requests fetch APIs for Canvas requests.\n"
        "Canvas requests are confusing: Canvas requests leak data through Canvas requests.\n";
    char *s = summ_titled(text, "Gemini streams video", 2);
    assert_string_equal(s, "Google released a model that watches a camera and talks back. "
                           "It answers while the video plays.");
    free(s);
    /* the section ends at the next heading: a third sentence is not taken from there */
    s = summ_titled(text, "Gemini streams video", 3);
    assert_string_equal(s, "Google released a model that watches a camera and talks back. "
                           "It answers while the video plays.");
    free(s);
    s = summ(text, 2, 600); /* without the title: the second item's recurring terms win */
    assert_null(strstr(s, "Google released"));
    assert_non_null(strstr(s, "Canvas"));
    free(s);
}

/* CJK sentences cut at line breaks are ended with 。 (a trailing ，：、； becomes it), so
 * that joined without spaces they stay apart; a repeated line is taken once. */
static void test_cjk_sentences_ended(void **state)
{
    (void)state;
    char *s = summ("半天了也没有上传成功，一会儿让朋友帮忙上传\n原盒品相号19.1/枚，江浙沪包邮\n", 3, 600);
    assert_string_equal(s, "半天了也没有上传成功，一会儿让朋友帮忙上传。原盒品相号19.1/枚，江浙沪包邮。");
    free(s);
    s = summ("此主题相关图片如下：\n此主题相关图片如下：\n此主题相关图片如下：\n", 3, 600);
    assert_string_equal(s, "此主题相关图片如下。");
    free(s);
    /* already ended, or Latin: as they were */
    s = summ("今天天气很好。\n我们去公园散步吧！\n", 3, 600);
    assert_string_equal(s, "今天天气很好。我们去公园散步吧！");
    free(s);
    s = summ("A line without a stop\nAnother line\n", 3, 600);
    assert_string_equal(s, "A line without a stop Another line");
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_split_latin),
        cmocka_unit_test(test_split_cjk),
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_english_article),
        cmocka_unit_test(test_budget_and_cut),
        cmocka_unit_test(test_chinese),
        cmocka_unit_test(test_japanese),
        cmocka_unit_test(test_escaping),
        cmocka_unit_test(test_testdata_budget),
        cmocka_unit_test(test_pinned),
        cmocka_unit_test(test_title_not_repeated),
        cmocka_unit_test(test_boilerplate_lines),
        cmocka_unit_test(test_digest_first_item),
        cmocka_unit_test(test_cjk_sentences_ended),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
