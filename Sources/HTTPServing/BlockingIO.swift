import NIOPosix

/// Runs blocking file system calls on NIO's thread pool, off the event loops and the
/// cooperative pool.
public enum BlockingIO {
    public static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await NIOThreadPool.singleton.runIfActive(body)
    }
}
