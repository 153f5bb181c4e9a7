import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A tiny TCP/HTTP server on 0.0.0.0 (the healthcheck dials the first
/// non-loopback address, as Diego's does). Each connection gets the next
/// status from `statuses` (the last one repeats); `nil` means accept and never answer.
final class TestServer: @unchecked Sendable {
    let port: UInt16
    private let fd: Int32
    private let lock = NSLock()
    private var statuses: [Int?]
    private var open: [Int32] = []

    init(statuses: [Int?] = [200]) throws {
        self.statuses = statuses
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = INADDR_ANY
        addr.sin_port = 0
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(fd, 16) == 0 else {
            close(fd)
            throw POSIXError(.EADDRINUSE)
        }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        self.fd = fd
        port = UInt16(bigEndian: addr.sin_port)
        Thread.detachNewThread { [self] in serve() }
    }

    private func nextStatus() -> Int? {
        lock.lock()
        defer { lock.unlock() }
        return statuses.count > 1 ? statuses.removeFirst() : statuses[0]
    }

    private func serve() {
        while true {
            let client = accept(fd, nil, nil)
            if client < 0 { return }
            guard let status = nextStatus() else {
                lock.lock()
                open.append(client)  // hold it open without answering
                lock.unlock()
                continue
            }
            var request = [UInt8](repeating: 0, count: 4096)
            _ = recv(client, &request, request.count, 0)
            let response = "HTTP/1.1 \(status) Test\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
            _ = response.withCString { send(client, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
            close(client)
        }
    }

    func stop() {
        shutdown(fd, Int32(SHUT_RDWR))
        close(fd)
        lock.lock()
        open.forEach { close($0) }
        lock.unlock()
    }

    /// A port nothing listens on.
    static func freePort() throws -> UInt16 {
        let server = try TestServer()
        server.stop()
        return server.port
    }
}

@Suite("healthcheck")
struct HealthcheckTests {
    func healthcheck(_ args: [String]) throws -> RunResult {
        try run(try Lifecycle.binary("healthcheck"), args, environment: environment())
    }

    @Test("port check: a listening port is healthy")
    func portUp() throws {
        let server = try TestServer()
        defer { server.stop() }
        let r = try healthcheck(["-port", "\(server.port)"])
        #expect(r.status == 0)
        #expect(r.stdout.isEmpty)
    }

    @Test("port check: nothing listening exits 4 with Diego's message")
    func portDown() throws {
        let port = try TestServer.freePort()
        let r = try healthcheck(["-port=\(port)"])
        #expect(r.status == 4)
        #expect(r.stdout == "Failed to make TCP connection to port \(port): connection refused")
    }

    @Test("HTTP check: 200 is healthy, a redirect to 200 too")
    func http200() throws {
        let server = try TestServer(statuses: [200])
        defer { server.stop() }
        #expect(try healthcheck(["-port", "\(server.port)", "-uri", "/health"]).status == 0)
    }

    @Test("HTTP check: another status exits 6 and names it")
    func http500() throws {
        let server = try TestServer(statuses: [500])
        defer { server.stop() }
        let r = try healthcheck(["-port", "\(server.port)", "-uri=/health"])
        #expect(r.status == 6)
        #expect(r.stdout.hasPrefix("Failed to make HTTP request to '/health' on port \(server.port): received status code 500 in "))
        #expect(r.stdout.hasSuffix("ms"))
    }

    @Test("HTTP check: refused exits 5, no answer before -timeout exits 65")
    func httpFailures() throws {
        let port = try TestServer.freePort()
        let refused = try healthcheck(["-port", "\(port)", "-uri", "/"])
        #expect(refused.status == 5)
        #expect(refused.stdout == "Failed to make HTTP request to '/' on port \(port): connection refused")

        let silent = try TestServer(statuses: [nil])
        defer { silent.stop() }
        let slow = try healthcheck(["-port", "\(silent.port)", "-uri", "/", "-timeout", "200ms"])
        #expect(slow.status == 65)
        #expect(slow.stdout == "Failed to make HTTP request to '/' on port \(silent.port): timed out after 0.20 seconds")
    }

    @Test("readiness mode gives up after -readiness-timeout with the last failure")
    func readiness() throws {
        let port = try TestServer.freePort()
        let r = try healthcheck(["-port", "\(port)", "-readiness-interval=20ms", "-readiness-timeout=200ms"])
        #expect(r.status == 4)
        let server = try TestServer()
        defer { server.stop() }
        #expect(try healthcheck(["-port", "\(server.port)", "-readiness-interval=20ms"]).status == 0)
    }

    @Test("liveness mode keeps checking until the app fails")
    func liveness() throws {
        let server = try TestServer(statuses: [200, 200, 503])
        defer { server.stop() }
        let r = try healthcheck(["-port", "\(server.port)", "-uri", "/", "-liveness-interval=10ms"])
        #expect(r.status == 6)
        #expect(r.stdout.contains("received status code 503"))
    }

    @Test("bad flags exit 2 like Go's flag package")
    func badFlags() throws {
        let r = try healthcheck(["-timeout", "soon"])
        #expect(r.status == 2)
        #expect(r.stderr.hasPrefix("invalid value \"soon\" for flag -timeout: parse error\nUsage of healthcheck:"))
    }
}
