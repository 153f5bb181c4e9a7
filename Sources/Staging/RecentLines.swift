import Foundation

/// The last `limit` lines of some output, kept for error messages.
public final class RecentLines: @unchecked Sendable {
    private let lock = NSLock()
    private var buffer: [String] = []
    private let limit: Int

    public init(limit: Int) { self.limit = limit }

    public func append(_ line: String) {
        lock.lock()
        defer { lock.unlock() }
        buffer.append(line)
        if buffer.count > limit { buffer.removeFirst(buffer.count - limit) }
    }

    public var lines: [String] {
        lock.lock()
        defer { lock.unlock() }
        return buffer
    }
}
