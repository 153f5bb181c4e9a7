import Foundation
import Logging
import NATS
import PipetteCore
import Synchronization

/// The cell's route emitter (Diego's route-emitter in local mode): announces each of this cell's
/// running instances to routers with `router.register` in gorouter's format, withdraws it with
/// `router.unregister` as soon as it stops being routable (crashed, failed its health check, asked
/// to stop, the cell evacuating) and before it is told to stop, and re-announces every route every
/// `minimumRegisterIntervalInSeconds` (from routers' `router.start`, 20 s until one says) and at
/// once when a router starts. Sends `router.greet` when it starts.
///
/// Driven by `InstanceRegistry`'s changes: each change re-reads `routable` and publishes the
/// difference with what was announced, under one lock so announcements stay in order.
final class RouteEmitter: Sendable {
    private let nats: NATSConnection
    private let registry: InstanceRegistry
    private let domain: String
    private let logger: Logger
    /// Registrations announced, by instance guid.
    private let announced = Mutex<[String: RouteRegistration]>([:])
    /// The re-announce interval, from the latest `router.start` or greeting reply.
    private let interval: Mutex<Duration>

    /// Tag every registration carries as `component`.
    static let component = "pipette"

    init(config: CellConfig, nats: NATSConnection, registry: InstanceRegistry, logger: Logger) {
        self.nats = nats
        self.registry = registry
        self.domain = config.routeDomain
        self.logger = logger
        self.interval = Mutex(config.routeRegisterInterval)
        registry.observe { [weak self] in self?.sync() }
    }

    /// The registration of one running instance.
    static func registration(_ report: InstanceReport, domain: String) -> RouteRegistration? {
        guard let port = report.port, let port16 = UInt16(exactly: port) else { return nil }
        return RouteRegistration(
            app: report.appGUID, endpointUpdatedAtNs: Int64(report.since * 1_000_000_000), host: report.host,
            port: port16, privateInstanceID: report.instanceGUID, privateInstanceIndex: String(report.index),
            staleThresholdInSeconds: 120,
            tags: ["component": component, "app_name": report.app, "instance_index": String(report.index), "process_type": "web"],
            uris: [route(app: report.app, domain: domain)])
    }

    /// `<app>.<domain>`, lower-cased as host names compare.
    static func route(app: String, domain: String) -> String { "\(app).\(domain)".lowercased() }

    /// Publishes the difference between what is routable now and what was announced.
    func sync() {
        announced.withLock { announced in
            var wanted: [String: RouteRegistration] = [:]
            for report in registry.routable {
                if let registration = Self.registration(report, domain: domain) { wanted[report.instanceGUID] = registration }
            }
            for (guid, old) in announced where wanted[guid] != old {
                publish(RouterSubjects.unregister, old)
                announced[guid] = nil
            }
            for (guid, new) in wanted where announced[guid] == nil {
                publish(RouterSubjects.register, new)
                announced[guid] = new
            }
        }
    }

    /// Re-announces every route (the periodic refresh and the answer to a router starting).
    func announceAll() {
        announced.withLock { announced in
            for registration in announced.values { publish(RouterSubjects.register, registration) }
        }
    }

    /// Withdraws every route (the cell is leaving).
    func withdrawAll() {
        announced.withLock { announced in
            for registration in announced.values { publish(RouterSubjects.unregister, registration) }
            announced = [:]
        }
    }

    /// Greets routers, then re-announces on `router.start` and every interval until cancelled;
    /// withdraws what is left when it ends.
    func run() async {
        do {
            let starts = try nats.subscribe(RouterSubjects.start, bufferSize: 64)
            let inbox = nats.newInbox()
            let greetings = try nats.subscribe(inbox, bufferSize: 64)
            try await nats.flush()
            try nats.publish(RouterSubjects.greet, [UInt8](), replyTo: inbox)
            sync()
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await self.follow(starts) }
                group.addTask { await self.follow(greetings) }
                group.addTask { await self.refresh() }
                await group.waitForAll()
            }
            starts.unsubscribe()
            greetings.unsubscribe()
        } catch {
            logger.error("route emitter cannot subscribe to router.start; routes are not announced", metadata: ["error": "\(error)"])
            while (try? await Task.sleep(for: .seconds(3600))) != nil {}
        }
        withdrawAll()
    }

    /// Takes routers' greetings: adopts the interval they name and re-announces at once.
    private func follow(_ subscription: NATSSubscription) async {
        for await message in subscription {
            // No router answered the greeting (NATS says so on the inbox): wait for router.start.
            if message.isNoResponders || message.payload.isEmpty { continue }
            guard let start = try? Wire.decode(RouterStart.self, from: message.payload) else {
                logger.notice("malformed router.start ignored", metadata: ["payload": "\(message.string.prefix(200))"])
                continue
            }
            if start.minimumRegisterIntervalInSeconds > 0 {
                interval.withLock { $0 = .seconds(start.minimumRegisterIntervalInSeconds) }
            }
            logger.info("router started: announcing routes", metadata: ["router": "\(start.id)"])
            announceAll()
        }
    }

    /// Re-announces every interval; checks often, so a shorter interval from a router applies at once.
    private func refresh() async {
        var last = ContinuousClock.now
        while (try? await Task.sleep(for: .milliseconds(250))) != nil {
            guard ContinuousClock.now - last >= interval.withLock({ $0 }) else { continue }
            last = .now
            sync()
            announceAll()
        }
    }

    private func publish(_ subject: String, _ registration: RouteRegistration) {
        do {
            try nats.publish(subject, Wire.encode(registration))
        } catch {
            logger.notice("cannot publish \(subject)", metadata: ["error": "\(error)", "uri": "\(registration.uris.first ?? "")"])
        }
        logger.debug("\(subject)", metadata: ["uri": "\(registration.uris.first ?? "")", "address": "\(registration.address)"])
    }
}
