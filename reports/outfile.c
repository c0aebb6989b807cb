/* outfile.c: output files written whole, by one process (report.h): the
 * results, trace and report files of every command.  A regular file (or a
 * new name) is locked (fcntl) and emptied at once, written under a
 * temporary name beside it and renamed over it when complete; a FIFO or a
 * device is written in place.  Knows nothing of what is written.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "report.h"

#define LOCK_TRIES 8                /* the name replaced under us: try again */

/* A POSIX record lock on the whole file, without waiting: 0, or -1 with
 * errno (EAGAIN or EACCES: another process holds one).  A record lock is
 * the process's own: the workers it forks do not hold it, so a command
 * killed is a file unlocked at once, whatever its workers do. */
static int lock_whole(int fd, short type)
{
    struct flock l = { .l_type = type, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0 };

    return fcntl(fd, F_SETLK, &l);
}

static bool held_elsewhere(int e)
{
    return e == EAGAIN || e == EACCES;
}

struct ReportOut {
    char *path;
    char *tmp;                      /* NULL: written in place */
    int lock_fd;                    /* the lock on path, or -1 */
    FILE *f;
};

static void say(char *err, size_t errlen, const char *path, const char *why)
{
    snprintf(err, errlen, "%s: %s", path, why);
}

/* path opened and locked for this process alone: 0, 1 when another process
 * holds it, or -1 (errno).  The name must still be the inode locked: a
 * writer that finished renames its file over it between our open and our
 * lock. */
static int lock_path(const char *path, int *fd)
{
    for (int i = 0; i < LOCK_TRIES; i++) {
        struct stat held, named;

        *fd = open(path, O_WRONLY | O_CREAT | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW, 0666);
        if (*fd < 0) {
            return -1;
        }
        if (fstat(*fd, &held) != 0 || !S_ISREG(held.st_mode)) {
            close(*fd);
            errno = EINVAL;     /* swapped for something else since lstat */
            return -1;
        }
        if (lock_whole(*fd, F_WRLCK) != 0) {
            int e = errno;

            close(*fd);
            *fd = -1;
            errno = e;
            return held_elsewhere(e) ? 1 : -1;
        }
        if (fstat(*fd, &held) == 0 && stat(path, &named) == 0 && held.st_dev == named.st_dev &&
            held.st_ino == named.st_ino) {
            return 0;
        }
        close(*fd);
    }
    *fd = -1;
    errno = EAGAIN;
    return -1;
}

/* A temporary file beside path, with the mode a new file would have. */
static FILE *open_tmp(ReportOut *o)
{
    mode_t mask = umask(0);
    int fd;
    FILE *f;

    umask(mask);
    o->tmp = malloc(strlen(o->path) + sizeof(".part-XXXXXX"));
    if (o->tmp == NULL) {
        errno = ENOMEM;
        return NULL;
    }
    sprintf(o->tmp, "%s.part-XXXXXX", o->path);
    fd = mkstemp(o->tmp);
    if (fd < 0) {
        free(o->tmp);
        o->tmp = NULL;
        return NULL;
    }
    if (fchmod(fd, 0666 & ~mask) != 0 || (f = fdopen(fd, "w")) == NULL) {
        int e = errno;

        close(fd);
        unlink(o->tmp);
        errno = e;
        return NULL;
    }
    return f;
}

/* A FIFO (only with a reader: no hang) or a device, written in place. */
static FILE *open_special(const char *path)
{
    int fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    int flags;

    if (fd < 0) {
        return NULL;
    }
    flags = fcntl(fd, F_GETFL);
    if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0) {
        close(fd);
        return NULL;
    }
    return fdopen(fd, "w");
}

/* A regular file or a new name: locked, emptied, and a temporary file. */
static const char *open_whole(ReportOut *o)
{
    int rc = lock_path(o->path, &o->lock_fd);

    if (rc > 0) {
        return "being written by another process, or read by merge (it holds the lock): "
               "refused";
    }
    if (rc < 0) {
        return strerror(errno);
    }
    /* What a run that dies leaves: an empty file, never an older run's. */
    if (ftruncate(o->lock_fd, 0) != 0 || (o->f = open_tmp(o)) == NULL) {
        return strerror(errno);
    }
    return NULL;
}

ReportOut *report_out_open(const char *path, char *err, size_t errlen)
{
    ReportOut *o = calloc(1, sizeof(*o));
    struct stat st;
    const char *why = NULL;

    if (o == NULL || (o->path = strdup(path)) == NULL) {
        free(o);
        say(err, errlen, path, "out of memory");
        return NULL;
    }
    o->lock_fd = -1;
    if (lstat(path, &st) != 0) {
        why = errno == ENOENT ? open_whole(o) : strerror(errno);
    } else if (S_ISREG(st.st_mode)) {
        why = open_whole(o);
    } else if (S_ISLNK(st.st_mode) && (stat(path, &st) != 0 || S_ISREG(st.st_mode))) {
        why = "a symbolic link: name the file it points to";
    } else if (S_ISDIR(st.st_mode)) {
        why = "is a folder";
    } else {
        o->f = open_special(path);
        why = o->f == NULL ? (errno == ENXIO ? "a FIFO without a reader" : strerror(errno))
                           : NULL;
    }
    if (why != NULL) {
        say(err, errlen, path, why);
        report_out_abandon(o);
        return NULL;
    }
    return o;
}

FILE *report_out_file(const ReportOut *o)
{
    return o->f;
}

const char *report_out_path(const ReportOut *o)
{
    return o->path;
}

int report_out_close(ReportOut *o, char *err, size_t errlen)
{
    int rc = 0;
    int e = 0;

    if (fflush(o->f) != 0 || ferror(o->f) || (o->tmp != NULL && fsync(fileno(o->f)) != 0)) {
        e = errno != 0 ? errno : EIO;
        rc = -1;
    }
    if (fclose(o->f) != 0 && rc == 0) {
        e = errno;
        rc = -1;
    }
    o->f = NULL;
    if (rc == 0 && o->tmp != NULL && rename(o->tmp, o->path) != 0) {
        e = errno;
        rc = -1;
    }
    if (rc == 0 && o->tmp != NULL) {
        free(o->tmp);
        o->tmp = NULL;
    }
    if (rc != 0) {
        say(err, errlen, o->path, e != 0 ? strerror(e) : "cannot write");
    }
    report_out_abandon(o);
    return rc;
}

void report_out_abandon(ReportOut *o)
{
    if (o == NULL) {
        return;
    }
    if (o->f != NULL) {
        fclose(o->f);
    }
    if (o->tmp != NULL) {
        unlink(o->tmp);
    }
    if (o->lock_fd >= 0) {
        close(o->lock_fd);
    }
    free(o->tmp);
    free(o->path);
    free(o);
}

int report_in_open(const char *path, char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    struct stat st;
    const char *why = NULL;
    int flags;

    if (fd < 0 || fstat(fd, &st) != 0) {
        why = strerror(errno);
    } else if (S_ISDIR(st.st_mode)) {
        why = "is a folder";
    } else if (S_ISREG(st.st_mode) && lock_whole(fd, F_RDLCK) != 0) {
        why = held_elsewhere(errno) ? "being written by another process (it holds the lock)"
                                    : strerror(errno);
    } else if ((flags = fcntl(fd, F_GETFL)) < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0) {
        why = strerror(errno);
    }
    if (why != NULL) {
        snprintf(err, errlen, "%s: cannot read: %s", path, why);
        if (fd >= 0) {
            close(fd);
        }
        return -1;
    }
    return fd;
}
