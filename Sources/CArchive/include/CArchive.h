#ifndef PIPETTE_CARCHIVE_H
#define PIPETTE_CARCHIVE_H

#include <archive.h>
#include <archive_entry.h>
#include <sys/syscall.h>
#include <unistd.h>

/// Gives the calling thread its own umask, working directory and root (unshare(CLONE_FS); a
/// no-op once it has them). archive_write_disk_new reads the umask by setting it to 0 and back;
/// done on a thread sharing them, a file another thread creates in that instant gets no umask.
/// Returns 0, or -1 with errno.
static inline int pipette_own_umask(void) {
    return (int)syscall(SYS_unshare, 0x00000200 /* CLONE_FS */);
}

/// Opens libarchive if it is not open yet. NULL when it is open, else what is missing and how to
/// install it. Each function of libarchive that Pipette calls opens it too (ArchiveLibrary.c).
const char *pipette_archive_open(void);

#endif
