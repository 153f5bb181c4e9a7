import Foundation
import Logging
import NATS
import PipetteCore
import ServiceLifecycle

/// `pipette router`: Cloud Foundry's router contract on NATS, HAProxy on the request path.
/// Follows `router.register` / `router.unregister` (gorouter's `RegistryMessage`), answers
/// `router.greet` and publishes `router.start` at start and every `startInterval`, prunes routes
/// not re-announced within `pruneThreshold`, and keeps a child HAProxy (master-worker) serving
/// `http://APP.<domain>:<port>/` round-robin over each app's announced instances. Route changes
/// go through HAProxy's runtime API, so no request in flight is dropped; unknown hosts get a 404
/// naming the host. On graceful shutdown HAProxy soft-stops (requests in flight finish).
public struct RouterService: Service {
    let config: RouterConfig
    let logger: Logger
    let onReady: @Sendable () async -> Void

    public init(config: RouterConfig, logger: Logger, onReady: @escaping @Sendable () async -> Void = {}) {
        self.config = config
        self.logger = logger
        self.onReady = onReady
    }

    /// What this router says in `router.start` and to `router.greet`.
    var greeting: RouterStart {
        RouterStart(id: config.id, hosts: [config.listenAddress],
                    minimumRegisterIntervalInSeconds: RouterConfig.seconds(config.registerInterval),
                    pruneThresholdInSeconds: RouterConfig.seconds(config.pruneThreshold),
                    appURL: "http://{app}.\(config.domain):\(config.port)/")
    }

    public func run() async throws {
        let files = RouterFiles(directory: config.stateDirectory)
        try files.prepare()
        let keeper = RouteKeeper(config: config, files: files, logger: logger)
        try await keeper.writeFiles()
        let haproxy = HAProxyProcess(executable: config.haproxy, configFile: files.configFile.path,
                                     masterSocket: files.masterSocket.path, pidFile: files.pidFile.path,
                                     stopGrace: config.stopGrace, logger: logger)
        guard let nats = try await NATSConnection.forService(config.natsURI, options: config.natsOptions.inboxes(BusRole.router.inboxPrefix),
                                                             logger: logger) else { return }
        defer { nats.close() }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await haproxy.run() }
            group.addTask { try await serve(keeper, nats: nats, haproxy: haproxy) }
            group.addTask { try? await gracefulShutdown() }
            // The first to end (shutdown, or HAProxy or NATS failing) ends the others.
            try await group.next()
            group.cancelAll()
            try await group.waitForAll()
        }
        await nats.drain()
        logger.info("router stopped", metadata: ["id": "\(config.id)"])
    }

    /// Once HAProxy answers: subscribes, greets emitters, and follows routes until cancelled.
    private func serve(_ keeper: RouteKeeper, nats: NATSConnection, haproxy: HAProxyProcess) async throws {
        let pid = try await keeper.waitUntilReady(within: .seconds(15)) { haproxy.lastLines }
        let routes = try nats.subscribe([RouterSubjects.register, RouterSubjects.unregister], bufferSize: 65536)
        let greets = try nats.subscribe(RouterSubjects.greet, bufferSize: 256)
        try await nats.flush()
        announce(nats)
        logger.info("router ready", metadata: [
            "url": "http://APP.\(config.domain):\(config.port)/", "haproxy_pid": "\(pid)",
            "prune_s": "\(RouterConfig.seconds(config.pruneThreshold))",
        ])
        await onReady()
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await message in routes {
                    let registration: RouteRegistration
                    do {
                        registration = try Wire.decode(RouteRegistration.self, from: message.payload)
                    } catch {
                        logger.notice("malformed \(message.subject) ignored", metadata: [
                            "error": "\(error)", "payload": "\(message.string.prefix(300))",
                        ])
                        continue
                    }
                    if message.subject == RouterSubjects.register {
                        await keeper.register(registration)
                    } else {
                        await keeper.unregister(registration)
                    }
                }
            }
            group.addTask {
                for await message in greets {
                    guard let replyTo = message.replyTo else { continue }
                    try? nats.publish(replyTo, Wire.encode(greeting))
                }
            }
            group.addTask { await tick(keeper, nats: nats) }
            await group.waitForAll()
        }
        routes.unsubscribe()
        greets.unsubscribe()
    }

    /// Prunes stale routes (often enough to honour the threshold within a second) and publishes
    /// `router.start` every `startInterval`.
    private func tick(_ keeper: RouteKeeper, nats: NATSConnection) async {
        let step = min(.seconds(1), config.pruneThreshold / 4)
        var lastStart = ContinuousClock.now
        while (try? await Task.sleep(for: step)) != nil {
            await keeper.prune()
            if ContinuousClock.now - lastStart >= config.startInterval {
                announce(nats)
                lastStart = .now
            }
        }
    }

    private func announce(_ nats: NATSConnection) {
        do {
            try nats.publish(RouterSubjects.start, Wire.encode(greeting))
        } catch {
            logger.notice("cannot publish router.start", metadata: ["error": "\(error)"])
        }
    }
}

extension RouterService: CustomStringConvertible {
    /// What service-lifecycle logs for this service: its name only, never its config.
    public var description: String { "RouterService" }
}
