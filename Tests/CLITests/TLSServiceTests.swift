import Foundation
import Testing
import TestSupport

/// The services and client commands with NATS over TLS, as an operator runs them: a refusal the
/// server's side can mend is logged once and waited out; a client command or a bad local file
/// fails at once with the sentence.
@Suite("Services over TLS", .serialized)
struct TLSServiceTests {
    static var pipette: String { ProjectPaths.root.appendingPathComponent(".build/debug/pipette").path }

    /// How many times `text` occurs in `log`.
    static func count(_ text: String, in log: String) -> Int { log.components(separatedBy: text).count - 1 }

    @Test func aServiceFacingAnUntrustedCertificateKeepsRunningAndConnectsOnceTheServerIsFixed() async throws {
        let pki = try TestCertificates()
        defer { pki.remove() }
        var nats = try NATSServer(arguments: pki.natsServerArguments(pki.otherServer))
        let port = nats.port
        let auctioneer = try ServiceProcess(["auctioneer", "--nats", "tls://localhost:\(port)", "--nats-ca", pki.ca])
        defer { auctioneer.stop() }
        let sentence = "is not signed by the CA in \(pki.ca)"
        #expect(await auctioneer.waitFor(sentence), "\(auctioneer.log)")
        #expect(auctioneer.log.contains("NATS refuses this connection; retrying until that is mended"))
        #expect(auctioneer.process.isRunning)

        nats.stop()
        nats = try NATSServer(arguments: pki.natsServerArguments(pki.server), port: port)
        defer { nats.stop() }
        #expect(await auctioneer.waitFor("auctioneer ready", timeout: .seconds(30)), "it connected once mended:\n\(auctioneer.log)")
        // It went on trying (backing off up to 5 s) without repeating itself.
        #expect(Self.count(sentence, in: auctioneer.log) == 1, "\(auctioneer.log)")
        auctioneer.signal(SIGTERM)
        let status = await auctioneer.exitStatus(within: .seconds(10))
        let how = status.map { "\(auctioneer.process.terminationReason == .uncaughtSignal ? "signal" : "exit code") \($0)" }
            ?? "still running after 10 s"
        #expect(status == 0, "\(how):\n\(auctioneer.log)")
    }

    @Test func aWrongPasswordIsWaitedOutByAServiceButFailsAClientCommandAtOnce() async throws {
        let pki = try TestCertificates()
        defer { pki.remove() }
        let nats = try NATSServer(arguments: pki.natsServerArguments(pki.server) + ["--user", "pipette", "--pass", "right"],
                                  jetStream: false)
        defer { nats.stop() }
        let environment = ["PIPETTE_NATS_URL": "tls://pipette:wrong-pw@localhost:\(nats.port)", "PIPETTE_NATS_CA": pki.ca]
        let auctioneer = try ServiceProcess(["auctioneer"], environment: environment)
        defer { auctioneer.stop() }
        #expect(await auctioneer.waitFor("refused this client's credentials (Authorization Violation)"), "\(auctioneer.log)")
        #expect(auctioneer.process.isRunning)
        #expect(!auctioneer.log.contains("wrong-pw"))

        let started = ContinuousClock.now
        let cells = try await shell(Self.pipette, ["cells"], environment: ProcessInfo.processInfo.environment.merging(environment) { $1 })
        #expect(cells.status != 0)
        #expect(cells.output.contains("refused this client's credentials (Authorization Violation)"), "\(cells.output)")
        #expect(ContinuousClock.now - started < .seconds(15))
    }

    @Test func aClientCommandWithTheWrongCAFailsAtOnceWithTheSentence() async throws {
        let pki = try TestCertificates()
        defer { pki.remove() }
        let nats = try NATSServer(arguments: pki.natsServerArguments(pki.server), jetStream: false)
        defer { nats.stop() }
        let environment = ProcessInfo.processInfo.environment.merging(
            ["PIPETTE_NATS_URL": "tls://localhost:\(nats.port)", "PIPETTE_NATS_CA": pki.otherCA]) { $1 }
        let cells = try await shell(Self.pipette, ["cells"], environment: environment)
        #expect(cells.status != 0)
        #expect(cells.output.contains("is not signed by the CA in \(pki.otherCA)"), "\(cells.output)")
        #expect(cells.output.contains("--nats-ca, PIPETTE_NATS_CA or nats_ca_file"))
    }

    @Test func servicesAndCommandsWorkOverTLSWithClientCertificates() async throws {
        let pki = try TestCertificates()
        defer { pki.remove() }
        let nats = try NATSServer(arguments: pki.natsServerArguments(pki.server, verifyClients: true))
        defer { nats.stop() }
        let environment = ["PIPETTE_NATS_URL": "tls://localhost:\(nats.port)", "PIPETTE_NATS_CA": pki.ca,
                           "PIPETTE_NATS_CERT": pki.client.certificate, "PIPETTE_NATS_KEY": pki.client.key]
        let services = [
            try ServiceProcess(["auctioneer"], environment: environment),
            try ServiceProcess(["cell", "--id", "tls-1", "--stacks", "tiny-amd64"], environment: environment),
        ]
        defer { services.forEach { $0.stop() } }
        for service in services { #expect(await service.waitFor("ready"), "\(service.log)") }
        var listed = ""
        let shown = await eventually(within: .seconds(20)) {
            listed = (try? await shell(Self.pipette, ["cells"],
                                       environment: ProcessInfo.processInfo.environment.merging(environment) { $1 }).output) ?? ""
            return listed.contains("tls-1")
        }
        #expect(shown, "\(listed)")
        services.forEach { $0.signal(SIGTERM) }
        for service in services { _ = await service.exitStatus(within: .seconds(10)) }
    }

    @Test func aStagerWithSecureTrueRefusesAPlainServerAndAnUnreadableCAEndsAService() async throws {
        let work = try TemporaryDirectory("secure-stager")
        defer { work.remove() }
        let nats = try NATSServer(jetStream: false)
        defer { nats.stop() }
        try work.write("stager.yml", "nats_uri: \(nats.url)\nsecure: true\nlocal_staging: true\n")
        let stager = try ServiceProcess(["stager", "--config", work.file("stager.yml").path])
        defer { stager.stop() }
        #expect(await stager.waitFor("does not offer TLS, but this client requires it"), "\(stager.log)")
        #expect(stager.process.isRunning)

        let missing = work.file("no-ca.pem").path
        let auctioneer = try ServiceProcess(["auctioneer", "--nats", nats.url, "--nats-ca", missing])
        defer { auctioneer.stop() }
        let status = await auctioneer.exitStatus(within: .seconds(20))
        #expect(status != nil && status != 0, "\(auctioneer.log)")
        #expect(auctioneer.log.contains("cannot use the NATS TLS CA file \(missing): there is no such file"), "\(auctioneer.log)")
    }

    @Test func theStagersConfigFileGivesTheCAAndClientCertificate() async throws {
        let pki = try TestCertificates()
        let work = try TemporaryDirectory("tls-stager-config")
        defer { pki.remove(); work.remove() }
        let nats = try NATSServer(arguments: pki.natsServerArguments(pki.server, verifyClients: true))
        defer { nats.stop() }
        try work.write("stager.yml", """
            nats_uri: tls://localhost:\(nats.port)
            secure: true
            nats_ca_file: \(pki.ca)
            nats_cert_file: \(pki.client.certificate)
            nats_key_file: \(pki.client.key)
            local_staging: true

            """)
        let stager = try ServiceProcess(["stager", "--config", work.file("stager.yml").path])
        defer { stager.stop() }
        #expect(await stager.waitFor("ready"), "\(stager.log)")
        stager.signal(SIGTERM)
        #expect(await stager.exitStatus(within: .seconds(10)) == 0)
    }

    @Test(.timeLimit(.minutes(5)))
    func theSeedsStagingRequestGoesThroughWithTLSEverywhere() async throws {
        let pki = try TestCertificates()
        let work = try TemporaryDirectory("tls-e2e")
        defer { pki.remove(); work.remove() }
        let nats = try NATSServer(arguments: pki.natsServerArguments(pki.server, verifyClients: true))
        defer { nats.stop() }
        let ccPort = freePort(), blobPort = freePort()
        let tls = ["--tls-cert", pki.server.certificate, "--tls-key", pki.server.key]
        let environment = ["PIPETTE_NATS_URL": "tls://localhost:\(nats.port)", "PIPETTE_NATS_CA": pki.ca,
                           "PIPETTE_NATS_CERT": pki.client.certificate, "PIPETTE_NATS_KEY": pki.client.key,
                           "PIPETTE_CA_FILE": pki.ca, "PIPETTE_BLOBSTORE_SECRET": "tls-e2e-secret"]
        let services = [
            try ServiceProcess(["fake-cc", "--port", String(ccPort), "--apps", ProjectPaths.apps.path,
                                "--droplets", work.file("droplets").path] + tls, environment: environment),
            try ServiceProcess(["blobstore", "--port", String(blobPort), "--dir", work.file("blobs").path] + tls,
                               environment: environment),
            try ServiceProcess(["auctioneer"], environment: environment),
            try ServiceProcess(["cell", "--id", "tls-e2e-1", "--stacks", "tiny-amd64"], environment: environment),
            try ServiceProcess(["stager", "--blobstore", "https://localhost:\(blobPort)"], environment: environment),
        ]
        defer { services.forEach { $0.stop() } }
        #expect(await services[0].waitFor("listening on https://"), "\(services[0].log)")
        #expect(await services[1].waitFor("listening on https://"), "\(services[1].log)")
        for service in services.dropFirst(2) { #expect(await service.waitFor("ready"), "\(service.log)") }
        let client = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let joined = await eventually(within: .seconds(30)) {
            (try? await shell(Self.pipette, ["cells"], environment: client).output.contains("tls-e2e-1")) == true
        }
        #expect(joined)
        let staged = try await shell(Self.pipette, ["stage", "static", "--cc", "https://localhost:\(ccPort)"], environment: client)
        #expect(staged.status == 0, "\(staged.output)\n\(services.map(\.log).joined(separator: "\n---\n"))")
        #expect(staged.output.contains("buildpack:     staticfile"), "\(staged.output)")
        #expect(!((try? FileManager.default.subpathsOfDirectory(atPath: work.file("droplets").path)) ?? []).isEmpty,
                "the droplet reached the fake cloud controller over HTTPS")
        services.forEach { $0.signal(SIGTERM) }
        for service in services { _ = await service.exitStatus(within: .seconds(10)) }
    }
}
