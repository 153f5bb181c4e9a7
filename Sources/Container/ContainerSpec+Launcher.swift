import Foundation
import PipetteCore

extension ContainerSpec {
    /// A droplet's container: the lifecycle `launcher` runs `command` in `/home/vcap` (the unpacked
    /// droplet, bind-mounted read-write) on the stack's read-only rootfs, with the lifecycle
    /// programs of the stack's arch at `/tmp/lifecycle`. Shared by `pipette run-droplet` and cells.
    /// The lifecycle's `init` is the container's PID 1 (as garden-init is under Diego): it passes
    /// signals on to the app, so an app that does not handle SIGTERM ends on one, as it would
    /// anywhere but as a namespace's init.
    /// - Throws: `ContainerError.lifecycleMissing` when the launcher or init is not built.
    public static func launcher(rootfs: URL, stack: Stack, lifecycle: URL, home: URL, command: String,
                                environment: [String: String]) throws(ContainerError) -> ContainerSpec {
        for program in ["launcher", "init"] {
            let path = lifecycle.appendingPathComponent(program).path
            guard FileManager.default.isExecutableFile(atPath: path) else { throw .lifecycleMissing(path: path) }
        }
        var spec = ContainerSpec(rootfs: rootfs.path, arch: stack.arch,
                                 args: ["/tmp/lifecycle/init", "/tmp/lifecycle/launcher", "app", command, ""])
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
