import Foundation
import NIOCore

/// A file read as a sequence of ByteBuffers, for streaming request bodies: never the whole
/// file in memory.
struct FileChunks: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let path: String
    /// What errors call the file ("droplet.tgz").
    let what: String
    var chunkSize = 256 * 1024

    struct AsyncIterator: AsyncIteratorProtocol {
        let source: FileChunks
        var handle: FileHandle?
        var done = false

        mutating func next() async throws -> ByteBuffer? {
            guard !done else { return nil }
            if handle == nil {
                handle = FileHandle(forReadingAtPath: source.path)
                guard handle != nil else { throw TransferError.localRead(what: source.what, code: errno) }
            }
            let data: Data?
            do {
                data = try handle?.read(upToCount: source.chunkSize)
            } catch {
                throw TransferError.localRead(what: source.what, code: EIO)
            }
            if let data, !data.isEmpty { return ByteBuffer(bytes: data) }
            try? handle?.close()
            done = true
            return nil
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(source: self) }

    /// The whole file in one buffer (for small files: ``HTTPTransfer/smallBodyBytes``).
    func whole() throws(TransferError) -> ByteBuffer {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw .localRead(what: what, code: errno) }
        defer { try? handle.close() }
        do {
            return ByteBuffer(bytes: try handle.readToEnd() ?? Data())
        } catch {
            throw .localRead(what: what, code: EIO)
        }
    }

    /// The file's size (it must be a readable regular file).
    func length() throws(TransferError) -> Int64 {
        var info = stat()
        guard stat(path, &info) == 0 else { throw .localRead(what: what, code: errno) }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw .localRead(what: what, code: EISDIR) }
        guard access(path, R_OK) == 0 else { throw .localRead(what: what, code: errno) }
        return Int64(info.st_size)
    }
}
