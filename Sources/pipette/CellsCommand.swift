import ArgumentParser
import Foundation
import NATS
import PipetteCore

struct CellsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cells",
        abstract: "List the cells the auctioneer knows: stacks, free capacity, running tasks.",
        discussion: """
            Asks the auctioneer (pipette.auction.cells) and prints one row per cell: ID,
            ZONE, STACKS, ARCH, MEMORY FREE and DISK FREE (free/total MB), CONTAINERS
            (free/total), TASKS running, INSTANCES (app instances held), STATE (ready or evacuating). --json prints the
            cells' heartbeat states as they are.

            Example (with `foreman start` running):
              pipette cells
            """)

    @Option(help: ArgumentHelp(BusOptions.natsHelp, valueName: "url"))
    var nats: String?

    @Flag(help: "Print the cells' states as JSON.")
    var json = false

    func run() async throws {
        let connection = try await BusOptions.connect(nats)
        let cells = try await PlatformState.cells(on: connection)
        if json {
            Output.line(String(decoding: Wire.encode(cells), as: UTF8.self))
        } else if cells.isEmpty {
            Output.line("no cells: none has sent a heartbeat; start one with `pipette cell`")
        } else {
            Output.line(Self.table(cells))
        }
    }

    /// The cells as aligned columns, one row each.
    static func table(_ cells: [CellState]) -> String {
        let header = ["ID", "ZONE", "STACKS", "ARCH", "MEMORY FREE", "DISK FREE", "CONTAINERS", "TASKS", "INSTANCES", "STATE"]
        let rows = cells.map { cell in
            [cell.id, cell.zone, cell.stacks.map(\.name).joined(separator: ","),
             Array(Set(cell.stacks.map(\.arch.rawValue))).sorted().joined(separator: ","),
             "\(cell.available.memoryMB)/\(cell.total.memoryMB) MB", "\(cell.available.diskMB)/\(cell.total.diskMB) MB",
             "\(cell.available.containers)/\(cell.total.containers)", "\(cell.tasks)",
             "\(cell.instances.values.reduce(0, +))",
             cell.evacuating ? "evacuating" : "ready"]
        }
        return Output.alignedColumns([header] + rows)
    }
}
