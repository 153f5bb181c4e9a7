import PipetteCore
@testable import Router
import Testing

@Suite("Route table and HAProxy layout")
struct RouteTableTests {
    func registration(_ uri: String, port: UInt16, instance: String, stale: Int = 0) -> RouteRegistration {
        RouteRegistration(host: "127.0.0.1", port: port, privateInstanceID: instance, staleThresholdInSeconds: stale, uris: [uri])
    }

    @Test func registerRefreshUnregisterAndPrune() {
        var table = RouteTable(pruneThreshold: .seconds(120))
        let t0 = ContinuousClock.now
        #expect(table.register(registration("Web.localhost", port: 1, instance: "a"), now: t0) == ["web.localhost"])
        #expect(table.register(registration("web.localhost", port: 1, instance: "a"), now: t0).isEmpty, "a refresh changes nothing")
        #expect(table.register(registration("web.localhost", port: 2, instance: "b", stale: 30), now: t0) == ["web.localhost"])
        #expect(table.addresses(of: "web.localhost").map(\.port) == [1, 2])
        // Port 2 has a 30 s threshold of its own; port 1 the router's 120 s.
        #expect(table.prune(now: t0 + .seconds(31)).map(\.endpoint.registration.port) == [2])
        #expect(table.addresses(of: "web.localhost").map(\.port) == [1])
        // An unregister for another instance at the same address (port reused) is ignored.
        #expect(table.unregister(registration("web.localhost", port: 1, instance: "old")).isEmpty)
        #expect(table.unregister(registration("web.localhost", port: 1, instance: "a")) == ["web.localhost"])
        #expect(table.hosts.isEmpty)
        #expect(table.register(registration("web.localhost/path", port: 3, instance: "c"), now: t0).isEmpty, "path routes are skipped")
    }

    @Test func layoutAddsBeforeItRemovesAndGrowsWhenFull() throws {
        var layout = HAProxyLayout(backends: 1, slotsPerBackend: 2)
        let a = RouteTable.Address(host: "127.0.0.1", port: 1)
        let b = RouteTable.Address(host: "127.0.0.1", port: 2)
        let c = RouteTable.Address(host: "127.0.0.1", port: 3)
        #expect(layout.route("web", to: [a], mapFile: "/m") == [
            "set server app_0/s0 addr 127.0.0.1 port 1", "set server app_0/s0 state ready", "add map /m web app_0",
        ])
        #expect(layout.route("web", to: [b], mapFile: "/m") == [
            "set server app_0/s1 addr 127.0.0.1 port 2", "set server app_0/s1 state ready", "set server app_0/s0 state maint",
        ])
        #expect(layout.route("other", to: [a], mapFile: "/m") == nil, "no free backend")
        #expect(layout.route("web", to: [a, b, c], mapFile: "/m") == nil, "not enough free slots")
        layout.grow(toFit: "web", [a, b, c], mapFile: "/m")
        #expect(layout.slotsPerBackend == 4)
        layout.grow(toFit: "other", [a], mapFile: "/m")
        #expect(layout.backendCount == 2)
        #expect(layout.mapFileContents == "other app_1\nweb app_0\n")
        let config = layout.config(.init(listen: "127.0.0.1", port: 8080, domain: "localhost", mapFile: "/m",
                                         adminSocket: "/a.sock", stopGrace: .seconds(5)))
        #expect(config.contains("    server s1 127.0.0.1:2\n"))
        #expect(config.contains("    server s3 0.0.0.0:0 disabled\n"))
        #expect(config.contains("no app is routed at %[req.hdr(host),field(1,:)]"))
        #expect(layout.route("web", to: [], mapFile: "/m")?.first == "del map /m web", "the host is unmapped first")
    }
}

/// A repeated failure (an HAProxy reload that keeps failing) is logged at the 1st, 2nd, 4th, 8th…
/// failure in a row, and its end once.
@Suite("Failure streaks")
struct FailureStreakTests {
    @Test func failuresAreLoggedAtPowersOfTwoAndTheRecoveryOnce() {
        var streak = FailureStreak()
        let none = streak.succeeded()
        #expect(none == nil)
        var logged: [Int] = []
        for failure in 1...20 where streak.failed() { logged.append(failure) }
        #expect(logged == [1, 2, 4, 8, 16])
        let recovered = streak.succeeded(), again = streak.succeeded()
        #expect(recovered == 20 && again == nil)
        let first = streak.failed()
        #expect(first)
    }
}
