import Foundation

/// Writes a file that another program reads at once and nobody needs after a crash (a runc
/// bundle's config.json, a CNI plugin's input) with C stdio: Foundation's `Data.write`
/// also fsyncs, which is a wasted disk flush here and costs milliseconds on an SD card.
enum ScratchFile {
    /// Creates or replaces `url` with `data`, mode 0644 at most (whatever the umask: a container's
    /// spec must not be writable by others). Throws the system's reason; a failed close counts,
    /// since some file systems report a full disk only then.
    static func write(_ data: Data, to url: URL) throws(ScratchFileError) {
        let fd = open(url.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ScratchFileError(path: url.path, errno: errno) }
        guard let file = fdopen(fd, "w") else {
            let failure = errno
            close(fd)
            throw ScratchFileError(path: url.path, errno: failure)
        }
        let written = data.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        let writeFailure = written == data.count ? nil : errno
        let closed = fclose(file) == 0
        if let failure = writeFailure ?? (closed ? nil : errno) { throw ScratchFileError(path: url.path, errno: failure) }
    }
}

/// Writing a scratch file failed: the path and the system's reason ("No space left on device").
struct ScratchFileError: Error, CustomStringConvertible {
    let path: String
    let errno: Int32
    var description: String { "cannot write \(path): \(String(cString: strerror(errno)))" }
}
