import Apps
@testable import Auctioneer
import Foundation
import NATS
import PipetteCore
import Testing
import TestSupport

/// The converger at scale, against a real nats-server with JetStream and light fake cells:
///
///     PIPETTE_CONVERGER_BENCH=1 swift test -c release --filter ConvergerBenchmark
///
/// Settings (environment): `PIPETTE_BENCH_CELLS` (1,000), `PIPETTE_BENCH_APPS` (1,000),
/// `PIPETTE_BENCH_INSTANCES` per app (10), `PIPETTE_BENCH_ROUNDS` (3),
/// `PIPETTE_BENCH_MAX_STARTS` (the auctioneer's `maxStartsPerPass`; default its default).
///
/// The apps are written first. Each round starts a fresh auctioneer over empty cells and times,
/// from the end of its startup grace (when it may act), until every instance is acknowledged by a
/// cell (accepted in a perform reply) and until every one runs (the fake cells report an instance
/// running 500 ms after accepting it). The last round then times passes with nothing to do.
/// Before the rounds it times reading every app both ways: a KV get per app (`AppStore.all()`, what
/// a pass did before) and one KV watcher (`AppsReader`, what a pass does now).
/// Prints medians; off by default, never fails on timing.
@Suite("Converger benchmark", .serialized, .enabled(if: ProcessInfo.processInfo.environment["PIPETTE_CONVERGER_BENCH"] != nil))
struct ConvergerBenchmark {
    static func setting(_ name: String, _ fallback: Int) -> Int {
        ProcessInfo.processInfo.environment[name].flatMap(Int.init) ?? fallback
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted.isEmpty ? 0 : sorted[(sorted.count - 1) / 2]
    }

    @Test func thousandCellsTenThousandInstances() async throws {
        let cellCount = Self.setting("PIPETTE_BENCH_CELLS", 1000)
        let appCount = Self.setting("PIPETTE_BENCH_APPS", 1000)
        let perApp = Self.setting("PIPETTE_BENCH_INSTANCES", 10)
        let rounds = max(1, Self.setting("PIPETTE_BENCH_ROUNDS", 3))
        let server = try NATSServer()
        defer { server.stop() }
        let client = try await NATSConnection.connect(server.url)
        let store = try await AppStore.open(client)
        let cells = try await FakeCellFleet.make(count: cellCount, natsURL: server.url)
        let fleet = ServiceHarness(cells)
        for cell in cells { _ = await cell.ready.value }

        var config = ConvergerTests.config(server.url, id: "bench")
        config.convergeInterval = .seconds(2)
        config.convergeDebounce = .milliseconds(200)
        config.startupGrace = .seconds(3)  // cells heartbeat every 2 s: all are heard by then
        config.performTimeout = .seconds(20)
        config.inFlightTimeout = .seconds(60)
        config.lockTTL = .seconds(6)
        config.maxStartsPerPass = Self.setting("PIPETTE_BENCH_MAX_STARTS", config.maxStartsPerPass)

        let clock = ContinuousClock()
        let written = try await clock.measure {
            for index in 0..<appCount {
                try await store.update("app-\(index)") { $0 = ConvergerTests.app("app-\(index)", instances: perApp) }
            }
        }
        let total = appCount * perApp
        var perKey: [Double] = []
        var watched: [Double] = []
        let reader = try await AppsReader.open(client)
        for _ in 0..<5 {
            var began = clock.now
            let byKey = try await store.all()
            perKey.append(Self.seconds(clock.now - began))
            began = clock.now
            let byWatcher = try await reader.all()
            watched.append(Self.seconds(clock.now - began))
            #expect(byKey == byWatcher)
        }
        var acknowledged: [Double] = []
        var running: [Double] = []
        var performs: [Int] = []
        var extra: [Int] = []
        var gaps: [Double] = []
        var durations: [Double] = []
        for round in 1...rounds {
            for cell in cells { cell.removeAll() }
            let before = cells.map(\.performRequests).reduce(0, +)
            let mayAct = clock.now + config.startupGrace
            // Info: each pass that starts instances logs where its time went.
            let auctioneer = await TestAuctioneer.start(config, logLevel: .info)
            var ackedAt: ContinuousClock.Instant?
            var runningAt: ContinuousClock.Instant?
            let deadline = mayAct + .seconds(300)
            while runningAt == nil, clock.now < deadline {
                let counts = cells.map(\.counts)
                let now = clock.now
                if ackedAt == nil, counts.reduce(0, { $0 + $1.held }) >= total { ackedAt = now }
                if counts.reduce(0, { $0 + $1.running }) >= total { runningAt = now }
                try? await Task.sleep(for: .milliseconds(10))
            }
            #expect(runningAt != nil, "round \(round): not every instance ran within 300 s")
            acknowledged.append(Self.seconds((ackedAt ?? clock.now) - mayAct))
            running.append(Self.seconds((runningAt ?? clock.now) - mayAct))
            performs.append(cells.map(\.performRequests).reduce(0, +) - before)
            extra.append(cells.map { $0.counts.held }.reduce(0, +) - total)

            if round == rounds {
                // Quiet passes: each status update while nothing is to be done.
                var stamps: [Double] = []
                _ = await eventually(within: .seconds(60)) {
                    if let answer = try? await client.request(Subjects.convergerStatus, [], timeout: .seconds(2)),
                       let status = try? Wire.decode(ConvergerStatus.self, from: answer.payload),
                       let at = status.lastPassAt, stamps.last != at {
                        stamps.append(at)
                        durations.append(status.lastPassSeconds ?? 0)
                    }
                    return stamps.count >= 6
                }
                gaps = zip(stamps.dropFirst(), stamps).map { $0 - $1 }
            }
            await auctioneer.stop()
        }
        let format = { (values: [Double]) in values.map { String(format: "%.3f", $0) }.joined(separator: ", ") }
        print("""
            converger benchmark: \(cellCount) cells, \(appCount) apps × \(perApp) = \(total) instances, \
            maxStartsPerPass \(config.maxStartsPerPass), \(rounds) round(s)
              wrote \(appCount) app records in \(written)
              reading them (5 times each, in turn): a KV get per app median \(String(format: "%.3f", Self.median(perKey))) s \
            [\(format(perKey))], one KV watcher median \(String(format: "%.3f", Self.median(watched))) s [\(format(watched))]: \
            \(String(format: "%.1f", Self.median(perKey) / max(Self.median(watched), 1e-9)))× faster
              all acknowledged by cells (s after the startup grace): median \(String(format: "%.3f", Self.median(acknowledged))) \
            [\(format(acknowledged))] = \(Int(Double(total) / max(Self.median(acknowledged), 1e-9)))/s
              all running (s after the startup grace): median \(String(format: "%.3f", Self.median(running))) [\(format(running))]
              perform requests per round: \(performs.map(String.init).joined(separator: ", ")); extra instances: \
            \(extra.map(String.init).joined(separator: ", "))
              quiet passes: durations (s) \(format(durations)), median \(String(format: "%.3f", Self.median(durations))); \
            intervals (s) \(format(gaps)) (interval \(config.convergeInterval))
            """)
        await fleet.stop()
        client.close()
    }
}
