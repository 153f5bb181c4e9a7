import Foundation
import PipetteCore
import Synchronization

/// The app instances this cell holds, behind one lock: their reports (what heartbeats carry and
/// `Subjects.instanceChanged` announces) and, for the ones still running, a way to ask them to stop.
final class InstanceRegistry: Sendable {
    private struct Entry {
        var report: InstanceReport
        /// Unix seconds the instance became `running`, for the crash policy.
        var runningSince: Double?
        var stopReason: String?
        var stopWaiter: CheckedContinuation<String?, Never>?
    }

    /// What `requestStop` found.
    enum StopOutcome: Equatable {
        /// It is running (or starting): it was asked to stop.
        case stopping
        /// It had crashed: its report is dropped.
        case forgotten
        case unknown
    }

    private let entries = Mutex<[String: Entry]>([:])
    /// New each time the cell starts; with `changes`, tags every change (`ModificationTag`).
    private let epoch = UUID().uuidString.lowercased()
    /// Changes made so far; moved only while `entries` is locked, so a snapshot's tag matches its reports.
    private let changes = Atomic<Int>(0)

    /// Counts a change (call with `entries` locked) and returns its tag.
    private func nextTag() -> ModificationTag {
        ModificationTag(epoch: epoch, index: changes.add(1, ordering: .relaxed).newValue)
    }
    /// Told after every change, outside the lock (the `RouteEmitter` re-reads `routable`).
    private let observers = Mutex<[@Sendable () -> Void]>([])

    /// Calls `observer` after every change to the instances, before a stopping instance is let go.
    func observe(_ observer: @escaping @Sendable () -> Void) { observers.withLock { $0.append(observer) } }

    private func changed() { observers.withLock { $0 }.forEach { $0() } }

    func add(_ report: InstanceReport) {
        entries.withLock { e in
            var report = report
            report.modificationTag = nextTag()
            e[report.instanceGUID] = Entry(report: report)
        }
        changed()
    }

    /// Changes a report; returns it as changed, or nil when the instance is not held.
    @discardableResult
    func update(_ guid: String, _ change: (inout InstanceReport) -> Void) -> InstanceReport? {
        let report = entries.withLock { e -> InstanceReport? in
            guard var entry = e[guid] else { return nil }
            change(&entry.report)
            entry.report.modificationTag = nextTag()
            if entry.report.state == .running, entry.runningSince == nil { entry.runningSince = entry.report.since }
            e[guid] = entry
            return entry.report
        }
        if report != nil { changed() }
        return report
    }

    /// Seconds the instance had been running when it crashed (nil when it never ran).
    func runningFor(_ guid: String, now: Double) -> Double? {
        entries.withLock { $0[guid]?.runningSince.map { now - $0 } }
    }

    /// True once the instance was asked to stop.
    func isStopping(_ guid: String) -> Bool { entries.withLock { $0[guid]?.stopReason != nil } }

    @discardableResult
    func remove(_ guid: String) -> InstanceReport? {
        let report = entries.withLock { e in
            e.removeValue(forKey: guid).map { entry in
                _ = nextTag()
                return entry.report
            }
        }
        if report != nil { changed() }
        return report
    }

    /// Instances that should get traffic: running, with a host port, not asked to stop.
    var routable: [InstanceReport] {
        entries.withLock { $0.values.filter { $0.report.state == .running && $0.report.port != nil && $0.stopReason == nil }.map(\.report) }
    }

    /// Every report, by app and index.
    var reports: [InstanceReport] { tagged.reports }

    /// Every report, by app and index, and the tag of the latest change they reflect (for heartbeats).
    var tagged: (reports: [InstanceReport], tag: ModificationTag) {
        let (reports, tag) = entries.withLock { e in
            (e.values.map(\.report), ModificationTag(epoch: epoch, index: changes.load(ordering: .relaxed)))
        }
        return (reports.sorted { ($0.app, $0.index, $0.instanceGUID) < ($1.app, $1.index, $1.instanceGUID) }, tag)
    }

    /// Non-crashed instances by app (the heartbeat's `instances`).
    static func counts(_ reports: [InstanceReport]) -> [String: Int] {
        reports.filter { $0.state != .crashed }.reduce(into: [:]) { $0[$1.app, default: 0] += 1 }
    }

    /// True while an instance is starting or running.
    var holdsLiveInstances: Bool { entries.withLock { $0.values.contains { $0.report.state != .crashed } } }

    /// Guids of the instances starting or running.
    var liveGUIDs: [String] { entries.withLock { $0.values.filter { $0.report.state != .crashed }.map(\.report.instanceGUID) } }

    /// Asks a live instance to stop, or forgets a crashed one.
    func requestStop(_ guid: String, reason: String) -> StopOutcome {
        let (outcome, waiter) = entries.withLock { e -> (StopOutcome, CheckedContinuation<String?, Never>?) in
            guard var entry = e[guid] else { return (.unknown, nil) }
            if entry.report.state == .crashed {
                e[guid] = nil
                _ = nextTag()
                return (.forgotten, nil)
            }
            guard entry.stopReason == nil else { return (.stopping, nil) }
            entry.stopReason = reason
            let waiter = entry.stopWaiter
            entry.stopWaiter = nil
            e[guid] = entry
            return (.stopping, waiter)
        }
        // Observers first: the instance's route is withdrawn before it is told to stop.
        if outcome != .unknown { changed() }
        waiter?.resume(returning: reason)
        return outcome
    }

    /// Returns the reason once the instance is asked to stop; nil when the waiting is cancelled.
    func stopRequested(_ guid: String) async -> String? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<String?, Never>) in
                let now: String?? = entries.withLock { e in
                    if let reason = e[guid]?.stopReason { return .some(reason) }
                    if Task.isCancelled || e[guid] == nil { return .some(nil) }
                    e[guid]?.stopWaiter = continuation
                    return .none
                }
                if let now { continuation.resume(returning: now) }
            }
        } onCancel: {
            let waiter = entries.withLock { e -> CheckedContinuation<String?, Never>? in
                defer { e[guid]?.stopWaiter = nil }
                return e[guid]?.stopWaiter
            }
            waiter?.resume(returning: nil)
        }
    }

    /// Drops crashed reports older than `cutoff` (unix seconds); returns them.
    func forgetCrashed(before cutoff: Double) -> [InstanceReport] {
        entries.withLock { e in
            let old = e.values.filter { $0.report.state == .crashed && $0.report.since < cutoff }.map(\.report)
            old.forEach { e[$0.instanceGUID] = nil }
            if !old.isEmpty { _ = nextTag() }
            return old
        }
    }
}
