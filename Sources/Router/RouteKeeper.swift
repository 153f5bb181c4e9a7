import Foundation
import Logging
import PipetteCore

/// The router's state and the one writer of HAProxy: takes registrations, unregistrations and
/// prune ticks, keeps the `RouteTable`, and turns each host's change into runtime API commands
/// on HAProxy's admin socket (`HAProxyLayout`). When the backend pool is full it grows the
/// layout, writes the config and map from it and reloads HAProxy seamlessly (`reload` on the
/// master socket: the old worker finishes its requests), then re-applies what changed meanwhile.
actor RouteKeeper {
    private var table: RouteTable
    private var layout: HAProxyLayout
    private let files: RouterFiles
    private let settings: HAProxyLayout.Settings
    private let admin: HAProxySocket
    private let master: HAProxySocket
    private let logger: Logger
    /// Hosts whose HAProxy state may differ from the table (changed while reloading, or a
    /// command failed); applied after the reload.
    private var pending = Set<String>()
    private var reloading = false
    /// A reload failed: the next change or prune tick (each second) tries it again, so a host
    /// placed in the grown layout is not left unrouted.
    private var reloadOwed = false
    /// Failed reloads in a row: logged at 1, 2, 4, 8, … (a master gone for good would otherwise
    /// log one error per attempt, forever).
    private var failedReloads = FailureStreak()

    init(config: RouterConfig, files: RouterFiles, logger: Logger) {
        table = RouteTable(pruneThreshold: config.pruneThreshold)
        layout = HAProxyLayout(backends: config.initialBackends, slotsPerBackend: config.initialSlots)
        self.files = files
        settings = HAProxyLayout.Settings(listen: config.listenAddress, port: config.port, domain: config.domain,
                                          mapFile: files.mapFile.path, adminSocket: files.adminSocket.path,
                                          stopGrace: config.stopGrace)
        admin = HAProxySocket(path: files.adminSocket.path)
        master = HAProxySocket(path: files.masterSocket.path)
        self.logger = logger
    }

    /// Writes the config and map file HAProxy starts with.
    func writeFiles() throws(RouterError) {
        try files.write(config: layout.config(settings), map: layout.mapFileContents)
    }

    /// Waits until HAProxy's worker answers on the admin socket; returns its pid.
    func waitUntilReady(within limit: Duration, output: @Sendable () -> [String]) async throws -> Int {
        if let pid = await Poll.until(ContinuousClock.now + limit, { admin.workerPID() }) { return pid }
        try Task.checkCancellation()
        throw RouterError.haproxyNotReady(seconds: Int(limit.components.seconds), output: output())
    }

    func register(_ registration: RouteRegistration) async {
        if let problem = Self.problem(registration) {
            logger.notice("router.register ignored", metadata: ["reason": "\(problem)", "app": "\(registration.app)"])
            return
        }
        let changed = table.register(registration, now: .now)
        for host in changed {
            logger.info("route added", metadata: ["host": "\(host)", "address": "\(registration.address)",
                                                  "instance": "\(registration.privateInstanceID)"])
        }
        await apply(changed)
    }

    func unregister(_ registration: RouteRegistration) async {
        if let problem = Self.problem(registration) {
            logger.notice("router.unregister ignored", metadata: ["reason": "\(problem)", "app": "\(registration.app)"])
            return
        }
        let changed = table.unregister(registration)
        for host in changed {
            logger.info("route removed", metadata: ["host": "\(host)", "address": "\(registration.address)"])
        }
        await apply(changed)
    }

    /// Drops endpoints not re-announced within their threshold.
    func prune() async {
        let pruned = table.prune(now: .now)
        for (host, endpoint) in pruned {
            logger.notice("route pruned: not re-announced in time", metadata: [
                "host": "\(host)", "address": "\(endpoint.registration.address)",
                "threshold_s": "\(endpoint.staleAfter.components.seconds)",
            ])
        }
        await apply(Set(pruned.map(\.host)))
    }

    /// The addresses routed for `host` (for status and tests).
    func addresses(of host: String) -> [RouteTable.Address] { table.addresses(of: host) }

    /// Why a message cannot become an HAProxy server, or nil.
    static func problem(_ registration: RouteRegistration) -> String? {
        if let problem = registration.problem { return problem }
        var address = in_addr()
        if inet_pton(AF_INET, registration.host, &address) != 1 { return "host \(registration.host) is not an IPv4 address" }
        if registration.endpointPort.tls { return "TLS endpoints (tls_port) are not supported by this router" }
        if registration.uris.allSatisfy({ RouteTable.hostName($0) == nil }) { return "path routes (\(registration.uris)) are not supported" }
        return nil
    }

    private func apply(_ hosts: Set<String>) async {
        pending.formUnion(hosts)
        guard !reloading else { return }
        if reloadOwed {
            await reload(reason: "the last reload failed")
            return
        }
        for host in pending.sorted() {
            let addresses = table.addresses(of: host)
            guard let commands = layout.route(host, to: addresses, mapFile: settings.mapFile) else {
                layout.grow(toFit: host, addresses, mapFile: settings.mapFile)
                pending.remove(host)
                await reload(reason: "the pool is full for \(host)")
                return
            }
            pending.remove(host)
            do {
                try execute(commands)
            } catch {
                logger.error("haproxy runtime change failed; reloading from the full config", metadata: ["error": "\(error)"])
                await reload(reason: "a runtime command failed")
                return
            }
        }
    }

    private func execute(_ commands: [String]) throws(RouterError) {
        for command in commands {
            let answer = try admin.send(command)
            if HAProxySocket.isFailure(answer) { throw .command(command, answer: answer) }
        }
    }

    /// Writes the config from the layout and reloads HAProxy, waits for the new worker, then
    /// applies what changed meanwhile. A failed reload is owed and tried again later.
    private func reload(reason: String) async {
        reloading = true
        let before = admin.workerPID()
        let deadline = ContinuousClock.now + .seconds(10)
        do {
            try writeFiles()
            logger.notice("reloading haproxy", metadata: [
                "reason": "\(reason)", "backends": "\(layout.backendCount)", "slots": "\(layout.slotsPerBackend)",
            ])
            try await sendToMaster("reload", until: deadline)
            _ = await Poll.until(deadline) { admin.workerPID().flatMap { $0 != before ? $0 : nil } }
            reloadOwed = false
            if let failures = failedReloads.succeeded() {
                logger.notice("haproxy reloaded after \(failures) failed attempt\(failures == 1 ? "" : "s")")
            }
        } catch {
            reloadOwed = true
            if failedReloads.failed() {
                logger.error("haproxy reload failed; trying again within a second", metadata: [
                    "error": "\(error)", "failures_in_a_row": "\(failedReloads.count)",
                ])
            }
        }
        reloading = false
        if !reloadOwed { await apply([]) }
    }

    /// Sends a command to HAProxy's master, asking again while its socket refuses: the master
    /// re-executes itself on each reload, and a second reload right after the first found its
    /// socket not yet listening ("Connection refused"; seen under load).
    private func sendToMaster(_ command: String, until deadline: ContinuousClock.Instant) async throws(RouterError) -> Void {
        var refusal: RouterError?
        let sent = await Poll.until(deadline) { () -> Bool? in
            do throws(RouterError) {
                _ = try master.send(command)
                return true
            } catch {
                refusal = error
                return nil
            }
        }
        if sent == nil, let refusal { throw refusal }
    }
}
