import Foundation
import PipetteCore

/// Built stacks on disk: `<cache>/stacks/<name>/{rootfs/, rootfs.tgz, metadata.json}`.
public struct StackStore: Sendable {
    public let directory: URL
    public let catalog: StackCatalog

    public init(directory: URL, catalog: StackCatalog = .standard) {
        self.directory = directory
        self.catalog = catalog
    }

    public func folder(of name: String) -> URL { directory.appendingPathComponent(name) }

    public func metadata(of name: String) -> StackMetadata? {
        let url = folder(of: name).appendingPathComponent("metadata.json")
        guard let data = try? Data(contentsOf: url) else { return nil }
        return try? Self.decoder.decode(StackMetadata.self, from: data)
    }

    /// Whether the stack's build finished (it writes `metadata.json` last). Reads the file without
    /// its date: parsing an ISO 8601 date sets up a Gregorian calendar and ICU's time zones, about
    /// 1 ms of every `pipette build` for a field a build never uses.
    public func isBuilt(_ name: String) -> Bool {
        let url = folder(of: name).appendingPathComponent("metadata.json")
        guard let data = try? Data(contentsOf: url) else { return false }
        return (try? JSONDecoder().decode(BuiltMark.self, from: data)) != nil
    }

    /// The fields of `metadata.json` that say a build finished.
    private struct BuiltMark: Decodable {
        let name: String
        let sha256: String

        /// Written by hand with `AnyCodingKey` (one keyed container type for every document a build reads).
        init(from decoder: any Decoder) throws {
            let object = try decoder.container(keyedBy: AnyCodingKey.self)
            name = try object.decode(String.self, forKey: "name")
            sha256 = try object.decode(String.self, forKey: "sha256")
        }
    }

    /// The stack and its rootfs, or an error naming the known stacks or the command to build it.
    /// The rootfs path is the real one, every symlink resolved: runc refuses a rootfs path that
    /// goes through a symlink (a cache or stacks folder linked elsewhere, say).
    public func resolve(_ name: String) throws(StackError) -> (stack: Stack, rootfs: URL) {
        let stack = try catalog.stack(named: name)
        guard isBuilt(name) else { throw .notBuilt(name: name) }
        return (stack, Self.realPath(folder(of: name).appendingPathComponent("rootfs")))
    }

    /// `url` with every symlink resolved (realpath(3)); as given when it does not exist.
    static func realPath(_ url: URL) -> URL {
        guard let resolved = realpath(url.path, nil) else { return url }
        defer { free(resolved) }
        return URL(fileURLWithPath: String(cString: resolved), isDirectory: true)
    }

    /// Every known stack with its metadata when built.
    public func list() -> [(stack: Stack, metadata: StackMetadata?)] {
        catalog.stacks.map { ($0, metadata(of: $0.name)) }
    }

    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return encoder
    }()
}
