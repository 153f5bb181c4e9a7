#ifndef PIPETTE_CSPAWN_H
#define PIPETTE_CSPAWN_H

#include <spawn.h>
#include <sys/types.h>

/// GNU extensions Swift's Glibc module does not declare (it is built without _GNU_SOURCE).

/// pipe2(fds, O_CLOEXEC): a pipe whose ends no other thread's child can inherit.
int pipette_pipe_cloexec(int fds[2]);

/// posix_spawn_file_actions_addclosefrom_np: the child keeps no descriptor from `from` up.
int pipette_spawn_close_from(posix_spawn_file_actions_t *actions, int from);

/// gettid(): the calling thread's id (for a per-thread nice value with setpriority).
pid_t pipette_thread_id(void);

#endif
