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

    @Option(help: "Log level: trace, debug, info, warning, error (default: info).")
    var logLevel: String?

    /// The NATS URL to use: `--nats`, else `$PIPETTE_NATS_URL`, else the local default.
    var natsURL: String { Self.resolve(nats) }

    /// Credentials beyond the URL: `--nats-nkey`, else `$PIPETTE_NATS_NKEY`.
    var natsOptions: NATSOptions { Self.options(nkey: natsNkey) }

    static func options(nkey: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment) -> NATSOptions {
        var options = NATSOptions()
        options.nkeySeedFile = nkey ?? environment["PIPETTE_NATS_NKEY"].flatMap { $0.isEmpty ? nil : $0 }
        return options
    }

    /// Connects a client command to `--nats` (or `$PIPETTE_NATS_URL`), with `$PIPETTE_NATS_NKEY`.
    static func connect(_ flag: String?) async throws -> NATSConnection {
        try await NATSConnection.connect(resolve(flag), options: options())
    }

    static let natsHelp = """
        NATS server URL(s), comma-separated (default: $PIPETTE_NATS_URL, else nats://127.0.0.1:4222). \
        Put credentials (nats://user:password@host:4222) in PIPETTE_NATS_URL, not here: \
        arguments show in `ps`.
        """

    static func resolve(_ flag: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        flag ?? environment["PIPETTE_NATS_URL"].flatMap { $0.isEmpty ? nil : $0 } ?? "nats://127.0.0.1:4222"
    }
}
