import Foundation
import PipetteCore

extension ContainerSpec {
    /// A droplet's container: the lifecycle `launcher` runs `command` in `/home/vcap` (the unpacked
    /// droplet, bind-mounted read-write) on the stack's read-only rootfs, with the lifecycle
    /// programs of the stack's arch at `/tmp/lifecycle`. Shared by `pipette run-droplet` and cells.
    /// - Throws: `ContainerError.lifecycleMissing` when the launcher is not built.
    public static func launcher(rootfs: URL, stack: Stack, lifecycle: URL, home: URL, command: String,
                                environment: [String: String]) throws(ContainerError) -> ContainerSpec {
        let launcher = lifecycle.appendingPathComponent("launcher").path
        guard FileManager.default.isExecutableFile(atPath: launcher) else { throw .lifecycleMissing(path: launcher) }
        var spec = ContainerSpec(rootfs: rootfs.path, arch: stack.arch, args: ["/tmp/lifecycle/launcher", "app", command, ""])
        spec.environment = ["CF_STACK": stack.name].merging(environment) { _, new in new }
        spec.workingDirectory = "/home/vcap"
        spec.tmpfs = ["/tmp"]
        spec.binds = [
            .init(home.path, at: "/home/vcap", readOnly: false),
            .init(lifecycle.path, at: "/tmp/lifecycle", readOnly: true),
        ]
        return spec
    }
}
