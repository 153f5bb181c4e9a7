#define _GNU_SOURCE
#include <fcntl.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "CSpawn.h"

int pipette_pipe_cloexec(int fds[2]) { return pipe2(fds, O_CLOEXEC); }

int pipette_spawn_close_from(posix_spawn_file_actions_t *actions, int from) {
    return posix_spawn_file_actions_addclosefrom_np(actions, from);
}

pid_t pipette_thread_id(void) {
    return (pid_t)syscall(SYS_gettid);
}
