import Foundation
import Testing
import TestSupport

/// Two `pipette auctioneer` processes with the converger on: one holds the lock; SIGKILL it and
/// the other takes over once the lock's value expires.
@Suite("Converger lock across processes", .serialized)
struct ConvergerLockTests {
    @Test func theOtherAuctioneerConvergesWithinSecondsOfTheHolderBeingKilled() async throws {
        let nats = try NATSServer()
        defer { nats.stop() }
        let arguments = ["auctioneer", "--nats", nats.url, "--blobstore-url", "http://127.0.0.1:8081",
                         "--lock-ttl", "2", "--startup-grace", "0.5", "--converge-interval", "0.5"]
        let first = try ServiceProcess(arguments)
        defer { first.stop() }
        #expect(await first.waitFor("converger lock taken"), "\(first.log)")
        let second = try ServiceProcess(arguments)
        defer { second.stop() }
        #expect(await second.waitFor("auctioneer ready"), "\(second.log)")

        first.signal(SIGKILL)
        let killed = ContinuousClock.now
        #expect(await second.waitFor("converger lock taken", timeout: .seconds(10)), "\(second.log)")
        #expect(ContinuousClock.now - killed < .seconds(6), "a 2 s lock expires within a few seconds")
        second.signal(SIGTERM)
        #expect(await second.exitStatus(within: .seconds(10)) == 0)
    }
}
