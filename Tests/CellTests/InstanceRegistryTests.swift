@testable import Cell
import PipetteCore
import Testing

/// The tags a cell puts on its reports and heartbeats, so the auctioneer can order them.
@Suite("Cell instance registry")
struct InstanceRegistryTests {
    static func report(_ guid: String, _ state: InstanceReport.State = .starting) -> InstanceReport {
        InstanceReport(instanceGUID: guid, app: "web", appGUID: "g", index: 0, release: 1, cellID: "c1", state: state,
                       host: "h", since: 0)
    }

    @Test func everyChangeTakesTheNextTagAndASnapshotCarriesTheLatest() throws {
        let registry = InstanceRegistry()
        #expect(registry.tagged.tag.index == 0)
        registry.add(Self.report("a"))
        let added = try #require(registry.reports.first?.modificationTag)
        #expect(added.index == 1)
        let running = try #require(registry.update("a") { $0.state = .running }?.modificationTag)
        #expect(running.succeeds(added) && running.epoch == added.epoch)
        #expect(registry.tagged.tag == running, "the heartbeat reflects the latest change")
        registry.add(Self.report("b"))
        registry.remove("a")
        let snapshot = registry.tagged
        #expect(snapshot.reports.map(\.instanceGUID) == ["b"])
        #expect(snapshot.tag.index == 4, "a removal is a change too")
        #expect(InstanceRegistry().tagged.tag.epoch != snapshot.tag.epoch, "each run of a cell has its own epoch")
    }

    @Test func heartbeatCountsLeaveCrashedInstancesOut() {
        let counts = InstanceRegistry.counts([Self.report("a", .running), Self.report("b", .crashed), Self.report("c")])
        #expect(counts == ["web": 2])
    }
}
