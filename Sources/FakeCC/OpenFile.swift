import Foundation
import Hummingbird
import NIOCore

/// A file opened for sending. Holding the descriptor keeps the bytes readable even after the
/// path is unlinked (temporary zips) or replaced. Closed when released.
final class OpenFile: Sendable {
    let fd: Int32
    let path: String
    let size: Int64

    static let chunkBytes = 256 * 1024

    /// Opens `path` if it is a regular file; nil otherwise.
    static func open(_ path: String) async throws -> OpenFile? {
        try await BlockingIO.run { () throws -> OpenFile? in
            let fd = Foundation.open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else {
                if errno == ENOENT || errno == ENOTDIR { return nil }
                throw FakeCCError.io("cannot open", path, errno: errno)
            }
            var info = stat()
            guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
                close(fd)
                return nil
            }
            return OpenFile(fd: fd, path: path, size: Int64(info.st_size))
        }
    }

    private init(fd: Int32, path: String, size: Int64) {
        self.fd = fd
        self.path = path
        self.size = size
    }

    deinit { close(fd) }

    /// Up to `count` bytes from `offset`; empty at the end of the file.
    func read(at offset: Int64, count: Int) async throws -> ByteBuffer {
        try await BlockingIO.run { [self] in
            var buffer = ByteBufferAllocator().buffer(capacity: count)
            try buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: count) { bytes in
                while true {
                    let n = pread(fd, bytes.baseAddress, count, off_t(offset))
                    if n < 0, errno == EINTR { continue }
                    guard n >= 0 else { throw FakeCCError.io("cannot read", path, errno: errno) }
                    return n
                }
            }
            return buffer
        }
    }

    /// The whole file as a response body, read in chunks as the client takes them.
    var responseBody: ResponseBody {
        ResponseBody(contentLength: Int(size)) { [self] writer in
            var offset: Int64 = 0
            while offset < size {
                let chunk = try await read(at: offset, count: Self.chunkBytes)
                guard chunk.readableBytes > 0 else {
                    throw FakeCCError(.internalServerError, "\(path) shrank while being sent")
                }
                offset += Int64(chunk.readableBytes)
                try await writer.write(chunk)
            }
            try await writer.finish(nil)
        }
    }
}
