/* check.h: for sim/ and the interpreter that drives it (scenarios/interp.c).
 * The invariant checks that stay on in every build (STYLE rule 9: both
 * sides printed, then abort) and the one helper that fills a caller's error
 * buffer; shared so that every module reports the same way.
 */
#ifndef REPLBENCH_SIM_CHECK_H
#define REPLBENCH_SIM_CHECK_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

/* The checkers, for verdicts that tell them apart (never by message). */
typedef enum SimCheckKind {
    SIM_CHECK_NONE,
    SIM_CHECK_CONTRACT,             /* check_registry.h: the registry contract */
    SIM_CHECK_DATA,                 /* check_data.h */
    SIM_CHECK_OUTPUT,               /* check_output.h */
    SIM_CHECK_RESOURCES,            /* check_resources.h: the teardown */
    SIM_CHECK_LIVENESS,             /* liveness.h: after faults stop, it converges */
    SIM_CHECK__COUNT
} SimCheckKind;

/* "none", "contract", "data", "output", "resources", "liveness". */
const char *sim_check_kind_name(SimCheckKind kind);

/* Print "<file>: <func>: check failed: <what> (<a> vs <b>)" and abort. */
void sim_check_failed(const char *file, const char *func, const char *what,
                      long long a, long long b, bool show_values)
    __attribute__((noreturn));

#define SIM_CHECK(cond) \
    ((cond) ? (void)0 : sim_check_failed(__FILE__, __func__, #cond, 0, 0, false))

#define SIM_CHECK_OP(a, op, b) \
    (((a) op (b)) ? (void)0 \
     : sim_check_failed(__FILE__, __func__, #a " " #op " " #b, \
                        (long long)(a), (long long)(b), true))

/* The one error helper of sim/: printf into err (when not NULL and
 * errlen > 0); returns rc.  A module whose errors live in its own buffer
 * (the cluster's last error, the comparator's first error) binds it with a
 * small wrapper over sim_vfail, never a second formatter. */
int sim_fail(char *err, size_t errlen, int rc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
int sim_vfail(char *err, size_t errlen, int rc, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));

/* Count one checker violation, keeping its message when it is the first:
 * checkers report the first difference they saw and how many followed. */
void sim_note(unsigned *count, char *first, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif /* REPLBENCH_SIM_CHECK_H */
