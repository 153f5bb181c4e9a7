import Foundation

/// A small PKI made with the real openssl binary in a temporary folder: a CA, certificates it
/// signed (server for localhost, 127.0.0.1 and the test hosts' 198.18.0.x; client; expired;
/// wrong name) and another CA with a server certificate of its own. Each `Pair` is a PEM
/// certificate and its key. `remove()` deletes the folder.
public struct TestCertificates: Sendable {
    public struct Pair: Sendable {
        public let certificate: String
        public let key: String
    }

    public let directory: TemporaryDirectory
    /// The CA that signed `server`, `client`, `expired` and `wrongName`.
    public let ca: String
    /// Another CA, which signed `otherServer` (and nothing the servers trust).
    public let otherCA: String
    /// Names localhost, 127.0.0.1 and 198.18.0.1-198.18.0.9.
    public let server: Pair
    public let client: Pair
    /// Valid only in January 2020; otherwise like `server`.
    public let expired: Pair
    /// Names only elsewhere.example.
    public let wrongName: Pair
    /// Like `server`, but signed by `otherCA`.
    public let otherServer: Pair

    public init() throws {
        directory = try TemporaryDirectory("pipette-pki")
        let dir = directory
        try dir.write("ext.cnf", """
            [server]
            subjectAltName=DNS:localhost,IP:127.0.0.1,\((1...9).map { "IP:198.18.0.\($0)" }.joined(separator: ","))
            basicConstraints=CA:FALSE
            extendedKeyUsage=serverAuth
            [client]
            basicConstraints=CA:FALSE
            extendedKeyUsage=clientAuth
            [wrong]
            subjectAltName=DNS:elsewhere.example
            basicConstraints=CA:FALSE
            extendedKeyUsage=serverAuth

            """)
        // `openssl ca` for the expired one: it alone takes explicit start and end dates on openssl 3.0.
        try dir.write("ca.cnf", """
            [ca]
            default_ca=d
            [d]
            database=\(dir.path)/index.txt
            serial=\(dir.path)/serial
            new_certs_dir=\(dir.path)
            default_md=sha256
            policy=p
            [p]
            commonName=supplied

            """)
        try dir.write("index.txt", "")
        try dir.write("serial", "1000\n")

        func run(_ arguments: [String]) throws {
            let result = try shell("/usr/bin/openssl", arguments, cwd: dir.url)
            guard result.status == 0 else {
                throw NATSServer.Failure(message: "openssl \(arguments.joined(separator: " ")) failed: \(result.output)")
            }
        }
        func newKey(_ name: String) throws {
            try run(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "\(name).key"])
        }
        func makeCA(_ name: String) throws -> String {
            try newKey(name)
            try run(["req", "-x509", "-new", "-key", "\(name).key", "-out", "\(name).pem", "-days", "30", "-subj", "/CN=Pipette test \(name)"])
            return dir.file("\(name).pem").path
        }
        func request(_ name: String) throws {
            try newKey(name)
            try run(["req", "-new", "-key", "\(name).key", "-out", "\(name).csr", "-subj", "/CN=\(name)"])
        }
        func sign(_ name: String, by ca: String, extensions: String) throws -> Pair {
            try request(name)
            try run(["x509", "-req", "-in", "\(name).csr", "-CA", "\(ca).pem", "-CAkey", "\(ca).key", "-CAcreateserial",
                     "-out", "\(name).pem", "-days", "30", "-extfile", "ext.cnf", "-extensions", extensions])
            return Pair(certificate: dir.file("\(name).pem").path, key: dir.file("\(name).key").path)
        }
        ca = try makeCA("ca")
        otherCA = try makeCA("other-ca")
        server = try sign("server", by: "ca", extensions: "server")
        client = try sign("client", by: "ca", extensions: "client")
        wrongName = try sign("wrong-name", by: "ca", extensions: "wrong")
        otherServer = try sign("other-server", by: "other-ca", extensions: "server")
        try request("expired")
        try run(["ca", "-batch", "-config", "ca.cnf", "-cert", "ca.pem", "-keyfile", "ca.key", "-in", "expired.csr",
                 "-out", "expired.pem", "-notext", "-startdate", "20200101000000Z", "-enddate", "20200201000000Z",
                 "-extfile", "ext.cnf", "-extensions", "server"])
        expired = Pair(certificate: dir.file("expired.pem").path, key: dir.file("expired.key").path)
    }

    /// nats-server arguments for TLS with `pair` (clients verified against `ca` when `verifyClients`).
    public func natsServerArguments(_ pair: Pair, verifyClients: Bool = false) -> [String] {
        ["--tls", "--tlscert", pair.certificate, "--tlskey", pair.key]
            + (verifyClients ? ["--tlsverify", "--tlscacert", ca] : [])
    }

    public func remove() { directory.remove() }
}
