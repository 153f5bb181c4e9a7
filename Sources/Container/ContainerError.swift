/// Why a container (or a helper program) could not run, with the fix.
public enum ContainerError: Error, Equatable, Sendable, CustomStringConvertible {
    case programMissing(program: String)
    case launchFailed(executable: String, reason: String)
    case notRoot
    case binfmtMissing(machine: String)
    case lifecycleMissing(path: String)
    case timedOut(seconds: Int)
    case runcFailed(status: Int32, lastLines: [String])
    case bundle(reason: String)
    case cniPluginMissing(path: String)
    case cniFailed(plugin: String, command: String, message: String)
    case networkNamespace(name: String, reason: String)
    case cgroup(path: String, reason: String)

    public var description: String {
        switch self {
        case .programMissing(let program):
            "\(program) is not installed; run scripts/install-packages.sh (or apt-get install -y \(program))"
        case .launchFailed(let executable, let reason):
            "cannot start \(executable): \(reason)"
        case .notRoot:
            "containers need root (runc); run pipette as root, e.g. with sudo"
        case .binfmtMissing(let machine):
            "this host cannot run \(machine) programs: qemu binfmt is not enabled; run "
                + "`apt-get install -y qemu-user-static binfmt-support && update-binfmts --enable qemu-\(machine)`"
        case .lifecycleMissing(let path):
            "lifecycle program \(path) is missing; run `make -C lifecycle`"
        case .timedOut(let seconds):
            "the container ran longer than \(seconds) seconds and was killed"
        case .runcFailed(let status, let lines):
            "runc failed (exit status \(status)): \(lines.suffix(3).joined(separator: " | "))"
        case .bundle(let reason):
            "cannot prepare the container bundle: \(reason)"
        case .cniPluginMissing(let path):
            "the CNI plugin \(path) is missing; run `apt-get install -y containernetworking-plugins` (or scripts/install-packages.sh)"
        case .cniFailed(let plugin, let command, let message):
            "CNI \(plugin) \(command) failed: \(message)"
        case .networkNamespace(let name, let reason):
            "cannot set up network namespace \(name): \(reason) (is iproute2 installed and are we root?)"
        case .cgroup(let path, let reason):
            "cannot prepare the cgroup \(path): \(reason) (cgroups must be mounted at /sys/fs/cgroup and writable by root)"
        }
    }
}
