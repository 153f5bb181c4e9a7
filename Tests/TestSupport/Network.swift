import Foundation

/// A TCP port on 127.0.0.1 that was free a moment ago (bind to 0, read it back, close).
public func freePort() -> Int {
    let (fd, port) = boundSocket(listening: nil)
    close(fd)
    return port
}

/// A TCP socket bound to a free port on 127.0.0.1 (listening with `backlog`, when given); the
/// caller owns the descriptor.
public func boundSocket(listening backlog: Int32?, reuseAddress: Bool = false) -> (fd: Int32, port: Int) {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    if reuseAddress {
        var on: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<Int32>.size))
    }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
    }
    if let backlog { listen(fd, backlog) }
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    return (fd, Int(UInt16(bigEndian: address.sin_port)))
}

/// GETs `url` with curl until it answers 2xx or `attempts` half-second tries pass.
public func httpGet(_ url: String, attempts: Int = 120) async throws -> String? {
    for _ in 0..<attempts {
        let result = try await shell("/usr/bin/curl", ["-fsS", "--max-time", "5", url])
        if result.status == 0 { return result.output }
        try await Task.sleep(for: .milliseconds(500))
    }
    return nil
}
