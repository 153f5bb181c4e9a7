import Archive
import ArgumentParser
import Foundation
import PipetteCore
import Staging

struct StackCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stack",
        abstract: "Build and list stacks (root filesystems for x86_64 and ARM containers).",
        subcommands: [Build.self, List.self])

    struct Build: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "build",
            abstract: "Build stacks from Debian packages (tiny: seconds; bookworm: 1 to 6 minutes).",
            discussion: "Built stacks are cached; building one again is a no-op unless --force.")

        @Argument(help: "Stacks to build: \(StackCatalog.standard.names.joined(separator: ", ")).")
        var names: [String] = []

        @Flag(help: "Build every known stack.")
        var all = false

        @Flag(help: "Rebuild even if already built.")
        var force = false

        func validate() throws {
            if names.isEmpty && !all { throw ValidationError("name a stack to build, or pass --all") }
        }

        func run() async throws {
            let home = PipetteHome.locate()
            let builder = StackBuilder(home: home, store: StackStore(directory: home.stacks))
            for name in all ? StackCatalog.standard.names : names {
                Output.status("==> Building stack \(name)")
                let metadata = try await Interrupts.cancelling { [force] in
                    try await builder.build(name, force: force, onLine: Output.line)
                }
                Output.status("==> \(name): \(metadata.arch) rootfs, \(ByteCount.format(metadata.size)) packed, sha256 \(metadata.sha256)")
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List known stacks and whether they are built.")

        func run() throws {
            let home = PipetteHome.locate()
            let rows = StackStore(directory: home.stacks).list().map { stack, metadata in
                [stack.name, stack.arch.rawValue,
                 metadata.map { "built \($0.builtAt.formatted(.iso8601))" } ?? "not built (pipette stack build \(stack.name))",
                 metadata.map { ByteCount.format($0.size) } ?? "-",
                 metadata.map { String($0.sha256.prefix(12)) } ?? "-"]
            }
            let header = ["NAME", "ARCH", "STATUS", "SIZE", "SHA256"]
            let widths = (0..<header.count).map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
            for row in [header] + rows {
                print(zip(row, widths).map { $0.padding(toLength: $1 + 2, withPad: " ", startingAt: 0) }.joined()
                    .trimmingCharacters(in: .whitespaces))
            }
        }
    }
}
