import Foundation

/// One HAProxy CLI socket (the worker's stats socket or the master socket): each call connects,
/// sends one line of commands, half-closes and reads the answer until HAProxy closes.
public struct HAProxySocket: Sendable {
    public let path: String
    /// How long one exchange may take.
    public var timeout: Duration = .seconds(3)

    public init(path: String) { self.path = path }

    /// Sends `command` (several may be joined with `;`) and returns what HAProxy answered.
    public func send(_ command: String) throws(RouterError) -> String {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw .socket(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        var seconds = timeval(tv_sec: Int(timeout.components.seconds), tv_usec: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &seconds, socklen_t(MemoryLayout<timeval>.size))
        _ = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &seconds, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            throw .socket(path: path, reason: "the path is too long for a unix socket; use a shorter --state-dir")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else { throw .socket(path: path, reason: String(cString: strerror(errno))) }
        let line = Array((command + "\n").utf8)
        var sent = 0
        while sent < line.count {
            let n = line[sent...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { throw .socket(path: path, reason: String(cString: strerror(errno))) }
            sent += n
        }
        shutdown(fd, Int32(SHUT_WR))
        var answer: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let n = read(fd, &buffer, buffer.count)
            if n > 0 {
                answer += buffer[0..<n]
            } else if n < 0, errno == EINTR {
                continue
            } else if n < 0 {
                throw .socket(path: path, reason: "no answer to \(command.prefix(80)): \(String(cString: strerror(errno)))")
            } else {
                break
            }
        }
        return String(decoding: answer, as: UTF8.self)
    }

    /// The worker's pid from `show info`, or nil while HAProxy does not answer.
    public func workerPID() -> Int? {
        guard let info = try? send("show info") else { return nil }
        return info.split(separator: "\n").first { $0.hasPrefix("Pid: ") }.flatMap { Int($0.dropFirst(5)) }
    }

    /// True when an answer to a runtime command reports a failure.
    public static func isFailure(_ answer: String) -> Bool {
        let failures = ["No such", "Unknown", "Can't", "can't", "not found", "Require", "Invalid", "invalid", "failed", "error"]
        return failures.contains { answer.contains($0) }
    }
}
