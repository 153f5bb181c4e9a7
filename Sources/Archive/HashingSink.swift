import Foundation

/// Where an `ArchiveWriter` sends its bytes: a file descriptor, hashed on the way.
final class HashingSink {
    let fd: Int32
    var digest = RunningDigest()
    /// The errno of the first failed write or close.
    var failure: Int32?

    /// Opens `path` for writing; nil with `errno` set when it cannot.
    init?(path: String) {
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return nil }
    }

    /// Writes all of `buffer`; returns false (and remembers why) on an I/O error.
    func write(_ buffer: UnsafeRawBufferPointer) -> Bool {
        digest.update(buffer)
        var offset = 0
        while offset < buffer.count {
            let n = Foundation.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                failure = errno
                return false
            }
            offset += n
        }
        return true
    }

    /// Closes the file (a failed close is a failed write: some file systems report a full disk
    /// only then) and returns the digest of what was written.
    func finish() -> ArchiveDigest {
        if close(fd) != 0, failure == nil { failure = errno }
        return digest.finish()
    }
}
