import Container
import Foundation
import PipetteCore
import Staging

/// The stacks a cell can really run: built here, and of an arch this host executes (natively or
/// through qemu binfmt). The others are refused with the reason and the fix.
public struct CellStacks: Sendable {
    public struct Usable: Sendable {
        public let stack: Stack
        public let rootfs: URL
    }

    public let usable: [Usable]
    /// Stack name and why the cell will not offer it.
    public let refused: [(name: String, reason: String)]

    public init(_ names: [String], store: StackStore, canRun: (Arch) -> String? = CellStacks.hostCanRun) {
        var usable: [Usable] = []
        var refused: [(name: String, reason: String)] = []
        for name in names {
            do {
                let (stack, rootfs) = try store.resolve(name)
                if let reason = canRun(stack.arch) {
                    refused.append((name, reason))
                } else {
                    usable.append(Usable(stack: stack, rootfs: rootfs))
                }
            } catch {
                refused.append((name, error.description))
            }
        }
        self.usable = usable
        self.refused = refused
    }

    /// nil when this host runs `arch`, else why not and what to do.
    public static func hostCanRun(_ arch: Arch) -> String? {
        do {
            try HostCheck.canRun(arch)
            return nil
        } catch {
            return error.description
        }
    }

    public func rootfs(of name: String) -> Usable? { usable.first { $0.stack.name == name } }

    public var advertised: [CellState.AdvertisedStack] {
        usable.map { CellState.AdvertisedStack(name: $0.stack.name, arch: $0.stack.arch) }
    }
}
