import Foundation

/// libarchive converts entry names through the C library's current locale; in the "C" locale
/// (the default of a process that never calls setlocale) a UTF-8 name cannot be converted and
/// the entry comes back nameless, with a warning. Archive work runs under C.UTF-8 instead, set
/// for the calling thread only.
enum UTF8Names {
    nonisolated(unsafe) private static let locale: locale_t? = newlocale(1 << LC_CTYPE, "C.UTF-8", nil)

    /// Runs `body` synchronously with the thread's locale set to C.UTF-8, then restores it.
    static func using<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        guard let locale = locale, let previous = uselocale(locale) else { return try body() }
        defer { uselocale(previous) }
        return try body()
    }
}
