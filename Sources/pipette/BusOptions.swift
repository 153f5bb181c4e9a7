import ArgumentParser
import Foundation
import NATS

/// What every long-running service on the bus takes: where NATS is and how much to log.
struct BusOptions: ParsableArguments {
    @Option(help: ArgumentHelp(BusOptions.natsHelp, valueName: "url"))
    var nats: String?

    @Option(help: ArgumentHelp("A NATS user nkey seed file (SU…) to authenticate with (default: $PIPETTE_NATS_NKEY).",
                               valueName: "file"))
    var natsNkey: String?

    @Option(help: ArgumentHelp("The CA (PEM) that signed the NATS server's certificate: connect over TLS and verify "
                               + "the server with it, names included (default: $PIPETTE_NATS_CA).", valueName: "file"))
    var natsCa: String?

    @Option(help: ArgumentHelp("A client certificate (PEM) for a NATS server that verifies clients (default: $PIPETTE_NATS_CERT).",
                               valueName: "file"))
    var natsCert: String?

    @Option(help: ArgumentHelp("The client certificate's key (PEM) (default: $PIPETTE_NATS_KEY).", valueName: "file"))
    var natsKey: String?

    @Option(help: "Log level (default: info; the seed's debug2 is trace).")
    var logLevel: LogLevel?

    /// The NATS URL to use: `--nats`, else `$PIPETTE_NATS_URL`, else the local default.
    var natsURL: String { Self.resolve(nats) }

    /// A URL that cannot be a NATS server's is a usage error, said before any wait.
    func validate() throws {
        if let problem = Self.problem(natsURL) { throw ValidationError(problem) }
    }

    /// Why `url` cannot be a NATS server's, naming where it came from; nil when it can be.
    static func problem(_ url: String) -> String? { NATSURL.problem(url).map { "--nats (or PIPETTE_NATS_URL) \($0)" } }

    /// Credentials and TLS beyond the URL: each flag, else its environment variable.
    var natsOptions: NATSOptions { Self.options(nkey: natsNkey, ca: natsCa, certificate: natsCert, key: natsKey) }

    static func options(nkey: String? = nil, ca: String? = nil, certificate: String? = nil, key: String? = nil,
                        environment: [String: String]? = nil) -> NATSOptions {
        func setting(_ flag: String?, _ name: String) -> String? { flag ?? variable(name, in: environment) }
        var options = NATSOptions()
        options.nkeySeedFile = setting(nkey, "PIPETTE_NATS_NKEY")
        options.tlsCAFile = setting(ca, "PIPETTE_NATS_CA")
        options.tlsCertificateFile = setting(certificate, "PIPETTE_NATS_CERT")
        options.tlsKeyFile = setting(key, "PIPETTE_NATS_KEY")
        return options
    }

    /// Connects a client command to `--nats` (or `$PIPETTE_NATS_URL`), with `$PIPETTE_NATS_NKEY`
    /// and TLS from `$PIPETTE_NATS_CA`, `$PIPETTE_NATS_CERT`, `$PIPETTE_NATS_KEY`. A refusal
    /// (an untrusted certificate, wrong credentials) fails at once with its sentence; a URL that
    /// cannot be a NATS server's is a usage error, as for the services.
    static func connect(_ flag: String?) async throws -> NATSConnection {
        let url = try checkedURL(flag)
        var options = options()
        // A client command's handlers only queue what they get: one delivery thread, in order.
        options.orderedDelivery = true
        return try await NATSConnection.connect(url, options: options)
    }

    /// `--nats` (or `$PIPETTE_NATS_URL`, or the default) for a client command; one that cannot be
    /// a NATS server's is a usage error found after parsing: its sentence alone, exit 64.
    static func checkedURL(_ flag: String?) throws -> String {
        let url = resolve(flag)
        if let problem = problem(url) {
            Output.status("Error: \(problem)")
            throw ExitCode(64)
        }
        return url
    }

    static let natsHelp = """
        NATS server URL(s), comma-separated (default: $PIPETTE_NATS_URL, else nats://127.0.0.1:4222). \
        Put credentials (nats://user:password@host:4222) in PIPETTE_NATS_URL, not here: \
        arguments show in `ps`. tls://host:4222 (or $PIPETTE_NATS_CA) means TLS, the server \
        verified with the CA in $PIPETTE_NATS_CA; $PIPETTE_NATS_CERT and $PIPETTE_NATS_KEY give \
        a client certificate.
        """

    static func resolve(_ flag: String?, environment: [String: String]? = nil) -> String {
        flag ?? variable("PIPETTE_NATS_URL", in: environment) ?? "nats://127.0.0.1:4222"
    }

    /// `name`'s non-empty value in `environment`, or nil: in the process's own environment, read
    /// with getenv (`ProcessInfo.environment` copies all of it into a dictionary, whose first
    /// instantiation costs a client command a conformance scan, BENCHMARKS.md).
    private static func variable(_ name: String, in environment: [String: String]?) -> String? {
        let value = environment.map { $0[name] } ?? getenv(name).map { String(cString: $0) }
        return value.flatMap { $0.isEmpty ? nil : $0 }
    }
}
