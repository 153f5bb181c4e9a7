import Archive
import Container
import Foundation
import PipetteCore

/// Builds a stack with its recipe script (`stacks/build-<recipe>.sh ARCH ROOTFS`), packs the
/// rootfs into a reproducible tarball for its sha256, and swaps the result into the store.
public struct StackBuilder: Sendable {
    public let home: PipetteHome
    public let store: StackStore

    public init(home: PipetteHome, store: StackStore) {
        self.home = home
        self.store = store
    }

    public func build(_ name: String, force: Bool = false,
                      onLine: @escaping @Sendable (String) -> Void) async throws -> StackMetadata {
        let stack = try store.catalog.stack(named: name)
        if !force, let existing = store.metadata(of: name) { return existing }
        guard getuid() == 0 else { throw ContainerError.notRoot }
        if stack.recipe == .bookworm { _ = try Subprocess.which("debootstrap") }
        try HostCheck.canRun(stack.arch)

        let fm = FileManager.default
        let staging = store.directory.appendingPathComponent(".\(name).partial-\(UUID().uuidString.prefix(8))")
        try fm.createDirectory(at: staging, withIntermediateDirectories: true)
        defer { try? fm.removeItem(at: staging) }
        let rootfs = staging.appendingPathComponent("rootfs")
        let script = home.stackRecipes.appendingPathComponent("build-\(stack.recipe.rawValue).sh")
        let recent = RecentLines(limit: 15)
        let status = try await Subprocess.run("/bin/bash", [script.path, stack.arch.rawValue, rootfs.path]) { line in
            recent.append(line)
            onLine(line)
        }
        guard status == 0 else { throw StackError.buildFailed(name: name, status: status, lastLines: recent.lines) }

        onLine("==> packing \(name) into rootfs.tgz")
        var stamp = ArchiveWriter.Stamp()
        stamp.preserveOwners = true
        let digest = try TreePacker.pack(rootfs, to: staging.appendingPathComponent("rootfs.tgz"), stamp: stamp,
                                         label: "the \(name) rootfs tarball")
        let metadata = StackMetadata(name: name, arch: stack.arch, sha256: digest.sha256, size: digest.size, builtAt: Date())
        try StackStore.encoder.encode(metadata).write(to: staging.appendingPathComponent("metadata.json"))

        let target = store.folder(of: name)
        if fm.fileExists(atPath: target.path) { try fm.removeItem(at: target) }
        try fm.moveItem(at: staging, to: target)
        return metadata
    }
}
