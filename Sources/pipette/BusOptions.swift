import ArgumentParser

/// What every long-running service on the bus takes: where NATS is and how much to log.
struct BusOptions: ParsableArguments {
    @Option(help: "NATS server URL.")
    var nats = "nats://127.0.0.1:4222"

    @Option(help: "Log level: trace, debug, info, warning, error.")
    var logLevel = "info"
}
