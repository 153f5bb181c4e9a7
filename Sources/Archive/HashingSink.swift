import Crypto
import Foundation

/// Where an `ArchiveWriter` sends its bytes: a file descriptor, hashed on the way.
final class HashingSink {
    let fd: Int32
    var hasher = SHA256()
    var bytes: Int64 = 0
    var failure: String?

    init(path: String) throws(ArchiveError) {
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .writeFailed(path: path, reason: String(cString: strerror(errno))) }
    }

    /// Writes all of `buffer`; returns false (and remembers why) on an I/O error.
    func write(_ buffer: UnsafeRawBufferPointer) -> Bool {
        hasher.update(bufferPointer: buffer)
        var offset = 0
        while offset < buffer.count {
            let n = Foundation.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                failure = String(cString: strerror(errno))
                return false
            }
            offset += n
        }
        bytes += Int64(buffer.count)
        return true
    }

    func finish() -> ArchiveDigest {
        close(fd)
        return ArchiveDigest(hash: hasher.finalize(), size: bytes)
    }
}
