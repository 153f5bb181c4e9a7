import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import Router
import Staging

struct RouterCommand: ServiceCommand {
    static let configuration = CommandConfiguration(
        commandName: "router",
        abstract: "Serve every app at http://APP.DOMAIN:PORT/ through HAProxy, following Cloud Foundry's router.register on NATS.",
        discussion: """
            Cells announce each running app instance on router.register in gorouter's
            format (host, port, uris, app, private_instance_id, tags) and withdraw it on
            router.unregister when it stops, crashes or its cell evacuates. The router
            keeps a route table from them and drives a child HAProxy (Debian's haproxy,
            master-worker mode) through its runtime API: requests for APP.DOMAIN go
            round-robin to that app's instances; a withdrawn instance gets no new request
            within a second while requests in flight finish. No proxy code of Pipette's
            sits on the request path. A host nobody announced gets 404 naming it.

            Like gorouter it publishes router.start (at start and every 60 s) and answers
            router.greet with its register interval and prune threshold; routes not
            re-announced within --prune-threshold seconds are dropped. HAProxy's config,
            host map and sockets live in --state-dir (admin.sock: `show servers state`,
            `show map`). SIGTERM or Ctrl-C stops HAProxy gracefully.

            Examples:
              pipette router
              curl -H 'Host: sinatra.localhost' http://127.0.0.1:8080/
              curl http://sinatra.localhost:8080/          # *.localhost resolves to 127.0.0.1
              pipette router --port 80 --domain apps.example.com --listen 0.0.0.0
            """)

    @Option(help: "The port apps are served on.")
    var port = 8080

    @Option(help: ArgumentHelp("The address HAProxy listens on (loopback by default).", valueName: "ip"))
    var listen = "127.0.0.1"

    @Option(help: ArgumentHelp("Apps are reached at APP.DOMAIN; cells must announce the same (pipette cell --domain).",
                               valueName: "domain"))
    var domain = "localhost"

    @Option(help: ArgumentHelp("The HAProxy program.", valueName: "path"))
    var haproxy = "/usr/sbin/haproxy"

    @Option(help: ArgumentHelp("Where HAProxy's config, host map, sockets and pid file go (default: $PIPETTE_CACHE/router).",
                               valueName: "dir"))
    var stateDir: String?

    @Option(help: ArgumentHelp("Seconds a route lives without being re-announced (gorouter's default: 120).", valueName: "S"))
    var pruneThreshold = 120

    @Option(help: ArgumentHelp("Seconds between re-announcements asked of emitters in router.start (gorouter's default: 20).",
                               valueName: "S"))
    var registerInterval = 20

    @OptionGroup var bus: BusOptions

    func validate() throws {
        if !(1...65535).contains(port) { throw ValidationError("--port must be 1 to 65535, e.g. 8080") }
        if pruneThreshold < 1 { throw ValidationError("--prune-threshold must be at least 1 second") }
        if registerInterval < 1 { throw ValidationError("--register-interval must be at least 1 second") }
        if registerInterval >= pruneThreshold {
            throw ValidationError("--register-interval (\(registerInterval) s) must be shorter than --prune-threshold (\(pruneThreshold) s), or routes are pruned between announcements")
        }
        if domain.isEmpty || domain.hasPrefix(".") || !domain.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-.".contains($0)) }) {
            throw ValidationError("--domain must be a DNS name such as localhost or apps.example.com")
        }
        var address = in_addr()
        if inet_pton(AF_INET, listen, &address) != 1 { throw ValidationError("--listen must be an IPv4 address, e.g. 127.0.0.1") }
    }

    func makeService() async throws -> any Service {
        let logger = LogSetup.logger("pipette.router", level: bus.logLevel)
        let state = stateDir.map { URL(fileURLWithPath: $0) } ?? PipetteHome.locate().cache.appendingPathComponent("router")
        var config = RouterConfig(port: port, domain: domain, haproxy: haproxy, stateDirectory: state, natsURI: bus.natsURL)
        config.listenAddress = listen
        config.natsOptions = bus.natsOptions
        config.pruneThreshold = .seconds(pruneThreshold)
        config.registerInterval = .seconds(registerInterval)
        let (port, domain) = (self.port, self.domain)
        let service = RouterService(config: config, logger: logger) {
            Output.status("router ready: apps at http://APP.\(domain):\(port)/ (HAProxy, state in \(state.path))")
        }
        return service
    }
}
