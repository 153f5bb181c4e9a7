import Synchronization

/// Collects a program's output lines (from `Subprocess.run`'s `onLine`, on its reader thread).
public final class Lines: Sendable {
    private let lines = Mutex<[String]>([])

    public init() {}

    public func append(_ line: String) { lines.withLock { $0.append(line) } }

    public var all: [String] { lines.withLock { $0 } }
    public var joined: String { all.joined(separator: "\n") }
    public var last: String? { all.last { !$0.trimmingCharacters(in: .whitespaces).isEmpty } }
}
