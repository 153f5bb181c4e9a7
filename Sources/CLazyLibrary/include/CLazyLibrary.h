#ifndef PIPETTE_LAZY_LIBRARY_H
#define PIPETTE_LAZY_LIBRARY_H

#include <pthread.h>
#include <stddef.h>

/// A shared C library opened on first use instead of by the dynamic loader at every start.
///
/// libnats and libarchive, with the libraries they bring (OpenSSL, libxml2, ICU, nettle, zstd,
/// ...), cost every `pipette` process about 5 ms before its first line ran, also the commands
/// that use neither (BENCHMARKS.md, "libnats and libarchive opened on first use"). CNATS and
/// CArchive define each function Pipette calls as a stub that opens the library here on first
/// use and calls through.
typedef struct {
    /// File names to open, tried in order (the runtime package's soname first), NULL-terminated.
    const char *const *files;
    /// The Debian package that provides it: named in the error.
    const char *package;
    /// The functions to resolve, `count` of them; `functions[i]` receives `symbols[i]`.
    const char *const *symbols;
    void **functions;
    size_t count;
    /// Private: guards the first open. 0 not tried, 1 open, 2 failed (`error` says why).
    pthread_mutex_t lock;
    volatile int state;
    char error[768];
} pipette_lazy_library;

/// Opens `library` once (later calls return at once). Returns NULL when it is open, else a
/// sentence saying what is missing and how to install it.
const char *pipette_lazy_library_open(pipette_lazy_library *library);

/// The function at `index`, opening the library first. A stub calls this; should the library be
/// missing, it prints the error and ends the process with status 69 (EX_UNAVAILABLE): callers
/// check `pipette_lazy_library_open` first where they can say so as a typed error.
void *pipette_lazy_library_function(pipette_lazy_library *library, size_t index);

/// Defines `library` (a static `pipette_lazy_library`) and one stub per function of `LIST`, a
/// macro `LIST(F, V)` that names each function once: `F(return type, name, (parameters),
/// (arguments))`, or `V(name, (parameters), (arguments))` for one returning void. A stub's
/// signature must match the library's header, which the compiler checks, and it calls the real
/// function through a pointer of the header's type. A function Pipette starts calling is added to
/// the list; until then the link fails naming it.
#define PIPETTE_LAZY_LIBRARY(library, LIST, package, ...)                                           \
    enum { LIST(PIPETTE_LAZY_INDEX_F, PIPETTE_LAZY_INDEX_V) PIPETTE_LAZY_COUNT };                  \
    static const char *const library##_files[] = {__VA_ARGS__, NULL};                             \
    static const char *const library##_symbols[] = {LIST(PIPETTE_LAZY_NAME_F, PIPETTE_LAZY_NAME_V)}; \
    static void *library##_functions[PIPETTE_LAZY_COUNT];                                          \
    static pipette_lazy_library library = {                                                       \
        library##_files, package, library##_symbols, library##_functions, PIPETTE_LAZY_COUNT,      \
        PTHREAD_MUTEX_INITIALIZER, 0, ""};                                                         \
    LIST(PIPETTE_LAZY_STUB_F, PIPETTE_LAZY_STUB_V)

#define PIPETTE_LAZY_INDEX_F(type, name, parameters, arguments) PIPETTE_LAZY_INDEX_##name,
#define PIPETTE_LAZY_INDEX_V(name, parameters, arguments) PIPETTE_LAZY_INDEX_##name,
#define PIPETTE_LAZY_NAME_F(type, name, parameters, arguments) #name,
#define PIPETTE_LAZY_NAME_V(name, parameters, arguments) #name,
/// The stubs use `PIPETTE_LAZY_THIS`, which the file defining them names its library.
#define PIPETTE_LAZY_STUB_F(type, name, parameters, arguments)                                     \
    type name parameters {                                                                         \
        return ((__typeof__(&name))pipette_lazy_library_function(&PIPETTE_LAZY_THIS,               \
                                                                 PIPETTE_LAZY_INDEX_##name))arguments; \
    }
#define PIPETTE_LAZY_STUB_V(name, parameters, arguments)                                           \
    void name parameters {                                                                         \
        ((__typeof__(&name))pipette_lazy_library_function(&PIPETTE_LAZY_THIS,                      \
                                                          PIPETTE_LAZY_INDEX_##name))arguments;     \
    }

#endif
