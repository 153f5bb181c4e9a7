import ArgumentParser

@main
struct PipetteBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pipette-bench",
        abstract: "Pipette benchmarks; each reports a ratio against a baseline measured in the same run.",
        subcommands: [PackBenchmark.self, PackOnce.self, UnpackOnce.self, AuctionBenchmark.self, TransferBenchmark.self, RelayBenchmark.self, SpawnBenchmark.self])
}
