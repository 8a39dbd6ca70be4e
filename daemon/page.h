/* daemon/page.h: the full-article stage of an entry (see page.c). State: app->pages (in
 * flight) and entries.page_state in the database. */
#ifndef FEEDSD_PAGE_H
#define FEEDSD_PAGE_H

struct app;
struct db_entry;

/* For an entry in stage NEW: 1 when its text is final (no page wanted, fetched, or given
 * up), 0 while its page is wanted, -1 on a database error. Decides on first sight. */
int page_decide(struct app *app, struct db_entry *e);
/* Starts due page fetches. */
void page_kick(struct app *app);
int page_busy(struct app *app);
void page_free(struct app *app);

#endif
