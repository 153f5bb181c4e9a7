#include "CLazyLibrary.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void open_locked(pipette_lazy_library *library) {
    void *handle = NULL;
    // The error quotes why the first file (the runtime package's) failed; a later dlopen would
    // overwrite dlerror's text, so it is copied now.
    char reason[512] = "no file name given";
    for (const char *const *file = library->files; *file && !handle; file++) {
        handle = dlopen(*file, RTLD_NOW | RTLD_LOCAL);
        const char *why = handle ? NULL : dlerror();
        if (why && file == library->files) snprintf(reason, sizeof reason, "%s", why);
    }
    if (!handle) {
        snprintf(library->error, sizeof library->error,
                 "cannot load %s (%s); install it with `apt-get install %s`",
                 library->files[0], reason, library->package);
        __atomic_store_n(&library->state, 2, __ATOMIC_RELEASE);
        return;
    }
    for (size_t i = 0; i < library->count; i++) {
        library->functions[i] = dlsym(handle, library->symbols[i]);
        if (!library->functions[i]) {
            snprintf(library->error, sizeof library->error,
                     "%s has no function %s: Pipette needs the version of %s it was built with",
                     library->files[0], library->symbols[i], library->package);
            dlclose(handle);
            __atomic_store_n(&library->state, 2, __ATOMIC_RELEASE);
            return;
        }
    }
    __atomic_store_n(&library->state, 1, __ATOMIC_RELEASE);
}

const char *pipette_lazy_library_open(pipette_lazy_library *library) {
    int state = __atomic_load_n(&library->state, __ATOMIC_ACQUIRE);
    if (state == 0) {
        pthread_mutex_lock(&library->lock);
        if (__atomic_load_n(&library->state, __ATOMIC_ACQUIRE) == 0) open_locked(library);
        pthread_mutex_unlock(&library->lock);
        state = __atomic_load_n(&library->state, __ATOMIC_ACQUIRE);
    }
    return state == 1 ? NULL : library->error;
}

void *pipette_lazy_library_function(pipette_lazy_library *library, size_t index) {
    if (__builtin_expect(__atomic_load_n(&library->state, __ATOMIC_ACQUIRE) != 1, 0)) {
        const char *error = pipette_lazy_library_open(library);
        if (error) {
            fprintf(stderr, "pipette: %s\n", error);
            _exit(69);
        }
    }
    return library->functions[index];
}
