import PipetteCore

/// What to run in a container, in Pipette's terms; `ociSpec` turns it into runc's config.
public struct ContainerSpec: Sendable {
    public struct BindMount: Sendable {
        public let source: String
        public let destination: String
        public let readOnly: Bool

        public init(_ source: String, at destination: String, readOnly: Bool) {
            self.source = source
            self.destination = destination
            self.readOnly = readOnly
        }
    }

    public var rootfs: String
    public var arch: Arch
    public var args: [String]
    public var environment: [String: String] = [:]
    public var workingDirectory = "/"
    public var hostname = "pipette"
    public var uid: UInt32 = 2000
    public var gid: UInt32 = 2000
    /// Writable scratch space on top of the read-only rootfs.
    public var tmpfs: [String] = ["/tmp", "/home/vcap"]
    public var binds: [BindMount] = []
    /// The container's memory limit; nil leaves it to the cgroup the container is placed under
    /// (`cgroupsPath`), which then holds the limit and counts OOM kills after the container is gone.
    public var memoryLimitBytes: Int64? = 1 << 30
    public var pidsLimit: Int64 = 1024
    public var openFilesLimit: UInt64 = 1024
    /// Share the host's network namespace (the app's $PORT is then reachable on the host).
    public var hostNetwork = true
    /// A network namespace made beforehand (`/var/run/netns/NAME`) to join; when set,
    /// `hostNetwork` is ignored.
    public var networkNamespacePath: String?
    /// The container's cgroup, relative to the cgroup root (`/pipette/cell/instance/app`); runc's
    /// default (named after the container id) when nil.
    public var cgroupsPath: String?

    public init(rootfs: String, arch: Arch, args: [String]) {
        self.rootfs = rootfs
        self.arch = arch
        self.args = args
    }

    static let path = "/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin"

    func ociSpec() -> OCISpec {
        let env = ["PATH": Self.path, "HOME": "/home/vcap", "USER": "vcap", "LANG": "C.UTF-8"]
            .merging(environment) { _, new in new }
            .sorted { $0.key < $1.key }
            .map { "\($0.key)=\($0.value)" }
        let caps = ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]
        let network: [OCISpec.Namespace] =
            if let networkNamespacePath { [.init(type: "network", path: networkNamespacePath)] }
            else if hostNetwork { [] }
            else { [.init(type: "network")] }
        return OCISpec(
            process: .init(
                user: .init(uid: uid, gid: gid), args: args, env: env, cwd: workingDirectory,
                capabilities: .init(bounding: caps, effective: caps, permitted: caps),
                rlimits: [.init(type: "RLIMIT_NOFILE", hard: openFilesLimit, soft: openFilesLimit)]),
            root: .init(path: rootfs, readonly: true),
            hostname: hostname,
            mounts: baseMounts() + tmpfs.map(scratch) + binds.map(bind),
            linux: .init(
                cgroupsPath: cgroupsPath,
                namespaces: ["pid", "ipc", "uts", "mount"].map { OCISpec.Namespace(type: $0) } + network,
                resources: .init(memory: memoryLimitBytes.map { .init(limit: $0) }, pids: .init(limit: pidsLimit)),
                maskedPaths: ["/proc/kcore", "/proc/keys", "/proc/timer_list", "/sys/firmware"],
                readonlyPaths: ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]))
    }

    private func baseMounts() -> [OCISpec.Mount] {
        [
            .init(destination: "/proc", type: "proc", source: "proc", options: []),
            .init(destination: "/dev", type: "tmpfs", source: "tmpfs", options: ["nosuid", "strictatime", "mode=755", "size=65536k"]),
            .init(destination: "/dev/pts", type: "devpts", source: "devpts",
                  options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"]),
            .init(destination: "/dev/shm", type: "tmpfs", source: "shm", options: ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]),
            .init(destination: "/sys", type: "sysfs", source: "sysfs", options: ["nosuid", "noexec", "nodev", "ro"]),
            .init(destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup", options: ["nosuid", "noexec", "nodev", "relatime", "ro"]),
        ]
    }

    private func scratch(_ path: String) -> OCISpec.Mount {
        .init(destination: path, type: "tmpfs", source: "tmpfs",
              options: ["nosuid", "nodev", "mode=1777", "uid=\(uid)", "gid=\(gid)", "size=1g"])
    }

    private func bind(_ mount: BindMount) -> OCISpec.Mount {
        .init(destination: mount.destination, type: "bind", source: mount.source,
              options: ["rbind", "nosuid", "nodev", mount.readOnly ? "ro" : "rw"])
    }
}
