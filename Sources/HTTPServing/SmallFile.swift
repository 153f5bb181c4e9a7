import Foundation

/// A small file written whole with one write(2) and no sync: for records a store can rebuild
/// or check (a blob's sidecar, a droplet's record), where a sync would cost a journal commit.
public enum SmallFile {
    /// Writes `bytes` to a new `path`; on failure nothing is left there.
    public static func write(_ bytes: [UInt8], to path: String) throws(HTTPServiceError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .io("cannot create", path, errno: errno) }
        let written = bytes.withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) }
        var code = written < 0 ? errno : ENOSPC
        if close(fd) != 0, written == bytes.count { code = errno }
        else if written == bytes.count { return }
        unlink(path)
        throw .io("cannot write", path, errno: code)
    }
}
