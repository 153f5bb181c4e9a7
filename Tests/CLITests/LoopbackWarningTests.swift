import Foundation
import Testing
import TestSupport

/// A platform spread over hosts given a loopback address (a cell's --advertise, the blobstore
/// URL the stager and auctioneer sign links with) says so at start, naming the fix.
@Suite("Loopback addresses across hosts")
struct LoopbackWarningTests {
    @Test func servicesWarnWhenTheyWouldHandOutLoopbackAddresses() async throws {
        // NATS "on another host" that is not there: each service warns, then waits for it.
        let nats = "nats://198.18.0.250:4222"
        let services = [
            (try ServiceProcess(["cell", "--id", "hosts-loopback-\(UUID().uuidString.prefix(6))", "--stacks", "tiny-amd64",
                                 "--nats", nats]), "advertises 127.0.0.1 but NATS is on another host"),
            (try ServiceProcess(["stager", "--nats", nats, "--blobstore", "http://127.0.0.1:8081"]),
             "the blobstore URL http://127.0.0.1:8081 is a loopback address"),
            (try ServiceProcess(["auctioneer", "--nats", nats, "--blobstore-url", "http://localhost:8081"]),
             "the blobstore URL http://localhost:8081 is a loopback address"),
        ]
        for (process, warning) in services {
            #expect(await process.waitFor(warning, timeout: .seconds(20)), "\(process.log)")
            process.stop()
        }
    }
}
