import Foundation
import Testing
import TestSupport

/// The long-running commands as an operator runs them (issue 9, findings 5 and 8): no secret in
/// their output or in `ps`, and a prompt exit on SIGTERM even when NATS went away first (as when
/// foreman stops the whole Procfile at once).
@Suite("Services as processes", .serialized)
struct ServiceShutdownAndSecretTests {
    @Test func componentsStoppedAfterTheirNATSServerExitAtOnce() async throws {
        let nats = try NATSServer()
        defer { nats.stop() }
        let services = [
            try ServiceProcess(["auctioneer", "--nats", nats.url]),
            try ServiceProcess(["cell", "--id", "sigterm-1", "--stacks", "tiny-amd64", "--nats", nats.url]),
            try ServiceProcess(["stager", "--local", "--nats", nats.url]),
        ]
        defer { services.forEach { $0.stop() } }
        for service in services { #expect(await service.waitFor("ready"), "\(service.log)") }
        nats.stop()
        services.forEach { $0.signal(SIGTERM) }
        for service in services {
            // An idle service has nothing to finish; foreman kills what is still running after 5 s.
            let status = await service.exitStatus(within: .seconds(4))
            #expect(status == 0, "exited at once on SIGTERM: \(status.map(String.init) ?? "still running")\n\(service.log)")
        }
    }

    /// foreman stops a Procfile by sending SIGTERM to every process at once: the stager's drain
    /// then needs a server that is going away. It used to wait out libnats' 30 s drain timeout
    /// (foreman kills at 5 s); the other services already exited at once.
    @Test func componentsStoppedTogetherWithTheirNATSServerExitAtOnce() async throws {
        let nats = try NATSServer()
        defer { nats.stop() }
        let services = [
            try ServiceProcess(["auctioneer", "--nats", nats.url]),
            try ServiceProcess(["stager", "--nats", nats.url, "--blobstore", "http://127.0.0.1:\(freePort())",
                                "--blobstore-secret", "together"]),
            try ServiceProcess(["stager", "--local", "--nats", nats.url]),
        ]
        defer { services.forEach { $0.stop() } }
        for service in services { #expect(await service.waitFor("ready"), "\(service.log)") }
        nats.signal(SIGTERM)
        services.forEach { $0.signal(SIGTERM) }
        for service in services {
            let status = await service.exitStatus(within: .seconds(5))
            #expect(status == 0, "exited within 5 s of SIGTERM: \(status.map(String.init) ?? "still running")\n\(service.log)")
        }
    }

    @Test func servicesAuthenticateWithAnNKeySeedFile() async throws {
        let key = try await UserNKey.make()
        let work = try TemporaryDirectory("nkey-services")
        defer { work.remove() }
        try work.write("nats.conf", "authorization { users: [ { nkey: \(key.publicKey) } ] }\n")
        try work.write("user.nk", key.seed + "\n", mode: 0o600)
        let nats = try NATSServer(arguments: ["-c", work.file("nats.conf").path])
        defer { nats.stop() }
        let environment = ["PIPETTE_NATS_URL": nats.url, "PIPETTE_NATS_NKEY": work.file("user.nk").path]
        let services = [
            try ServiceProcess(["auctioneer"], environment: environment),
            try ServiceProcess(["cell", "--id", "nkey-1", "--stacks", "tiny-amd64"], environment: environment),
            try ServiceProcess(["stager", "--local"], environment: environment),
        ]
        defer { services.forEach { $0.stop() } }
        for service in services {
            #expect(await service.waitFor("ready"), "\(service.log)")
            #expect(!service.log.contains(key.seed))
        }
        // A client command authenticates the same way; the cell shows once its heartbeat arrived.
        var listed = ""
        let deadline = ContinuousClock.now + .seconds(20)
        while !listed.contains("nkey-1"), ContinuousClock.now < deadline {
            listed = try await shell(ProjectPaths.root.appendingPathComponent(".build/debug/pipette").path, ["cells"],
                                     environment: ProcessInfo.processInfo.environment.merging(environment) { $1 }).output
            if !listed.contains("nkey-1") { try await Task.sleep(for: .milliseconds(200)) }
        }
        #expect(listed.contains("nkey-1"), "\(listed)")
        services.forEach { $0.signal(SIGTERM) }
        for service in services { _ = await service.exitStatus(within: .seconds(10)) }
    }

    @Test func aServiceStartedBeforeItsNATSServerWaitsForIt() async throws {
        let port = freePort()
        let auctioneer = try ServiceProcess(["auctioneer", "--nats", "nats://127.0.0.1:\(port)"])
        defer { auctioneer.stop() }
        #expect(await auctioneer.waitFor("waiting for NATS"), "\(auctioneer.log)")
        let nats = try NATSServer(port: port)
        defer { nats.stop() }
        #expect(await auctioneer.waitFor("auctioneer ready"), "it connected once the server came up:\n\(auctioneer.log)")
        auctioneer.signal(SIGTERM)
        #expect(await auctioneer.exitStatus(within: .seconds(10)) == 0)
    }

    /// Ctrl-C or SIGTERM while a service waits for its NATS server (up to 30 s) ends it at once,
    /// with status 0: it used to wait the 30 s out and then fail.
    @Test func aServiceWaitingForNATSStopsAtOnceWhenAsked() async throws {
        let url = "nats://127.0.0.1:\(freePort())"
        let routerState = try TemporaryDirectory("router")
        defer { routerState.remove() }
        let services = [
            try ServiceProcess(["auctioneer", "--nats", url]),
            try ServiceProcess(["cell", "--id", "waiting-1", "--stacks", "tiny-amd64", "--nats", url]),
            try ServiceProcess(["stager", "--local", "--nats", url]),
            try ServiceProcess(["router", "--nats", url, "--port", "\(freePort())", "--state-dir", routerState.path]),
        ]
        defer { services.forEach { $0.stop() } }
        for service in services { #expect(await service.waitFor("waiting for NATS"), "\(service.log)") }
        services.forEach { $0.signal(SIGTERM) }
        for service in services {
            let status = await service.exitStatus(within: .seconds(5))
            #expect(status == 0, "exited within 5 s of SIGTERM: \(status.map(String.init) ?? "still running")\n\(service.log)")
        }
    }

    @Test func theNATSPasswordIsNeitherLoggedNorInTheProcessTable() async throws {
        let secret = "pw-Sekr1t-\(UUID().uuidString.prefix(6))"
        let work = try TemporaryDirectory("secrets")
        defer { work.remove() }
        try work.write("nats.conf", "authorization { user: pipette, password: \"\(secret)\" }\n")
        let nats = try NATSServer(arguments: ["-c", work.file("nats.conf").path])
        defer { nats.stop() }
        let environment = ["PIPETTE_NATS_URL": "nats://pipette:\(secret)@127.0.0.1:\(nats.port)"]
        let services = [
            try ServiceProcess(["auctioneer", "--log-level", "debug"], environment: environment),
            try ServiceProcess(["cell", "--id", "secret-1", "--stacks", "tiny-amd64", "--log-level", "debug"], environment: environment),
            try ServiceProcess(["stager", "--local", "--log-level", "debug"], environment: environment),
        ]
        defer { services.forEach { $0.stop() } }
        for service in services {
            #expect(await service.waitFor("ready"), "connected with the password from the environment:\n\(service.log)")
            #expect(!service.commandLine.contains(secret), "not in ps: \(service.commandLine)")
        }
        services.forEach { $0.signal(SIGTERM) }
        for service in services {
            _ = await service.exitStatus(within: .seconds(10))
            #expect(!service.log.contains(secret), "not in the log:\n\(service.log)")
            #expect(service.log.contains("pipette:***@") || service.log.contains("REDACTED") || !service.log.contains("pipette:"),
                    "the URL is shown redacted")
        }
        let wrong = try ServiceProcess(["auctioneer"], environment: ["PIPETTE_NATS_URL": "nats://pipette:not-\(secret)@127.0.0.1:\(nats.port)"])
        defer { wrong.stop() }
        // A wrong password can be mended on the server's side: the service says so and waits.
        #expect(await wrong.waitFor("NATS at nats://pipette:***@127.0.0.1:\(nats.port) refused this client's credentials"), "\(wrong.log)")
        #expect(wrong.process.isRunning)
        #expect(!wrong.log.contains(secret))
    }
}
