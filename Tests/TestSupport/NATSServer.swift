import Foundation

/// A real nats-server on a free loopback port (or on a test host's address), with JetStream (its
/// store in a temporary folder that outlives restarts and goes with the server), stopped by `stop()`.
public final class NATSServer: @unchecked Sendable {
    public let port: Int
    private let logFile = FileManager.default.temporaryDirectory.appendingPathComponent("pipette-nats-\(UUID().uuidString.prefix(8)).log")
    /// The address it listens on (127.0.0.1, or a test host's).
    public let address: String
    /// The test host it runs on (`TestHosts`), or nil for this machine's loopback.
    public let host: Int?
    private var process: Process?
    private let extraArguments: [String]
    /// JetStream's store; nil when started without JetStream.
    public let storeDirectory: URL?

    public var url: String { "nats://\(address):\(port)" }

    public init(arguments: [String] = [], port: Int = freePort(), jetStream: Bool = true, onHost host: Int? = nil) throws {
        self.port = port
        self.host = host
        address = host.map(TestHosts.address) ?? "127.0.0.1"
        if jetStream {
            let store = FileManager.default.temporaryDirectory.appendingPathComponent("pipette-js-\(UUID().uuidString.prefix(8))")
            storeDirectory = store
            extraArguments = ["-js", "-sd", store.path] + arguments
        } else {
            storeDirectory = nil
            extraArguments = arguments
        }
        try start()
    }

    /// Starts (again) on the same port and waits until it accepts connections.
    public func start() throws {
        let process = Process()
        let command = (host.map(TestHosts.enter) ?? []) + ["/usr/sbin/nats-server", "-a", address, "-p", String(port)]
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst()) + extraArguments
        _ = FileManager.default.createFile(atPath: logFile.path, contents: nil)
        let output = try FileHandle(forWritingTo: logFile)
        output.seekToEndOfFile()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        self.process = process
        for _ in 0..<200 {
            if Self.accepts(port, address: address) { return }
            usleep(25_000)
        }
        throw Failure(message: "nats-server did not start on port \(port)")
    }

    public func stop() { end(SIGTERM) }

    /// What the server logged (across restarts).
    public var log: String { (try? String(contentsOf: logFile, encoding: .utf8)) ?? "" }

    /// The permission violations it logged: a component denied a subject it tried to use.
    public var violations: [String] {
        log.split(separator: "\n").filter { $0.contains("Violation") }.map(String.init)
    }

    /// Stops the server without ending it (SIGSTOP): it holds its connections open and reads
    /// nothing, as a hung host does, until `resume()`.
    public func pause() { if let process, process.isRunning { Foundation.kill(process.processIdentifier, SIGSTOP) } }

    /// Sends `signal` without waiting for the server to act on it (SIGTERM: it starts shutting
    /// down while the caller goes on).
    public func signal(_ signal: Int32) { if let process, process.isRunning { Foundation.kill(process.processIdentifier, signal) } }

    /// Lets a paused server run again (SIGCONT).
    public func resume() { if let process, process.isRunning { Foundation.kill(process.processIdentifier, SIGCONT) } }

    /// Ends the server with SIGKILL: no goodbye to clients or to the cluster's other nodes.
    public func kill() { end(SIGKILL) }

    private func end(_ signal: Int32) {
        guard let process, process.isRunning else { return }
        Foundation.kill(process.processIdentifier, signal)
        Foundation.kill(process.processIdentifier, SIGCONT)  // a paused server must run to end
        process.waitUntilExit()
        self.process = nil
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(at: logFile)
        if let storeDirectory { try? FileManager.default.removeItem(at: storeDirectory) }
    }

    static func accepts(_ port: Int, address text: String = "127.0.0.1") -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr(text)
        address.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }

    public struct Failure: Error, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }
}
