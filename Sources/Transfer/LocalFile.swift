import Foundation

/// A file being written by a download: plain POSIX writes, so a failing disk is reported with
/// its errno as `TransferError.localWrite`, never mistaken for a network fault.
final class LocalFile {
    private var fd: Int32
    private let what: String

    init(creating path: String, what: String) throws(TransferError) {
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        self.what = what
        guard fd >= 0 else { throw .localWrite(what: what, code: errno) }
    }

    deinit { if fd >= 0 { Foundation.close(fd) } }

    func write(_ bytes: UnsafeRawBufferPointer) throws(TransferError) {
        var offset = 0
        while offset < bytes.count {
            let n = Foundation.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                throw .localWrite(what: what, code: errno)
            }
            offset += n
        }
    }

    /// Closes the file; some file systems (NFS) report a full disk only here.
    func close() throws(TransferError) {
        let result = Foundation.close(fd)
        fd = -1
        guard result == 0 else { throw .localWrite(what: what, code: errno) }
    }
}
