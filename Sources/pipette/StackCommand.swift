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
        static let configuration = CommandConfiguration(
            commandName: "list", abstract: "List known stacks and whether they are built.",
            discussion: "--json prints one object per stack: name, arch, built, and for a built one built_at, size (bytes) and sha256.")

        @Flag(help: "Print the stacks as JSON.")
        var json = false

        /// One stack as `--json` prints it.
        struct Listing: Encodable {
            let name: String
            let arch: String
            let built: Bool
            let builtAt: String?
            let size: Int64?
            let sha256: String?

            enum CodingKeys: String, CodingKey {
                case name, arch, built, size, sha256
                case builtAt = "built_at"
            }
        }

        func run() throws {
            let home = PipetteHome.locate()
            let stacks = StackStore(directory: home.stacks).list()
            if json {
                let listings = stacks.map { stack, metadata in
                    Listing(name: stack.name, arch: stack.arch.rawValue, built: metadata != nil,
                            builtAt: metadata.map { $0.builtAt.formatted(.iso8601) }, size: metadata?.size, sha256: metadata?.sha256)
                }
                Output.line(String(decoding: Wire.encode(listings), as: UTF8.self))
                return
            }
            let rows = stacks.map { stack, metadata in
                [stack.name, stack.arch.rawValue,
                 metadata.map { "built \($0.builtAt.formatted(.iso8601))" } ?? "not built (pipette stack build \(stack.name))",
                 metadata.map { ByteCount.format($0.size) } ?? "-",
                 metadata.map { String($0.sha256.prefix(12)) } ?? "-"]
            }
            Output.columns([["NAME", "ARCH", "STATUS", "SIZE", "SHA256"]] + rows)
        }
    }
}
