import AsyncHTTPClient
import Blobstore
import FakeCC
import Foundation
import HTTPServing
import Testing
import TestSupport
import Transfer

/// The blobstore and the fake cloud controller over HTTPS, with certificates made by openssl,
/// and what a client says when it cannot trust them.
@Suite("HTTPS", .timeLimit(.minutes(2)))
struct HTTPSTests {
    let dir: TemporaryDirectory
    let pki: TestCertificates
    init() throws {
        dir = try TemporaryDirectory("https")
        pki = try TestCertificates()
    }

    /// Runs a blobstore serving HTTPS with `pair` for `body`, given its port.
    func withBlobstore<T: Sendable>(_ pair: TestCertificates.Pair, _ body: (Int) async throws -> T) async throws -> T {
        defer { dir.remove(); pki.remove() }
        var config = BlobstoreConfig(directory: dir.file("blobs"), port: 0)
        config.tls = ServerTLS(certificateFile: pair.certificate, keyFile: pair.key)
        return try await LiveService.withService({ BlobstoreService(config: config, logger: LiveService.quiet, onListening: $0) }, body)
    }

    /// A transfer trusting `ca` besides the system's roots, shut down after `body`.
    func withTransfer<T: Sendable>(trusting ca: String?, _ body: (HTTPTransfer) async throws -> T) async throws -> T {
        let client = HTTPTransfer.makeClient(extraCAFile: ca)
        let result: Result<T, any Error>
        do { result = .success(try await body(HTTPTransfer(client: client))) } catch { result = .failure(error) }
        try await client.shutdown()
        return try result.get()
    }

    /// The error a download of `url` ends with.
    func downloadFailure(_ url: String, trusting ca: String?) async throws -> TransferError? {
        try await withTransfer(trusting: ca) { transfer -> TransferError? in
            do throws(TransferError) {
                _ = try await transfer.download(url, to: dir.file("never"), limit: 1 << 20, timeout: .seconds(20), attempts: 1)
                return nil
            } catch {
                return error
            }
        }
    }

    @Test func theBlobstoreServesHTTPSToAClientTrustingItsCA() async throws {
        let file = try dir.write("droplet.tgz", String(repeating: "droplet bytes\n", count: 10_000))
        try await withBlobstore(pki.server) { port in
            try await withTransfer(trusting: pki.ca) { transfer in
                for host in ["localhost", "127.0.0.1"] {
                    let url = "https://\(host):\(port)/blobs/droplets/app/\(host).tgz"
                    let put = try await transfer.upload(file, to: url, timeout: .seconds(30))
                    #expect(put.status == 201)
                    let size = try await transfer.download(url, to: dir.file("copy-\(host)"), limit: 1 << 30, timeout: .seconds(30))
                    #expect(size == Int64(try Data(contentsOf: file).count))
                }
            }
        }
    }

    @Test func aCertificateFromAnUnknownCAIsNotTrustedAndSaysWhatToSet() async throws {
        try await withBlobstore(pki.otherServer) { port in
            let url = "https://localhost:\(port)/blobs/droplets/app/x.tgz"
            for ca in [nil, pki.ca] {
                let error = try await downloadFailure(url, trusting: ca)
                #expect(error == .untrustedCertificate(url: url), "\(String(describing: error))")
                #expect(error?.description == "the certificate of \(url) is not trusted (expired, or signed by a CA this host "
                    + "does not trust); set PIPETTE_CA_FILE to the CA that signed it")
                #expect(error?.isTransient == false)
            }
        }
    }

    @Test func anExpiredCertificateIsNotTrusted() async throws {
        try await withBlobstore(pki.expired) { port in
            let url = "https://localhost:\(port)/healthz"
            let error = try await downloadFailure(url, trusting: pki.ca)
            #expect(error == .untrustedCertificate(url: url), "\(String(describing: error))")
        }
    }

    @Test func aCertificateForAnotherNameIsSaidToNameAnother() async throws {
        try await withBlobstore(pki.wrongName) { port in
            let url = "https://localhost:\(port)/healthz"
            let error = try await downloadFailure(url, trusting: pki.ca)
            #expect(error == .certificateNameMismatch(url: url), "\(String(describing: error))")
            #expect(error?.description.contains("does not name localhost") == true)
        }
    }

    @Test func anHTTPSURLToAPlainServerSaysItDoesNotSpeakTLS() async throws {
        defer { dir.remove(); pki.remove() }
        let config = BlobstoreConfig(directory: dir.file("blobs"), port: 0)
        try await LiveService.withService({ BlobstoreService(config: config, logger: LiveService.quiet, onListening: $0) }) { port in
            let url = "https://127.0.0.1:\(port)/healthz"
            let error = try await downloadFailure(url, trusting: pki.ca)
            guard case .tlsFailed(_, let reason) = error else { Issue.record("\(String(describing: error))"); return }
            #expect(reason.contains("does not speak TLS"), "\(reason)")
        }
    }

    @Test func theFakeCloudControllerServesAppsOverHTTPS() async throws {
        defer { dir.remove(); pki.remove() }
        try dir.write("apps/hello/app.rb", "puts 'hi'\n")
        var config = FakeCCConfig(appsDirectory: dir.file("apps"), dropletsDirectory: dir.file("droplets"), port: 0)
        config.tls = ServerTLS(certificateFile: pki.server.certificate, keyFile: pki.server.key)
        try await LiveService.withService({ FakeCCService(config: config, logger: LiveService.quiet, onListening: $0) }) { port in
            try await withTransfer(trusting: pki.ca) { transfer in
                let size = try await transfer.download("https://localhost:\(port)/download_unstaged_app/hello", to: dir.file("app.zip"),
                                                       limit: 1 << 30, timeout: .seconds(30))
                #expect(size > 0)
                let droplet = try dir.write("droplet.tgz", "droplet")
                let answer = try await transfer.postMultipart(droplet, field: "upload[droplet]", filename: "droplet.tgz",
                                                              to: "https://localhost:\(port)/upload_droplet/hello/u1", timeout: .seconds(30))
                #expect((200..<300).contains(answer.status))
            }
        }
    }

    @Test func aServerWithAnUnreadableCertificateDoesNotStartAndSaysWhichFile() async throws {
        defer { dir.remove(); pki.remove() }
        var config = BlobstoreConfig(directory: dir.file("blobs"), port: 0)
        config.tls = ServerTLS(certificateFile: dir.file("missing.pem").path, keyFile: pki.server.key)
        await #expect {
            try await LiveService.withService({ BlobstoreService(config: config, logger: LiveService.quiet, onListening: $0) }) { _ in }
        } throws: { error in
            "\(error)".contains("cannot use the TLS certificate \(dir.file("missing.pem").path)")
        }
    }

    @Test func theCommandsServeHTTPSAndRefuseAnUnusableCAFile() async throws {
        defer { dir.remove(); pki.remove() }
        let port = freePort()
        let blobstore = try ServiceProcess(["blobstore", "--dir", dir.file("blobs").path, "--port", String(port),
                                            "--tls-cert", pki.server.certificate, "--tls-key", pki.server.key])
        defer { blobstore.stop() }
        #expect(await blobstore.waitFor("blobstore listening on https://127.0.0.1:\(port)"), "\(blobstore.log)")
        let health = try await withTransfer(trusting: pki.ca) { transfer in
            try await transfer.download("https://localhost:\(port)/healthz", to: dir.file("health"), limit: 100, timeout: .seconds(20))
        }
        #expect(health > 0)

        let halfTLS = try ServiceProcess(["fake-cc", "--port", "0", "--apps", dir.path, "--tls-cert", pki.server.certificate])
        defer { halfTLS.stop() }
        #expect(await halfTLS.exitStatus(within: .seconds(30)) != 0)
        #expect(halfTLS.log.contains("--tls-cert and --tls-key go together"), "\(halfTLS.log)")

        let badCA = try ServiceProcess(["fake-cc", "--port", "0", "--apps", dir.path],
                                       environment: ["PIPETTE_CA_FILE": dir.file("nope.pem").path])
        defer { badCA.stop() }
        #expect(await badCA.exitStatus(within: .seconds(30)) != 0)
        #expect(badCA.log.contains("cannot use PIPETTE_CA_FILE \(dir.file("nope.pem").path)"), "\(badCA.log)")
    }
}
