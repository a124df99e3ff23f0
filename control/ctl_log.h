/*
 * ctl_log.h - control's log lines on stderr, one per event, in the shape of
 * Elasticsearch's console log: [timestamp][LEVEL][component] message.
 */
#ifndef CTL_LOG_H
#define CTL_LOG_H

/* Log one line (a newline is added). Safe from the main loop only. */
void
ctl_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
