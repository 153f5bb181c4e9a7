import Apps
@testable import Auctioneer
import Foundation
import NATS
import PipetteCore
import Testing
import TestSupport

/// The converger reads every app at once (one KV watcher), and acts on app writes at once.
@Suite("Apps reader")
struct AppsReaderTests {
    @Test func readsEveryAppLeavingDeletedOnesOut() async throws {
        let server = try NATSServer()
        defer { server.stop() }
        let client = try await NATSConnection.connect(server.url)
        defer { client.close() }
        let reader = try await AppsReader.open(client)
        #expect(try await reader.all().isEmpty, "an empty bucket has no apps")

        let store = try await AppStore.open(client)
        for name in ["web", "api", "worker"] {
            try await store.update(name) { $0 = ConvergerTests.app(name, instances: 2) }
        }
        try await store.update("web") { $0?.instances = 5 }
        try await store.update("worker") { $0 = nil }

        let apps = try await reader.all()
        #expect(apps.map(\.name) == ["api", "web"])
        #expect(apps.first { $0.name == "web" }?.instances == 5, "the latest record of each app")
        #expect(try await store.get("web") == apps.last)
    }

    @Test func anAppWrittenIsStartedWithoutWaitingForTheNextTick() async throws {
        let server = try NATSServer()
        defer { server.stop() }
        let client = try await NATSConnection.connect(server.url)
        defer { client.close() }
        let store = try await AppStore.open(client)
        let cell = FakeCell(id: "c1", nats: try await NATSConnection.connect(server.url))
        let cells = ServiceHarness([cell])
        _ = await cell.ready.value
        var config = ConvergerTests.config(server.url, id: "a1")
        config.convergeInterval = .seconds(600)  // only the startup grace's end and app writes ring
        let auctioneer = await TestAuctioneer.start(config)
        // The pass at the end of the startup grace (nothing to do yet).
        #expect(await eventually(within: .seconds(20)) {
            guard let answer = try? await client.request(Subjects.convergerStatus, [], timeout: .milliseconds(500)) else { return false }
            return (try? Wire.decode(ConvergerStatus.self, from: answer.payload))?.lastPassAt != nil
        })

        try await store.update("web") { $0 = ConvergerTests.app("web", instances: 2) }
        #expect(await eventually(within: .seconds(20)) { cell.instances.count == 2 })

        await auctioneer.stop()
        await cells.stop()
    }
}
