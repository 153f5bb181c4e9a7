import Foundation

/// Writes a file that another program reads at once and nobody needs after a crash (a runc
/// bundle's config.json, a CNI plugin's input). Plain open/write/close: Foundation's `Data.write`
/// also fsyncs, which is a wasted disk flush here and costs milliseconds on an SD card.
enum ScratchFile {
    /// Creates or replaces `url` with `data` (mode 0644). Throws the system's reason.
    static func write(_ data: Data, to url: URL) throws(ScratchFileError) {
        let fd = open(url.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ScratchFileError(path: url.path, errno: errno) }
        defer { close(fd) }
        var failure: Int32?
        data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) in
            var offset = 0
            while offset < bytes.count {
                let written = Foundation.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    return
                }
                offset += written
            }
        }
        if let failure { throw ScratchFileError(path: url.path, errno: failure) }
    }
}

/// Writing a scratch file failed: the path and the system's reason ("No space left on device").
struct ScratchFileError: Error, CustomStringConvertible {
    let path: String
    let errno: Int32
    var description: String { "cannot write \(path): \(String(cString: strerror(errno)))" }
}
