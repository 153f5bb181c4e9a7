import Crypto
import Foundation
import NIOCore
import PipetteCore

/// A new file filled chunk by chunk (writes on the thread pool), hashed with sha256 and counted
/// as it goes. `discard()` (also run on release) removes the file unless it was moved away,
/// so an abandoned upload leaves nothing behind.
public final class HashingFileWriter {
    public let path: String
    public private(set) var size: Int64 = 0
    private let fd: Int32
    private var hasher = SHA256()
    private var pending = ByteBuffer()
    private var closed = false

    /// Writes reach the disk in batches of about this many bytes.
    static let batchBytes = 256 * 1024

    public init(path: String) throws(HTTPServiceError) {
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .io("cannot create", path, errno: errno) }
        self.path = path
    }

    deinit { discard() }

    public func write(_ buffer: ByteBuffer) async throws {
        buffer.withUnsafeReadableBytes { hasher.update(bufferPointer: $0) }
        size += Int64(buffer.readableBytes)
        var buffer = buffer
        pending.writeBuffer(&buffer)
        if pending.readableBytes >= Self.batchBytes { try await flush() }
    }

    public struct Written: Sendable {
        public let sha256: String
        public let size: Int64
        /// Kept by `rename`: ties a sidecar to this very file.
        public let inode: UInt64
    }

    /// Writes what is pending, syncs and closes the file, in one trip to a blocking thread.
    public func finish() async throws -> Written {
        let chunk = pending
        pending = ByteBuffer()
        let (fd, path) = (self.fd, self.path)
        let inode = try await BlockingIO.run {
            try Self.write(chunk, to: fd, path: path)
            guard fsync(fd) == 0 else { throw HTTPServiceError.io("cannot sync", path, errno: errno) }
            var info = stat()
            guard fstat(fd, &info) == 0 else { throw HTTPServiceError.io("cannot stat", path, errno: errno) }
            return UInt64(info.st_ino)
        }
        closed = true
        close(fd)
        let sha256 = hasher.finalize().lowercaseHex
        return Written(sha256: sha256, size: size, inode: inode)
    }

    /// Closes the file and removes it from `path` (a no-op once it was renamed into place).
    public func discard() {
        if !closed {
            closed = true
            close(fd)
        }
        unlink(path)
    }

    private func flush() async throws {
        guard pending.readableBytes > 0 else { return }
        let chunk = pending
        pending = ByteBuffer()
        let (fd, path) = (self.fd, self.path)
        try await BlockingIO.run { try Self.write(chunk, to: fd, path: path) }
    }

    private static func write(_ chunk: ByteBuffer, to fd: Int32, path: String) throws {
        try chunk.withUnsafeReadableBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let n = Foundation.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw HTTPServiceError.io("cannot write", path, errno: errno)
                }
                offset += n
            }
        }
    }
}
