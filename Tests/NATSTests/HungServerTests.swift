import Foundation
import NATS
import Testing
import TestSupport

/// A NATS server that hangs (SIGSTOP: its connections stay open and nothing is read) must not
/// hang the publishers talking to it: past the write deadline the connection counts as broken.
@Suite("A hung NATS server", .serialized)
struct HungServerTests {
    @Test func aHungServerDoesNotHangPublishers() async throws {
        let server = try NATSServer()
        defer { server.stop() }
        var options = NATSOptions()
        options.reconnectWait = .milliseconds(100)
        let nats = try await NATSConnection.connect(server.url, options: options)
        try await nats.flush()
        server.pause()
        // 64 MB of publishes: far more than the socket buffers hold while the server reads nothing.
        let publisher = Publisher(nats: nats, count: 1000, bytes: 64 << 10)
        let thread = Thread { publisher.run() }
        thread.start()
        let finished = await eventually(within: .seconds(30)) { publisher.isDone }
        server.resume()
        #expect(finished, "a publisher was still blocked after 30 s: \(publisher.progress)")
        print("publishing to a hung server: \(publisher.progress)")
        // And once the server runs again, the connection works.
        let sub = try nats.subscribe("after-the-hang")
        let flushed = await eventually(within: .seconds(20)) { (try? await nats.flush(timeout: .seconds(2))) != nil }
        #expect(flushed)
        try nats.publish("after-the-hang", "back")
        var iterator = sub.makeAsyncIterator()
        #expect(await iterator.next()?.string == "back")
    }

    @Test func aClientOfAHungClusterNodeMovesToAnotherNode() async throws {
        let cluster = try await NATSCluster()
        let nats = try await NATSConnection.connect(cluster.nodes[0].url)
        defer { nats.close() }
        let watcher = try await NATSConnection.connect(cluster.nodes[1].url)
        defer { watcher.close() }
        let sub = try watcher.subscribe("after-the-hang")
        try await watcher.flush()
        #expect(nats.connectedServer == cluster.nodes[0].url)
        cluster.nodes[0].pause()
        defer { cluster.nodes[0].resume() }
        let publisher = Publisher(nats: nats, count: 1000, bytes: 64 << 10)
        let thread = Thread { publisher.run() }
        thread.start()
        #expect(await eventually(within: .seconds(30)) { publisher.isDone }, "\(publisher.progress)")
        let moved = await eventually(within: .seconds(30)) {
            guard nats.isConnected, nats.connectedServer != cluster.nodes[0].url else { return false }
            return (try? await nats.flush(timeout: .seconds(1))) != nil
        }
        #expect(moved, "connected to \(nats.connectedServer ?? "none")")
        try nats.publish("after-the-hang", "from another node")
        var iterator = sub.makeAsyncIterator()
        #expect(await iterator.next()?.string == "from another node")
    }
}

/// Publishes `count` messages of `bytes` from a thread of its own, counting what went through.
final class Publisher: @unchecked Sendable {
    private let nats: NATSConnection
    private let count: Int
    private let bytes: Int
    private let lock = NSLock()
    private var sent = 0
    private var failed = 0
    private var done = false

    init(nats: NATSConnection, count: Int, bytes: Int) {
        (self.nats, self.count, self.bytes) = (nats, count, bytes)
    }

    func run() {
        let payload = [UInt8](repeating: 0x61, count: bytes)
        for _ in 0..<count {
            let ok = (try? nats.publish("flood", payload)) != nil
            lock.withLock { if ok { sent += 1 } else { failed += 1 } }
        }
        lock.withLock { done = true }
    }

    var isDone: Bool { lock.withLock { done } }
    var progress: String { lock.withLock { "\(sent) sent, \(failed) refused of \(count)" } }
}
