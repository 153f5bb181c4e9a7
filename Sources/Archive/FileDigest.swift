import Foundation

/// sha256 of a file on disk, read in chunks (never the whole file in memory).
public enum FileDigest {
    public static func sha256(of path: URL) throws(ArchiveError) -> ArchiveDigest {
        let fd = open(path.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .unreadable(path: path.path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        var digest = RunningDigest()
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 256 * 1024, alignment: 16)
        defer { chunk.deallocate() }
        while true {
            let n = read(fd, chunk.baseAddress, chunk.count)
            if n < 0, errno == EINTR { continue }
            guard n >= 0 else { throw .unreadable(path: path.path, reason: String(cString: strerror(errno))) }
            if n == 0 { break }
            digest.update(UnsafeRawBufferPointer(rebasing: chunk[0..<n]))
        }
        return digest.finish()
    }
}
