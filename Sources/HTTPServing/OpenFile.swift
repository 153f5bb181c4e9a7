import Crypto
import Foundation
import Hummingbird
import NIOCore
import PipetteCore

/// A file opened for sending. Holding the descriptor means a concurrent replace or delete
/// (renames, unlinks) never changes what this reader sees. Closed when released.
public final class OpenFile: Sendable {
    public let fd: Int32
    public let path: String
    public let size: Int64
    public let inode: UInt64
    /// The file's first bytes, read with the opening (a small file whole): sent without another
    /// trip to a blocking thread.
    let head: ByteBuffer

    static let chunkBytes = 256 * 1024
    /// What ``openNow(_:prefetch:)`` reads at most with the opening by default.
    public static let smallFileBytes = 64 * 1024

    /// Opens `path` if it is a regular file; nil when there is no such file.
    public static func open(_ path: String, prefetch: Int = smallFileBytes) async throws -> OpenFile? {
        try await BlockingIO.run { () throws -> OpenFile? in try openNow(path, prefetch: prefetch) }
    }

    /// ``open(_:prefetch:)`` on the calling thread (for a caller already on a blocking thread),
    /// reading up to `prefetch` bytes at once.
    public static func openNow(_ path: String, prefetch: Int = smallFileBytes) throws -> OpenFile? {
        let fd = Foundation.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT || errno == ENOTDIR { return nil }
            throw HTTPServiceError.io("cannot open", path, errno: errno)
        }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            return nil
        }
        let head: ByteBuffer
        do {
            head = try read(fd, path: path, at: 0, count: Int(min(Int64(prefetch), Int64(info.st_size))))
        } catch {
            close(fd)
            throw error
        }
        return OpenFile(fd: fd, path: path, size: Int64(info.st_size), inode: UInt64(info.st_ino), head: head)
    }

    private init(fd: Int32, path: String, size: Int64, inode: UInt64, head: ByteBuffer) {
        self.fd = fd
        self.path = path
        self.size = size
        self.inode = inode
        self.head = head
    }

    deinit { close(fd) }

    /// Up to `count` bytes from `offset`; empty at the end of the file.
    public func read(at offset: Int64, count: Int) async throws -> ByteBuffer {
        try await BlockingIO.run { [self] in try Self.read(fd, path: path, at: offset, count: count) }
    }

    private static func read(_ fd: Int32, path: String, at offset: Int64, count: Int) throws -> ByteBuffer {
        var buffer = ByteBufferAllocator().buffer(capacity: count)
        guard count > 0 else { return buffer }
        try buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: count) { bytes in
            while true {
                let n = pread(fd, bytes.baseAddress, count, off_t(offset))
                if n < 0, errno == EINTR { continue }
                guard n >= 0 else { throw HTTPServiceError.io("cannot read", path, errno: errno) }
                return n
            }
        }
        return buffer
    }

    /// The whole file as a response body, read in chunks as the client takes them (the first
    /// bytes were read with the opening).
    public var responseBody: ResponseBody {
        ResponseBody(contentLength: Int(size)) { [self] writer in
            var offset: Int64 = 0
            if head.readableBytes > 0 {
                offset = Int64(head.readableBytes)
                try await writer.write(head)
            }
            while offset < size {
                let chunk = try await read(at: offset, count: Self.chunkBytes)
                guard chunk.readableBytes > 0 else {
                    throw HTTPServiceError(.internalServerError, "\(path) shrank while being sent")
                }
                offset += Int64(chunk.readableBytes)
                try await writer.write(chunk)
            }
            try await writer.finish(nil)
        }
    }

    /// sha256 of the whole file, read through this descriptor .
    public func computeSHA256() async throws -> String {
        try await BlockingIO.run { [self] in
            var hasher = SHA256()
            let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.chunkBytes, alignment: 16)
            defer { chunk.deallocate() }
            var offset: off_t = 0
            while true {
                let n = pread(fd, chunk.baseAddress, chunk.count, offset)
                if n < 0, errno == EINTR { continue }
                guard n >= 0 else { throw HTTPServiceError.io("cannot read", path, errno: errno) }
                if n == 0 { break }
                hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: chunk[0..<n]))
                offset += off_t(n)
            }
            return hasher.finalize().lowercaseHex
        }
    }
}
