/* daemon/claim.c: whether a start lists the output folder for the temporary files that a
 * killed process left (output/output_sweep.c).
 *
 * Why: the sweep reads the whole folder, recursively, at every start, and the folder only
 * grows: with 5000 posts it was the difference between 61.6 and 65.0 ms of CPU of a warm
 * `run --once` of 1000 feeds over HTTPS (perf: getdents64 under output_sweep_temp; Debian
 * 13). Such a file is only left by a process that died between creating it and renaming
 * or removing it (SIGKILL, out of memory, power loss); after clean exits there is nothing
 * to find.
 *
 * How: before its first file in a folder, a process records itself as the folder's writer
 * (pid, boot id, start time: common/proc.h; table output_writers), committed; at a clean
 * exit it removes its rows. A start lists the folder when a recorded writer is not
 * running (another boot, no such pid, another start time: the pid was reused), or is not
 * known to run, or when the folder was not swept during this boot (output_clean). A
 * power loss can take back the last commits (WAL with synchronous=NORMAL, SQLite's
 * "WAL mode ... synchronous=NORMAL ... a transaction committed might roll back following
 * a power loss"), but it also makes a new boot id, so the folder is swept. Without a boot
 * id (systemd's ProcSubset=pid hides /proc/sys) every start sweeps, as before. When in
 * doubt (a database error, a file kept for a running process), it sweeps. */
#include "daemon/claim.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/proc.h"
#include "common/util.h"
#include "daemon/app.h"
#include "output/output.h"

/* What is known of a recorded writer. */
enum writer_state { WRITER_RUNS, WRITER_GONE, WRITER_UNSURE };

/* Why a start lists the folder, or does not (SWEEP_NONE). */
enum sweep_reason { SWEEP_NONE, SWEEP_NO_BOOT_ID, SWEEP_DATABASE, SWEEP_NOT_CLEAN,
                    SWEEP_WRITER_GONE, SWEEP_WRITER_UNSURE };

static const char *const reason_text[] = {
    [SWEEP_NONE] = "not listed: swept before during this boot, and no writer of it died since",
    [SWEEP_NO_BOOT_ID] = "listed: this boot's id cannot be read",
    [SWEEP_DATABASE] = "listed: its writers cannot be read from the database",
    [SWEEP_NOT_CLEAN] = "listed: not swept yet during this boot",
    [SWEEP_WRITER_GONE] = "listed: a writer of it did not exit cleanly",
    [SWEEP_WRITER_UNSURE] = "listed: a writer of it may have died",
};

/* Who this process is: once. FEEDSD_BOOT_ID_FILE names another file than the kernel's,
 * for tests (feedsd(1)). Where /proc/sys is hidden, FEEDSD_BOOT_ID holds the id: the
 * systemd units set it from %b, as their ProcSubset=pid hides the kernel's file. */
static void self_know(struct app *app)
{
    if (app->self_known)
        return;
    app->self_known = 1;
    app->self.pid = (int64_t)getpid();
    app->self.boot_id = app->self_boot;
    const char *file = getenv("FEEDSD_BOOT_ID_FILE");
    const char *given = getenv("FEEDSD_BOOT_ID");
    if (proc_boot_id(file && *file ? file : NULL, app->self_boot, sizeof app->self_boot) < 0 &&
        (!given || proc_boot_id_parse(given, app->self_boot, sizeof app->self_boot) < 0))
        app->self_boot[0] = '\0';
    long long t;
    app->self.started = proc_start_time((long)getpid(), &t) == 0 ? (int64_t)t : 0;
}

/* The folder's identity: its device and inode, the same for every path that leads to it
 * (a symbolic link, another spelling). */
static void folder_key(const struct stat *st, char *key, size_t n)
{
    snprintf(key, n, "%llu:%llu", (unsigned long long)st->st_dev,
             (unsigned long long)st->st_ino);
}

int claim_folder(struct app *app, const char *dir, const struct stat *st, char *err,
                 size_t errlen)
{
    if (!app || !app->db)
        return 0;
    char key[64];
    folder_key(st, key, sizeof key);
    for (size_t i = 0; i < app->nclaimed; i++)
        if (!strcmp(app->claimed[i], key))
            return 0;
    self_know(app);
    if (db_writer_add(app->db, key, &app->self) < 0) {
        snprintf(err, errlen, "output folder %s: cannot record this process as its writer:"
                 " database: %s", dir, db_last_error(app->db));
        return -1;
    }
    app->claimed = xrealloc(app->claimed, (app->nclaimed + 1) * sizeof *app->claimed);
    app->claimed[app->nclaimed++] = xstrdup(key);
    return 0;
}

static enum writer_state writer_state(const struct app *app, const struct db_writer *w)
{
    const char *boot = app->self_boot;
    if (w->pid == app->self.pid && w->started == app->self.started &&
        !strcmp(w->boot_id, boot))
        return WRITER_RUNS;
    if (*w->boot_id && *boot && strcmp(w->boot_id, boot))
        return WRITER_GONE;     /* a process of another boot */
    if (w->pid <= 0 || (kill((pid_t)w->pid, 0) < 0 && errno == ESRCH))
        return WRITER_GONE;
    long long t;
    if (!*w->boot_id || !*boot || w->started <= 0 || proc_start_time((long)w->pid, &t) < 0)
        return WRITER_UNSURE;   /* a pid that runs, which /proc does not show */
    return t == w->started ? WRITER_RUNS : WRITER_GONE;
}

void claim_sweep(struct app *app)
{
    const char *dir = app->cfg.output;
    struct stat st;
    if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
        return;     /* no folder: nothing in it to sweep */
    if (!app->db) {
        output_sweep_temp(dir, NULL);
        return;
    }
    self_know(app);
    char key[64];
    folder_key(&st, key, sizeof key);
    char *clean = NULL;
    struct db_writer *w = NULL;
    size_t n = 0, ngone = 0;
    enum sweep_reason why = SWEEP_NONE;
    if (!*app->self_boot)
        why = SWEEP_NO_BOOT_ID;
    else if (db_output_state(app->db, key, &clean, &w, &n) < 0)
        why = SWEEP_DATABASE;
    else if (!clean || strcmp(clean, app->self_boot))
        why = SWEEP_NOT_CLEAN;
    /* the writers found gone go to the front of w */
    for (size_t i = 0; i < n; i++) {
        enum writer_state s = writer_state(app, &w[i]);
        if (s == WRITER_GONE) {
            struct db_writer t = w[ngone];
            w[ngone++] = w[i];
            w[i] = t;
        }
        if (why == SWEEP_NONE && s != WRITER_RUNS)
            why = s == WRITER_GONE ? SWEEP_WRITER_GONE : SWEEP_WRITER_UNSURE;
    }
    log_debug("output folder %s: %s", dir, reason_text[why]);
    if (why != SWEEP_NONE) {
        size_t kept = 0;
        int removed = output_sweep_temp(dir, &kept);
        /* Clean for this boot only when nothing is left that a process may still own:
         * a kept file's pid runs, but it may be a new process with a dead writer's pid. */
        const char *now_clean = removed >= 0 && kept == 0 && *app->self_boot
                                    ? app->self_boot : NULL;
        if ((why != SWEEP_NO_BOOT_ID && why != SWEEP_DATABASE) &&
            (ngone || now_clean) &&
            db_output_swept(app->db, key, now_clean, w, ngone) < 0)
            log_warn("output folder %s: cannot record its sweep: database: %s", dir,
                     db_last_error(app->db));
    }
    db_writers_free(w, n);
    free(clean);
}

void claim_release(struct app *app)
{
    if (app->nclaimed && db_writer_remove(app->db, &app->self) < 0)
        log_warn("cannot forget this process as a writer of the output folder: database: %s",
                 db_last_error(app->db));
    for (size_t i = 0; i < app->nclaimed; i++)
        free(app->claimed[i]);
    free(app->claimed);
    app->claimed = NULL;
    app->nclaimed = 0;
}
