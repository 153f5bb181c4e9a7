import Foundation
import PipetteCore
import TestSupport

/// What a test platform learns through the CLI's `--json` output, as a user would.
protocol PlatformQueries: Sendable {
    /// Runs `pipette` with `arguments` against the platform.
    func runPipette(_ arguments: [String]) async throws -> ShellResult
}

extension PlatformQueries {
    /// `pipette cells --json`.
    func cells() async throws -> [CellState] {
        let result = try await runPipette(["cells", "--json"])
        return (try? JSONDecoder().decode([CellState].self, from: Data(result.output.utf8))) ?? []
    }

    /// `pipette app NAME --json`'s instances.
    func instances(_ app: String) async throws -> [InstanceReport] {
        try await shown(app)?.instances ?? []
    }

    /// `pipette app NAME --json`'s record.
    func record(_ app: String) async throws -> AppRecord? {
        try await shown(app)?.app
    }

    private func shown(_ app: String) async throws -> AppShown? {
        let result = try await runPipette(["app", app, "--json"])
        return try? JSONDecoder().decode(AppShown.self, from: Data(result.output.utf8))
    }
}

/// The parts of `pipette app NAME --json` tests read.
private struct AppShown: Decodable {
    var app: AppRecord
    var instances: [InstanceReport]
}
