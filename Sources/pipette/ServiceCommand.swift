import ArgumentParser
import ServiceLifecycle

/// A command that runs one long-lived service (`pipette stager`, `cell`, `blobstore`, …). Run on
/// its own it is a process of its own; `pipette together` builds several in one process.
protocol ServiceCommand: AsyncParsableCommand {
    /// Reads the flags and files, sets up logging (`LogSetup.bootstrap`: only the first call in a
    /// process counts), and builds the service, ready to run.
    func makeService() async throws -> any Service
}

extension ServiceCommand {
    func run() async throws {
        try await ServiceRun.untilSignalled([makeService()])
    }
}
