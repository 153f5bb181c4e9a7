import Apps
import Auctioneer
import Foundation
import NATS
import PipetteCore
import Testing
import TestSupport

/// The converger at scale: `PIPETTE_CONVERGER_BENCH=1 swift test --filter ConvergerBenchmark`
/// (optionally `PIPETTE_BENCH_CELLS`, `PIPETTE_BENCH_APPS`, `PIPETTE_BENCH_INSTANCES` per app).
/// Prints how long it takes to start every instance and how long quiet passes take. Off by default.
@Suite("Converger benchmark", .serialized, .enabled(if: ProcessInfo.processInfo.environment["PIPETTE_CONVERGER_BENCH"] != nil))
struct ConvergerBenchmark {
    static func setting(_ name: String, _ fallback: Int) -> Int {
        ProcessInfo.processInfo.environment[name].flatMap(Int.init) ?? fallback
    }

    @Test func thousandCellsTenThousandInstances() async throws {
        let cellCount = Self.setting("PIPETTE_BENCH_CELLS", 1000)
        let appCount = Self.setting("PIPETTE_BENCH_APPS", 1000)
        let perApp = Self.setting("PIPETTE_BENCH_INSTANCES", 10)
        let server = try NATSServer()
        defer { server.stop() }
        let client = try await NATSConnection.connect(server.url)
        let store = try await AppStore.open(client)
        let cells = try await FakeCellFleet.make(count: cellCount, natsURL: server.url)
        let fleet = ServiceHarness(cells)
        for cell in cells { _ = await cell.ready.value }

        var config = ConvergerTests.config(server.url, id: "bench")
        config.convergeInterval = .seconds(2)
        config.startupGrace = .seconds(3)
        config.performTimeout = .seconds(20)
        config.inFlightTimeout = .seconds(60)
        let auctioneer = await TestAuctioneer.start(config)

        let clock = ContinuousClock()
        let written = try await clock.measure {
            for index in 0..<appCount {
                try await store.update("app-\(index)") { $0 = ConvergerTests.app("app-\(index)", instances: perApp) }
            }
        }
        let total = appCount * perApp
        let started = clock.now
        let allRunning = await eventually(within: .seconds(600)) {
            cells.reduce(0) { $0 + $1.instances.filter { $0.state == .running }.count } == total
        }
        let converged = clock.now - started
        #expect(allRunning)

        // Quiet passes: time between status updates while nothing is to be done.
        var stamps: [Double] = []
        var durations: [Double] = []
        _ = await eventually(within: .seconds(60)) {
            if let answer = try? await client.request(Subjects.convergerStatus, [], timeout: .seconds(2)),
               let status = try? Wire.decode(ConvergerStatus.self, from: answer.payload),
               let at = status.lastPassAt, stamps.last != at {
                stamps.append(at)
                durations.append(status.lastPassSeconds ?? 0)
            }
            return stamps.count >= 6
        }
        let gaps = zip(stamps.dropFirst(), stamps).map { $0 - $1 }
        let performs = cells.map(\.performRequests).reduce(0, +)
        let duplicates = cells.flatMap(\.instances).count - total
        print("""
            converger benchmark: \(cellCount) cells, \(appCount) apps × \(perApp) = \(total) instances
              wrote \(appCount) app records in \(written)
              all running after \(converged) (perform requests: \(performs), extra instances: \(duplicates))
              quiet pass intervals (s): \(gaps.map { String(format: "%.2f", $0) }.joined(separator: ", ")) \
            (interval \(config.convergeInterval)); pass durations (s): \(durations.map { String(format: "%.3f", $0) }.joined(separator: ", "))
            """)
        await auctioneer.stop()
        await fleet.stop()
        client.close()
    }
}
