/* daemon/article.h: the full-article stage of an entry (see article.c). State: app->pages (in
 * flight) and entries.page_state in the database. */
#ifndef FEEDSD_ARTICLE_H
#define FEEDSD_ARTICLE_H

struct app;
struct db_entry;

/* For an entry in stage NEW: 1 when its text is final (no page wanted, fetched, or given
 * up), 0 while its page is wanted, -1 on a database error. Decides on first sight. */
int article_decide(struct app *app, struct db_entry *e);
/* Starts due page fetches. */
void article_kick(struct app *app);
int article_busy(struct app *app);
void article_free(struct app *app);

#endif
