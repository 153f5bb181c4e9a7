import Foundation
import NATS
import PipetteCore

/// Waits until an app runs what its desired state says (and, for a release, until the older
/// releases' instances are gone), printing each instance's change and the
/// app's own log lines as they come (`pipette push`, `scale`, `start`, `restart`, `stop`).
struct InstanceWait {
    let connection: NATSConnection
    let app: String
    /// The release whose instances count; nil: any.
    let release: Int?
    /// How many must be `running` (0: wait until none is left).
    let count: Int
    let timeout: Duration

    /// - Returns: the running instances, by index.
    /// - Throws: `CommandFailure` naming the instance and its crash reason, or what ran when time was up.
    @discardableResult
    func run() async throws -> [InstanceReport] {
        let logs = try connection.subscribe(LogStream.subject(app: app, source: .app), bufferSize: 4096)
        defer { logs.unsubscribe() }
        return try await withThrowingTaskGroup(of: [InstanceReport]?.self) { group in
            group.addTask {
                for await message in logs {
                    if let line = try? Wire.decode(LogLine.self, from: message.payload), line.app == app { Output.line(line.display) }
                }
                return nil
            }
            group.addTask { try await poll() }
            defer { group.cancelAll() }
            while let result = try await group.next() {
                if let result { return result }
            }
            return []
        }
    }

    /// How long nothing may answer as converger (a new one waits its startup grace and lock TTL
    /// before it acts) before the wait says so.
    static let convergerPatience: Duration = .seconds(15)

    private func poll() async throws -> [InstanceReport] {
        let deadline = ContinuousClock.now + timeout
        var seen: [String: InstanceReport.State] = [:]
        var last: [InstanceReport] = []
        var silentSince: ContinuousClock.Instant?
        while ContinuousClock.now < deadline {
            let all = try await PlatformState.instances(of: app, on: connection)
            last = all
            for report in all where seen[report.instanceGUID] != report.state {
                seen[report.instanceGUID] = report.state
                Output.status("    \(app)/\(report.index) \(report.state.rawValue) on cell \(report.cellID)"
                              + (report.state == .running ? (report.url.map { " at \($0)" } ?? "") : "")
                              + (report.state == .crashed ? ": \(report.lastCrashReason ?? "no reason given")" : ""))
            }
            let ours = all.filter { release == nil || $0.release == release }
            if count > 0, let crash = ours.first(where: { $0.state == .crashed }) {
                throw CommandFailure("instance \(crash.index) of \(app) crashed on cell \(crash.cellID): "
                                     + "\(crash.lastCrashReason ?? "no reason given"); `pipette logs \(app)` shows its output, "
                                     + "`pipette app \(app)` its restarts")
            }
            if count > 0, ours.isEmpty {
                if let status = await PlatformState.converger(on: connection) {
                    silentSince = nil
                    if let error = status.placementErrors[app] { throw CommandFailure("\(app)'s instances cannot be placed: \(error)") }
                } else if let since = silentSince, ContinuousClock.now - since > Self.convergerPatience {
                    throw CommandFailure("no converger answers on \(Subjects.convergerStatus), so nothing starts \(app)'s instances; "
                                         + "run `pipette auctioneer --blobstore-url URL` with PIPETTE_BLOBSTORE_SECRET set "
                                         + "(the Procfile's does)")
                } else if silentSince == nil {
                    silentSince = .now
                }
            }
            let running = ours.filter { $0.state == .running }
            let indexes = Set(running.map(\.index))
            // A rollout is done once the old release's instances are gone too.
            let older = all.filter { release != nil && $0.release != release && $0.state != .crashed }
            if count == 0 ? all.allSatisfy({ $0.state == .crashed }) : indexes.count >= count && older.isEmpty {
                var byIndex: [Int: InstanceReport] = [:]
                for report in running where byIndex[report.index] == nil { byIndex[report.index] = report }
                return byIndex.keys.sorted().compactMap { byIndex[$0] }
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        let states = last.map { "\($0.index): \($0.state.rawValue)" }.joined(separator: ", ")
        throw CommandFailure("\(app) did not reach \(count) running instance\(count == 1 ? "" : "s") in "
                             + "\(timeout.components.seconds) s (\(states.isEmpty ? "no instance reported" : states)); "
                             + "`pipette app \(app)` shows why, `pipette cells` which cells have room")
    }
}
