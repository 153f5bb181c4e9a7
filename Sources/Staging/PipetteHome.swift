import Foundation
import PipetteCore

/// Where Pipette's own files are: the checkout (buildpacks/, stacks/, lifecycle/build/) and the
/// cache of built stacks (`$PIPETTE_CACHE`, default `~/.cache/pipette`).
public struct PipetteHome: Sendable {
    public let root: URL
    public let cache: URL

    public init(root: URL, cache: URL) {
        self.root = root
        self.cache = cache
    }

    /// `$PIPETTE_HOME`, else the checkout the running executable was built in, else the
    /// current directory; the cache from `$PIPETTE_CACHE` or `~/.cache/pipette`.
    public static func locate(environment: [String: String] = ProcessInfo.processInfo.environment) -> PipetteHome {
        // Real paths: the rootfs and mounts handed to runc must not go through a symlink.
        let cache = StackStore.realPath(environment["PIPETTE_CACHE"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/pipette"))
        if let home = environment["PIPETTE_HOME"] {
            return PipetteHome(root: URL(fileURLWithPath: home), cache: cache)
        }
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var candidate = executable.deletingLastPathComponent()
        while candidate.path != "/" {
            if isCheckout(candidate) { return PipetteHome(root: candidate, cache: cache) }
            candidate.deleteLastPathComponent()
        }
        return PipetteHome(root: URL(fileURLWithPath: FileManager.default.currentDirectoryPath), cache: cache)
    }

    static func isCheckout(_ url: URL) -> Bool {
        FileManager.default.fileExists(atPath: url.appendingPathComponent("stacks/build-tiny.sh").path)
    }

    public var buildpacks: URL { root.appendingPathComponent("buildpacks") }
    public var stackRecipes: URL { root.appendingPathComponent("stacks") }
    public var stacks: URL { cache.appendingPathComponent("stacks") }
    public var buildCaches: URL { cache.appendingPathComponent("build-cache") }

    /// The folder of lifecycle programs built for `arch` (`make -C lifecycle`).
    public func lifecycle(for arch: Arch) -> URL {
        root.appendingPathComponent("lifecycle/build/\(arch.machine)")
    }
}
