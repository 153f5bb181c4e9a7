#include "CArchive.h"
#include "CLazyLibrary.h"

// libarchive, opened on first use (CLazyLibrary.h says why): every function of it Pipette calls.
#define ARCHIVE_FUNCTIONS(F, V) \
    F(mode_t, archive_entry_filetype, (struct archive_entry *p0), (p0)) \
    V(archive_entry_free, (struct archive_entry *p0), (p0)) \
    F(const char *, archive_entry_hardlink, (struct archive_entry *p0), (p0)) \
    F(struct archive_entry *, archive_entry_new, (void), ()) \
    F(const char *, archive_entry_pathname, (struct archive_entry *p0), (p0)) \
    F(mode_t, archive_entry_perm, (struct archive_entry *p0), (p0)) \
    V(archive_entry_set_filetype, (struct archive_entry *p0, unsigned int p1), (p0, p1)) \
    V(archive_entry_set_gid, (struct archive_entry *p0, la_int64_t p1), (p0, p1)) \
    V(archive_entry_set_gname, (struct archive_entry *p0, const char *p1), (p0, p1)) \
    V(archive_entry_set_hardlink, (struct archive_entry *p0, const char *p1), (p0, p1)) \
    V(archive_entry_set_mtime, (struct archive_entry *p0, time_t p1, long p2), (p0, p1, p2)) \
    V(archive_entry_set_pathname, (struct archive_entry *p0, const char *p1), (p0, p1)) \
    V(archive_entry_set_perm, (struct archive_entry *p0, mode_t p1), (p0, p1)) \
    V(archive_entry_set_size, (struct archive_entry *p0, la_int64_t p1), (p0, p1)) \
    V(archive_entry_set_symlink, (struct archive_entry *p0, const char *p1), (p0, p1)) \
    V(archive_entry_set_uid, (struct archive_entry *p0, la_int64_t p1), (p0, p1)) \
    V(archive_entry_set_uname, (struct archive_entry *p0, const char *p1), (p0, p1)) \
    F(la_int64_t, archive_entry_size, (struct archive_entry *p0), (p0)) \
    F(int, archive_entry_size_is_set, (struct archive_entry *p0), (p0)) \
    F(const char *, archive_entry_symlink, (struct archive_entry *p0), (p0)) \
    F(int, archive_errno, (struct archive *p0), (p0)) \
    F(const char *, archive_error_string, (struct archive *p0), (p0)) \
    F(la_int64_t, archive_filter_bytes, (struct archive *p0, int p1), (p0, p1)) \
    F(int, archive_format, (struct archive *p0), (p0)) \
    F(int, archive_read_data_block, (struct archive *p0, const void **p1, size_t *p2, la_int64_t *p3), (p0, p1, p2, p3)) \
    F(int, archive_read_data_skip, (struct archive *p0), (p0)) \
    F(int, archive_read_free, (struct archive *p0), (p0)) \
    F(struct archive *, archive_read_new, (void), ()) \
    F(int, archive_read_next_header, (struct archive *p0, struct archive_entry **p1), (p0, p1)) \
    F(int, archive_read_open_filename, (struct archive *p0, const char *p1, size_t p2), (p0, p1, p2)) \
    F(int, archive_read_support_filter_gzip, (struct archive *p0), (p0)) \
    F(int, archive_read_support_filter_none, (struct archive *p0), (p0)) \
    F(int, archive_read_support_format_gnutar, (struct archive *p0), (p0)) \
    F(int, archive_read_support_format_tar, (struct archive *p0), (p0)) \
    F(int, archive_read_support_format_zip, (struct archive *p0), (p0)) \
    F(int, archive_write_add_filter_gzip, (struct archive *p0), (p0)) \
    F(int, archive_write_add_filter_program, (struct archive *p0, const char *p1), (p0, p1)) \
    F(int, archive_write_close, (struct archive *p0), (p0)) \
    F(la_ssize_t, archive_write_data, (struct archive *p0, const void *p1, size_t p2), (p0, p1, p2)) \
    F(la_ssize_t, archive_write_data_block, (struct archive *p0, const void *p1, size_t p2, la_int64_t p3), (p0, p1, p2, p3)) \
    F(struct archive *, archive_write_disk_new, (void), ()) \
    F(int, archive_write_disk_set_options, (struct archive *p0, int p1), (p0, p1)) \
    F(int, archive_write_finish_entry, (struct archive *p0), (p0)) \
    F(int, archive_write_free, (struct archive *p0), (p0)) \
    F(int, archive_write_header, (struct archive *p0, struct archive_entry *p1), (p0, p1)) \
    F(struct archive *, archive_write_new, (void), ()) \
    F(int, archive_write_open, (struct archive *p0, void *p1, archive_open_callback *p2, archive_write_callback *p3, archive_close_callback *p4), (p0, p1, p2, p3, p4)) \
    F(int, archive_write_set_bytes_in_last_block, (struct archive *p0, int p1), (p0, p1)) \
    F(int, archive_write_set_format_pax_restricted, (struct archive *p0), (p0)) \
    F(int, archive_write_set_format_zip, (struct archive *p0), (p0)) \
    F(int, archive_write_set_options, (struct archive *p0, const char *p1), (p0, p1))


#define PIPETTE_LAZY_THIS archive_library
PIPETTE_LAZY_LIBRARY(archive_library, ARCHIVE_FUNCTIONS, "libarchive13", "libarchive.so.13", "libarchive.so")

const char *pipette_archive_open(void) { return pipette_lazy_library_open(&archive_library); }
