import NIOSSL

/// A certificate (chain, PEM) and its key for serving HTTPS.
public struct ServerTLS: Sendable, Equatable {
    public var certificateFile: String
    public var keyFile: String

    public init(certificateFile: String, keyFile: String) {
        self.certificateFile = certificateFile
        self.keyFile = keyFile
    }

    /// The server's TLS configuration; a file that cannot be used is said so, by name.
    func configuration() throws(ServiceSetupError) -> TLSConfiguration {
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMFile(certificateFile)
        } catch {
            throw ServiceSetupError(message: "cannot use the TLS certificate \(certificateFile) (\(error)); "
                + "give a readable PEM certificate with --tls-cert")
        }
        guard !chain.isEmpty else {
            throw ServiceSetupError(message: "the TLS certificate file \(certificateFile) holds no PEM certificate; "
                + "give one with --tls-cert")
        }
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(file: keyFile, format: .pem)
        } catch {
            throw ServiceSetupError(message: "cannot use the TLS key \(keyFile) (\(error)); give the certificate's "
                + "PEM private key with --tls-key")
        }
        return .makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
    }
}
