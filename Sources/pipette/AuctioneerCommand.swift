import ArgumentParser
import Auctioneer
import Logging
import NATS

struct AuctioneerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "auctioneer",
        abstract: "Place staging Tasks on cells that have the stack, from the cells' heartbeats.",
        discussion: """
            Keeps a registry of cells from pipette.cell.heartbeat (a cell that misses 3
            heartbeats is gone, and stagers waiting on its work are told). Placement
            requests that arrive while an auction runs (or within --batch-window-ms) are
            placed together, as one batch: first the stack (a hard filter), then placement
            tags, then memory, disk and container slots; among the rest the least used
            cell wins, with a penalty per task already running and instances of one app
            spread across cells and zones. Ties go to the smallest cell id. A cell that
            rejects its work passes it to the next best.

            Example (with nats-server running):
              pipette auctioneer &
              pipette cell --id amd64-1 --stacks tiny-amd64 &
              pipette cells
            """)

    @Option(help: "Extra milliseconds to gather placement requests into one batch (0: a batch is what arrived during the last auction).")
    var batchWindowMs = 0

    @OptionGroup var bus: BusOptions

    func validate() throws {
        if batchWindowMs < 0 { throw ValidationError("--batch-window-ms must not be negative") }
    }

    func run() async throws {
        _ = LogSetup.bootstrap(level: bus.logLevel)
        let logger = Logger(label: "pipette.auctioneer")
        var config = AuctioneerConfig(natsURI: bus.natsURL, batchWindow: .milliseconds(batchWindowMs))
        config.natsOptions = bus.natsOptions
        let nats = NATSURL.redacted(bus.natsURL)
        let service = AuctioneerService(config: config, logger: logger) {
            Output.status("auctioneer ready on \(nats)")
        }
        try await ServiceRun.untilSignalled(service, logger: logger)
    }
}
