import Foundation
import NATS
import Synchronization
import Testing
import TestSupport

/// NATS over TLS against a real nats-server with certificates made by openssl: what works, and
/// the sentence for each way it can fail.
@Suite("NATS over TLS")
struct NATSTLSTests {
    static func options(ca: String?, client: TestCertificates.Pair? = nil) -> NATSOptions {
        var options = NATSOptions()
        options.tlsCAFile = ca
        options.tlsCertificateFile = client?.certificate
        options.tlsKeyFile = client?.key
        options.connectTimeout = .seconds(2)
        return options
    }

    /// The error `connect` throws (nil when it connected).
    static func failure(_ url: String, _ options: NATSOptions) async -> NATSError? {
        do {
            let nats = try await NATSConnection.connect(url, options: options)
            nats.close()
            return nil
        } catch {
            return error
        }
    }

    @Test func connectsOverTLSByNameAndByAddressAndMessagesFlow() async throws {
        let pki = try TestCertificates()
        defer { pki.remove() }
        let server = try NATSServer(arguments: pki.natsServerArguments(pki.server), jetStream: false)
        for url in ["tls://localhost:\(server.port)", "nats://127.0.0.1:\(server.port)"] {
            let nats = try await NATSConnection.connect(url, options: Self.options(ca: pki.ca))
            let sub = try nats.subscribe("secure.hello")
            try nats.publish("secure.hello", "over tls")
            var iterator = sub.makeAsyncIterator()
            #expect(await iterator.next()?.string == "over tls")
            nats.close()
        }
    }

    @Test func aServerSignedByAnotherCAIsRefusedWithTheCASetting() async throws {
        let pki = try TestCertificates()
        defer { pki.remove() }
        let server = try NATSServer(arguments: pki.natsServerArguments(pki.otherServer), jetStream: false)
        let error = await Self.failure("tls://localhost:\(server.port)", Self.options(ca: pki.ca))
        guard case .untrustedCertificate = error else { Issue.record("\(String(describing: error))"); return }
        let sentence = error!.description
        #expect(sentence.contains("is not signed by the CA in \(pki.ca)"), "\(sentence)")
        #expect(sentence.contains("--nats-ca, PIPETTE_NATS_CA or nats_ca_file"))
        #expect(error!.isServerRefusal)
        // No CA given at all: the server requires TLS, and nothing this host trusts signed it.
        let plain = await Self.failure("nats://localhost:\(server.port)", NATSOptions())
        #expect(plain?.description.contains("is not signed by a CA this host trusts") == true, "\(String(describing: plain))")
    }

    @Test func anExpiredCertificateIsSaidToBeExpired() async throws {
        let pki = try TestCertificates()
        defer { pki.remove() }
        let server = try NATSServer(arguments: pki.natsServerArguments(pki.expired), jetStream: false)
        let error = await Self.failure("tls://localhost:\(server.port)", Self.options(ca: pki.ca))
        guard case .expiredCertificate = error else { Issue.record("\(String(describing: error))"); return }
        #expect(error!.description.contains("certificate has expired"), "\(error!)")
        #expect(error!.description.contains("needs a renewed certificate"))
    }

    @Test func aCertificateForAnotherNameIsRefusedEvenFromTheRightCA() async throws {
        let pki = try TestCertificates()
        defer { pki.remove() }
        let server = try NATSServer(arguments: pki.natsServerArguments(pki.wrongName), jetStream: false)
        let error = await Self.failure("tls://localhost:\(server.port)", Self.options(ca: pki.ca))
        guard case .certificateNameMismatch = error else { Issue.record("\(String(describing: error))"); return }
        #expect(error!.description.contains("does not name that host"), "\(error!)")
        #expect(error!.description.contains("expected=localhost"))
    }

    @Test func aPlainServerIsRefusedWhenTLSIsRequired() async throws {
        let pki = try TestCertificates()
        defer { pki.remove() }
        let server = try NATSServer(jetStream: false)
        for (url, options) in [("tls://127.0.0.1:\(server.port)", NATSOptions()), (server.url, Self.options(ca: pki.ca))] {
            let error = await Self.failure(url, options)
            guard case .tlsNotOffered = error else { Issue.record("\(url): \(String(describing: error))"); continue }
            #expect(error!.description.contains("does not offer TLS, but this client requires it"))
        }
        // Without TLS settings, plain TCP is as before.
        #expect(await Self.failure(server.url, NATSOptions()) == nil)
    }

    @Test func aServerVerifyingClientsWantsAClientCertificate() async throws {
        let pki = try TestCertificates()
        defer { pki.remove() }
        let server = try NATSServer(arguments: pki.natsServerArguments(pki.server, verifyClients: true), jetStream: false)
        let url = "tls://localhost:\(server.port)"
        #expect(await Self.failure(url, Self.options(ca: pki.ca, client: pki.client)) == nil)
        let error = await Self.failure(url, Self.options(ca: pki.ca))
        guard case .tlsRejected = error else { Issue.record("\(String(describing: error))"); return }
        #expect(error!.description.contains("give a client certificate signed by a CA it trusts with --nats-cert"))
    }

    @Test func wrongCredentialsAreAnAuthorizationViolation() async throws {
        let pki = try TestCertificates()
        defer { pki.remove() }
        let server = try NATSServer(arguments: pki.natsServerArguments(pki.server) + ["--user", "alice", "--pass", "right"],
                                    jetStream: false)
        #expect(await Self.failure("tls://alice:right@localhost:\(server.port)", Self.options(ca: pki.ca)) == nil)
        let error = await Self.failure("tls://alice:wrong@localhost:\(server.port)", Self.options(ca: pki.ca))
        guard case .authorizationViolation = error else { Issue.record("\(String(describing: error))"); return }
        #expect(error!.description.contains("refused this client's credentials (Authorization Violation)"))
        #expect(!error!.description.contains("wrong"), "the password is never shown")
    }

    @Test func aCAFileThatCannotBeUsedIsSaidAndNotRetried() async throws {
        let pki = try TestCertificates()
        defer { pki.remove() }
        let server = try NATSServer(arguments: pki.natsServerArguments(pki.server), jetStream: false)
        let url = "tls://localhost:\(server.port)"
        let missing = await Self.failure(url, Self.options(ca: pki.directory.file("nope.pem").path))
        #expect(missing?.description.contains("cannot use the NATS TLS CA file \(pki.directory.file("nope.pem").path): there is no such file")
            == true, "\(String(describing: missing))")
        let garbage = try pki.directory.write("garbage.pem", "not a certificate\n")
        let bad = await Self.failure(url, Self.options(ca: garbage.path))
        guard case .badTLSFile = bad else { Issue.record("\(String(describing: bad))"); return }
        #expect(!bad!.isServerRefusal)
        // A service's patient connect gives up on it at once rather than waiting.
        let started = ContinuousClock.now
        await #expect(throws: NATSError.self) {
            _ = try await NATSConnection.connect(url, options: Self.options(ca: garbage.path), patience: .seconds(30)) { _ in }
        }
        #expect(ContinuousClock.now - started < .seconds(10))
    }

    @Test func aPatientConnectWaitsOutABadCertificateAndConnectsOnceTheServerIsFixed() async throws {
        let pki = try TestCertificates()
        defer { pki.remove() }
        var server = try NATSServer(arguments: pki.natsServerArguments(pki.expired), jetStream: false)
        let port = server.port
        let told = Notes()
        try await withThrowingTaskGroup(of: NATSConnection.self) { group in
            group.addTask {
                try await NATSConnection.connect("tls://localhost:\(port)", options: Self.options(ca: pki.ca), patience: .seconds(30),
                                                 maxBackoff: .milliseconds(500)) { error in told.add(error.description) }
            }
            #expect(await eventually(within: .seconds(20)) { !told.all.isEmpty })
            server.stop()
            server = try NATSServer(arguments: pki.natsServerArguments(pki.server), port: port, jetStream: false)
            let nats = try #require(try await group.next())
            #expect(nats.isConnected)
            nats.close()
        }
        // Told once per distinct error, though it tried many times (a restart in between may add
        // "No server available").
        let expiredNotes = told.all.filter { $0.contains("out of its validity period") }
        #expect(expiredNotes.count == 1, "\(told.all)")
        server.stop()
    }
}

/// What a patient connect was told, collected across tasks.
final class Notes: Sendable {
    private let notes = Mutex<[String]>([])
    func add(_ note: String) { notes.withLock { $0.append(note) } }
    var all: [String] { notes.withLock { $0 } }
}
