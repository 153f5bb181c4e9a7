/// Gives freed heap memory back to the system. glibc keeps what a burst of large requests
/// (a 900 KB start command, an environment of 50,000 variables) freed inside its heap, so a
/// stager's RSS would stay at its high-water mark; trimming when the stager goes idle keeps it flat.
enum MemoryRelease {
    static func toSystem() {
        #if os(Linux)
        _ = glibcMallocTrim(0)
        #endif
    }
}

#if os(Linux)
/// glibc's `malloc_trim(3)` (in `<malloc.h>`, which the Glibc module does not export).
@_silgen_name("malloc_trim")
private func glibcMallocTrim(_ pad: Int) -> Int32
#endif
