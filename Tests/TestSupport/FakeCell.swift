import Foundation
import NATS
import PipetteCore
import ServiceLifecycle
import Synchronization

/// A light in-process cell for converger tests and benchmarks: answers perform requests for app
/// instances (room and stack permitting), keeps its instances, heartbeats its `CellState` with
/// `lrps`, honours `InstanceStop`, and publishes `InstanceReport`s on changes, like the real cell's
/// contract. Nothing runs: the test moves instances along (``markRunning(_:)``, ``crash(_:reason:)``),
/// or `runAfter` promotes them to running by itself.
public final class FakeCell: Service, Sendable {
    public let id: String
    public let zone: String
    public let stacks: [String]
    public let total: Resources
    private let nats: NATSConnection
    private let heartbeatInterval: Duration
    /// A started instance becomes running this long after it was accepted; nil: only when told.
    private let runAfter: Duration?
    private let policy: CrashPolicy
    public let ready = Reported<Bool>()

    private struct Held {
        var definition: InstanceDefinition
        var report: InstanceReport
        var accepted: ContinuousClock.Instant
    }

    private struct State {
        var held: [String: Held] = [:]
        var order: [String] = []
        var heartbeating = true
        var evacuating = false
        var refusing = false
        var performRequests = 0
        var stopsReceived: [InstanceStop] = []
        /// Tags every change like the real cell (`ModificationTag`).
        let epoch = UUID().uuidString.lowercased()
        var changes = 0

        mutating func nextTag() -> ModificationTag {
            changes += 1
            return ModificationTag(epoch: epoch, index: changes)
        }
    }

    private let state = Mutex(State())

    public init(id: String, zone: String = "z1", stacks: [String] = ["tiny-amd64"], nats: NATSConnection,
                total: Resources = Resources(memoryMB: 16_384, diskMB: 16_384, containers: 100),
                heartbeatInterval: Duration = .milliseconds(200), runAfter: Duration? = .milliseconds(300),
                policy: CrashPolicy = .diego) {
        self.id = id
        self.zone = zone
        self.stacks = stacks
        self.total = total
        self.nats = nats
        self.heartbeatInterval = heartbeatInterval
        self.runAfter = runAfter
        self.policy = policy
    }

    // MARK: What the test sees and does

    /// Instances held (any state), oldest first.
    public var instances: [InstanceReport] {
        state.withLock { s in s.order.compactMap { s.held[$0]?.report } }
    }

    /// How many instances the cell holds (any state), and how many of them run; cheaper than
    /// ``instances`` for polling many cells.
    public var counts: (held: Int, running: Int) {
        state.withLock { s in (s.held.count, s.held.values.filter { $0.report.state == .running }.count) }
    }

    /// Drops every instance without a word, as a cell replaced by an empty one would (benchmark rounds).
    public func removeAll() {
        state.withLock { s in
            s.held = [:]
            s.order = []
            _ = s.nextTag()
        }
    }

    /// Perform requests received (including ones with only tasks).
    public var performRequests: Int { state.withLock { $0.performRequests } }

    /// Every `InstanceStop` received.
    public var stopsReceived: [InstanceStop] { state.withLock { $0.stopsReceived } }

    /// Stops heartbeating (the auctioneer loses the cell) or starts again.
    public func setHeartbeating(_ on: Bool) { state.withLock { $0.heartbeating = on } }

    /// Marks the cell evacuating in its heartbeats (and it takes no new work).
    public func evacuate() { state.withLock { $0.evacuating = true } }

    /// Rejects every instance offered while on, though its heartbeats show room (as a cell that
    /// filled up since its last heartbeat does).
    public func setRefusing(_ on: Bool) { state.withLock { $0.refusing = on } }

    public func markRunning(_ guid: String) { change(guid) { $0.state = .running } }

    /// Crashes an instance, counting the crash like Diego (`CrashPolicy.crashCount`).
    public func crash(_ guid: String, reason: String = "exit status 1") {
        change(guid) { report in
            let now = Date().timeIntervalSince1970
            report.crashCount = policy.crashCount(previous: report.crashCount,
                                                  runningFor: report.state == .running ? now - report.since : nil)
            report.state = .crashed
            report.lastCrashReason = reason
            report.port = nil
        }
    }

    // MARK: The cell

    public func run() async throws {
        let performs = try nats.subscribe(Subjects.perform(cell: id), bufferSize: 4096)
        let stops = try nats.subscribe(Subjects.stopInstances(cell: id), bufferSize: 4096)
        try await nats.flush()
        publishHeartbeat()
        ready.set(true)
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    while (try? await Task.sleep(for: self.heartbeatInterval)) != nil {
                        self.promote()
                        self.publishHeartbeat()
                    }
                }
                group.addTask {
                    // Accepted instances become running `runAfter` later (the heartbeat also promotes
                    // any it finds due), so a benchmark does not wait for the next heartbeat.
                    await withDiscardingTaskGroup { promotions in
                        for await message in performs {
                            guard let request = try? Wire.decode(PerformRequest.self, from: message.payload),
                                  let replyTo = message.replyTo else { continue }
                            let reply = self.perform(request)
                            try? self.nats.publish(replyTo, Wire.encode(reply))
                            guard let runAfter = self.runAfter, !reply.accepted.isEmpty else { continue }
                            promotions.addTask {
                                guard (try? await Task.sleep(for: runAfter)) != nil else { return }
                                self.promote()
                            }
                        }
                    }
                }
                group.addTask {
                    for await message in stops {
                        if let stop = try? Wire.decode(InstanceStop.self, from: message.payload) { self.stop(stop) }
                    }
                }
                await group.next()
                group.cancelAll()
            }
        } onGracefulShutdown: {
            performs.unsubscribe()
            stops.unsubscribe()
        }
    }

    /// Takes what fits, in order; rejects the rest (and everything while evacuating).
    func perform(_ request: PerformRequest) -> PerformReply {
        let now = Date().timeIntervalSince1970
        var reply = PerformReply()
        state.withLock { s in
            s.performRequests += 1
            for definition in request.lrps {
                if s.evacuating {
                    reply.rejected.append(.init(taskID: definition.instanceGUID, reason: "cell \(id) is evacuating"))
                } else if s.refusing {
                    reply.rejected.append(.init(taskID: definition.instanceGUID, reason: "cell \(id) has no room after all"))
                } else if !stacks.contains(definition.stack) {
                    reply.rejected.append(.init(taskID: definition.instanceGUID, reason: "cell \(id) has no stack \(definition.stack)"))
                } else if !Self.available(total, s).fits(definition.work.need) {
                    reply.rejected.append(.init(taskID: definition.instanceGUID, reason: "cell \(id) is full"))
                } else {
                    var report = InstanceReport(instanceGUID: definition.instanceGUID, app: definition.app, appGUID: definition.appGUID,
                                                index: definition.index, release: definition.release, cellID: id, state: .starting,
                                                host: "127.0.0.1", since: now, crashCount: definition.crashCount)
                    report.modificationTag = s.nextTag()
                    s.held[definition.instanceGUID] = Held(definition: definition, report: report, accepted: .now)
                    s.order.append(definition.instanceGUID)
                    reply.accepted.append(definition.instanceGUID)
                }
            }
            reply.rejected += request.tasks.map { .init(taskID: $0.taskID, reason: "fake cell runs no tasks") }
        }
        for guid in reply.accepted { publishChange(guid) }
        return reply
    }

    func stop(_ stop: InstanceStop) {
        state.withLock { s in
            s.stopsReceived.append(stop)
            for guid in stop.instanceGUIDs { s.held[guid] = nil }
            s.order.removeAll { s.held[$0] == nil }
            _ = s.nextTag()
        }
    }

    /// Starting instances past `runAfter` become running.
    private func promote() {
        guard let runAfter else { return }
        let now = ContinuousClock.now
        let due = state.withLock { s in
            s.held.values.filter { $0.report.state == .starting && now - $0.accepted >= runAfter }.map(\.report.instanceGUID)
        }
        for guid in due { markRunning(guid) }
    }

    private func change(_ guid: String, _ edit: (inout InstanceReport) -> Void) {
        let changed = state.withLock { s -> Bool in
            guard var held = s.held[guid] else { return false }
            edit(&held.report)
            held.report.since = Date().timeIntervalSince1970
            held.report.modificationTag = s.nextTag()
            s.held[guid] = held
            return true
        }
        if changed { publishChange(guid) }
    }

    private func publishChange(_ guid: String) {
        guard let report = state.withLock({ $0.held[guid]?.report }) else { return }
        try? nats.publish(Subjects.instanceChanged, Wire.encode(report))
    }

    private static func available(_ total: Resources, _ s: State) -> Resources {
        s.held.values.filter { $0.report.state != .crashed }.reduce(total) { $0 - $1.definition.work.need }
    }

    /// The heartbeat as the real cell sends it.
    public var cellState: CellState {
        state.withLock { s in
            let reports = s.order.compactMap { s.held[$0]?.report }
            var counts: [String: Int] = [:]
            for report in reports where report.state != .crashed { counts[report.app, default: 0] += 1 }
            var state = CellState(id: id, zone: zone, stacks: stacks.map { .init(name: $0, arch: .amd64) }, total: total,
                                  available: Self.available(total, s), instances: counts, lrps: reports, evacuating: s.evacuating,
                                  heartbeatIntervalMs: heartbeatInterval.wholeMilliseconds)
            state.modificationTag = ModificationTag(epoch: s.epoch, index: s.changes)
            return state
        }
    }

    private func publishHeartbeat() {
        guard state.withLock({ $0.heartbeating }) else { return }
        try? nats.publish(Subjects.heartbeat, Wire.encode(cellState))
    }
}
