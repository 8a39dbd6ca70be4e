/* daemon/claim.h: the output folders' writers (daemon/claim.c). */
#ifndef FEEDSD_CLAIM_H
#define FEEDSD_CLAIM_H

#include <stddef.h>
#include <sys/stat.h>

struct app;

/* Records this process as a writer of the output folder dir (st: its stat), committed,
 * before the process creates its first file there; once per folder. Nothing without a
 * database (app->db NULL: a database made after it has no clean boot for any folder, so
 * its first start sweeps). 0, or -1 with the reason in err. */
int claim_folder(struct app *app, const char *dir, const struct stat *st, char *err,
                 size_t errlen);
/* At start, once the folder is claimed and before any file is written: removes the
 * temporary files a process that died left in app->cfg.output (output_sweep_temp), when
 * one may have; forgets the writers found dead and records the folder as clean for
 * this boot. */
void claim_sweep(struct app *app);
/* At a clean exit: this process's rows go, committed (it has no temporary file left). */
void claim_release(struct app *app);

#endif
