/* daemon/filter.h: include / exclude rules on entries (the include and exclude keys, global
 * and per feed; docs/configuration.md, "Filters"). A rule is "FIELDS: REGEX": fields from
 * title, content, author, categories, link, any; the regular expression is POSIX extended
 * (regcomp(3)), "(?i)" at its start for case-insensitive matching. An entry is kept when it
 * matches no exclude rule and, if there are include rules, at least one of them. */
#ifndef FEEDSD_FILTER_H
#define FEEDSD_FILTER_H

#include <stddef.h>

struct entry;

enum filter_kind { FILTER_INCLUDE, FILTER_EXCLUDE };

struct filter_rule;

struct filter_set {
    struct filter_rule **v;
    size_t n;
};

/* What an entry that no include rule matched is counted under. */
#define FILTER_NO_INCLUDE "include: no include rule matched"

/* Compiles spec and appends it to s. 0, or -1 with the reason in why (an unknown field, a
 * missing ':', the regcomp error). */
int filter_add(struct filter_set *s, enum filter_kind kind, const char *spec, char *why,
               size_t whylen);
void filter_set_free(struct filter_set *s);

/* NULL when e is kept under the rules of both sets (either may be NULL or empty), else
 * the text of the rule that dropped it ("exclude title: (?i)sponsored", or
 * FILTER_NO_INCLUDE), which lives as long as the sets. */
const char *filter_decide(const struct filter_set *global, const struct filter_set *feed,
                          const struct entry *e);

#endif
