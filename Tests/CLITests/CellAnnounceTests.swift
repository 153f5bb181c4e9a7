import Foundation
import Testing
import TestSupport

/// An auctioneer that starts after the cells (foreman starts everything at once) knows them at
/// once: it asks on `pipette.cell.announce` and every cell heartbeats (issue 14, row 5).
@Suite("Cells announced to a starting auctioneer", .serialized)
struct CellAnnounceTests {
    static let pipette = ProjectPaths.root.appendingPathComponent(".build/debug/pipette").path

    @Test func anAuctioneerStartedAfterACellListsItBeforeItsNextHeartbeat() async throws {
        let nats = try NATSServer()
        defer { nats.stop() }
        let environment = ["PIPETTE_NATS_URL": nats.url]
        // A minute between heartbeats: without the announcement the cell would stay unknown.
        let cell = try ServiceProcess(["cell", "--id", "announced-1", "--stacks", "tiny-amd64", "--heartbeat-ms", "60000"],
                                      environment: environment)
        defer { cell.stop() }
        #expect(await cell.waitFor("ready"), "\(cell.log)")
        let auctioneer = try ServiceProcess(["auctioneer"], environment: environment)
        defer { auctioneer.stop() }
        #expect(await auctioneer.waitFor("auctioneer ready"), "\(auctioneer.log)")
        let client = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let listed = await eventually(within: .seconds(10)) {
            (try? await shell(Self.pipette, ["cells"], environment: client).output.contains("announced-1")) == true
        }
        #expect(listed, "the auctioneer listed the cell well before its next heartbeat (60 s)")
        for service in [auctioneer, cell] {
            service.signal(SIGTERM)
            #expect(await service.exitStatus(within: .seconds(15)) == 0, "\(service.log)")
        }
    }
}
