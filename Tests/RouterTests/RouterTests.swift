import Foundation
import NATS
import PipetteCore
@testable import Router
import Synchronization
import Testing
import TestSupport

/// `pipette router` end to end: NATS registrations in gorouter's format become HAProxy routes.
@Suite("Router drives HAProxy from router.register", .serialized)
struct RouterTests {
    @Test func registrationsBecomeRoundRobinRoutesAndAnUnregisterDropsNoRequest() async throws {
        try await withRouter { router in
            let portA = try await router.backend("A")
            let portB = try await router.backend("B")
            try await router.start()
            let a = router.registration("web", port: portA, instance: "a")
            let b = router.registration("web", port: portB, instance: "b")
            try router.register(a)
            try router.register(b)
            let both = await eventually(within: .seconds(10)) {
                var seen = Set<String>()
                for _ in 0..<4 { seen.insert(await router.get("web.localhost").body) }
                return seen == ["A", "B"]
            }
            #expect(both, "both backends answer")
            var answers: [String] = []
            for _ in 0..<6 { answers.append(await router.get("Web.localhost:8080").body) }
            #expect(zip(answers, answers.dropFirst()).allSatisfy { $0 != $1 }, "round robin alternates: \(answers)")

            // Requests in a loop while B is withdrawn: none fails, and soon only A answers.
            let loop = RequestLoop()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    while !loop.stopped {
                        loop.record(await router.get("web.localhost"))
                    }
                }
                try await Task.sleep(for: .milliseconds(300))
                let withdrawn = ContinuousClock.now
                try router.unregister(b)
                let onlyA = await eventually(within: .seconds(10)) {
                    for _ in 0..<4 where await router.get("web.localhost").body != "A" { return false }
                    return true
                }
                #expect(onlyA, "only A answers after B is withdrawn")
                let took = ContinuousClock.now - withdrawn
                print("B stopped getting traffic within \(took)")
                try await Task.sleep(for: .milliseconds(300))
                loop.stop()
                try await group.waitForAll()
            }
            #expect(loop.failures.isEmpty, "no request failed during the change: \(loop.failures)")
            #expect(loop.sent > 5)
        }
    }

    @Test func unknownHostGets404NamingIt() async throws {
        try await withRouter { router in
            try await router.start()
            let answer = await router.get("nobody.localhost:8080")
            #expect(answer.status == 404)
            #expect(answer.body.contains("no app is routed at nobody.localhost"), "\(answer.body)")
            // A graceful shutdown stops HAProxy with the router.
            await router.stopRouter()
            #expect(await router.get("nobody.localhost").status == 0, "nothing listens on the router's port any more")
            #expect(!FileManager.default.fileExists(atPath: router.state.file("haproxy.pid").path))
        }
    }

    @Test func routesNotReannouncedArePruned() async throws {
        try await withRouter { router in
            let port = try await router.backend("P")
            try await router.start { $0.pruneThreshold = .seconds(2); $0.registerInterval = .seconds(1) }
            try router.register(router.registration("stale", port: port, instance: "p"))
            #expect(await eventually(within: .seconds(10)) { await router.get("stale.localhost").body == "P" })
            // Kept while re-announced within the threshold…
            let kept = ContinuousClock.now + .seconds(3)
            var alwaysRouted = true
            while ContinuousClock.now < kept {
                try router.register(router.registration("stale", port: port, instance: "p"))
                if await router.get("stale.localhost").status != 200 { alwaysRouted = false }
                try await Task.sleep(for: .milliseconds(500))
            }
            #expect(alwaysRouted, "a route re-announced every 0.5 s is not pruned")
            // …and gone once announcements stop.
            #expect(await eventually(within: .seconds(15)) { await router.get("stale.localhost").status == 404 })
        }
    }

    @Test func routerStartIsPublishedAndRouterGreetAnswered() async throws {
        try await withRouter { router in
            try await router.start { $0.pruneThreshold = .seconds(90); $0.registerInterval = .seconds(15) }
            #expect(await eventually { router.routerStarts.contains { $0.id == "0-test" } }, "router.start at start")
            let reply = try await router.client.request(RouterSubjects.greet, [UInt8](), timeout: .seconds(5))
            let greeting = try Wire.decode(RouterStart.self, from: reply.payload)
            #expect(greeting == RouterStart(id: "0-test", hosts: ["127.0.0.1"], minimumRegisterIntervalInSeconds: 15,
                                            pruneThresholdInSeconds: 90, appURL: "http://{app}.localhost:\(router.port)/"))
            // `pipette push` and `pipette app` print an app's route from it.
            #expect(greeting.url(app: "web") == "http://web.localhost:\(router.port)/")
        }
    }

    @Test func malformedAndUnroutableMessagesAreIgnored() async throws {
        try await withRouter { router in
            let port = try await router.backend("OK")
            try await router.start()
            try router.client.publish(RouterSubjects.register, Array("not json".utf8))
            try router.client.publish(RouterSubjects.register, Array(#"{"host":"127.0.0.1","port":99999}"#.utf8))
            var insecure = router.registration("evil", port: port, instance: "e")
            insecure.routeServiceURL = "http://insecure.example"
            try router.register(insecure)
            var named = router.registration("named", port: port, instance: "n")
            named.host = "cell.example"
            try router.register(named)
            try router.register(router.registration("good", port: port, instance: "g"))
            #expect(await eventually(within: .seconds(10)) { await router.get("good.localhost").body == "OK" })
            #expect(await router.get("evil.localhost").status == 404)
            #expect(await router.get("named.localhost").status == 404)
        }
    }

    /// A pool of one backend with one server: a second host and a second instance need a
    /// bigger pool, which is a seamless reload; every route still works afterwards.
    @Test func outgrowingThePoolReloadsHAProxySeamlessly() async throws {
        try await withRouter { router in
            let portA = try await router.backend("A")
            let portB = try await router.backend("B")
            try await router.start { $0.initialBackends = 1; $0.initialSlots = 1 }
            try router.register(router.registration("one", port: portA, instance: "1a"))
            #expect(await eventually(within: .seconds(10)) { await router.get("one.localhost").body == "A" })
            try router.register(router.registration("one", port: portB, instance: "1b"))
            try router.register(router.registration("two", port: portB, instance: "2b"))
            let routed = await eventually(within: .seconds(15)) {
                var seen = Set<String>()
                for _ in 0..<4 { seen.insert(await router.get("one.localhost").body) }
                let two = await router.get("two.localhost").body
                return seen == ["A", "B"] && two == "B"
            }
            #expect(routed, "both hosts and both instances are routed after the pool grew")
            let config = try String(contentsOf: router.state.file("haproxy.cfg"), encoding: .utf8)
            #expect(config.contains("backend app_1"), "the config was rewritten with more backends")
        }
    }
}

/// Requests sent in a loop by one task while another changes routes.
final class RequestLoop: Sendable {
    private let state = Mutex<(sent: Int, failures: [String], stopped: Bool)>((0, [], false))

    var stopped: Bool { state.withLock { $0.stopped } }
    var sent: Int { state.withLock { $0.sent } }
    var failures: [String] { state.withLock { $0.failures } }

    func stop() { state.withLock { $0.stopped = true } }

    func record(_ answer: (status: Int, body: String)) {
        state.withLock { s in
            s.sent += 1
            if answer.status != 200 { s.failures.append("\(answer.status) \(answer.body)") }
        }
    }
}
