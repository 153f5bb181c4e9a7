import Foundation

/// A cgroup made for one container to live under (`<path>/app` is the container's own): it holds
/// the memory limit, so the kernel's OOM kill is still known after runc removed the container's
/// cgroup. cgroup v2 counts it in `memory.events` (`oom_kill`, hierarchical); cgroup v1 counts
/// only in the victim's own cgroup, so there an eventfd is registered on `memory.oom_control`.
public final class ContainerCgroup: Sendable {
    /// Relative to the cgroup root, e.g. `/pipette/c1/<instance>`.
    public let path: String
    private let oomEventFD: Int32?
    private let oomControlFD: Int32?

    static let root = "/sys/fs/cgroup"
    static var unified: Bool { FileManager.default.fileExists(atPath: root + "/cgroup.controllers") }

    /// The path to give runc (`ContainerSpec.cgroupsPath`).
    public var containerPath: String { path + "/app" }

    private init(path: String, oomEventFD: Int32?, oomControlFD: Int32?) {
        self.path = path
        self.oomEventFD = oomEventFD
        self.oomControlFD = oomControlFD
    }

    /// Makes the cgroup at `path` with a memory limit.
    public static func create(path: String, memoryLimitBytes: Int64) throws(ContainerError) -> ContainerCgroup {
        if unified {
            let folder = root + path
            var ancestor = root
            for part in path.split(separator: "/").dropLast() {
                try? write("+memory +pids", to: ancestor + "/cgroup.subtree_control")
                ancestor += "/\(part)"
                mkdir(ancestor, 0o755)
            }
            try? write("+memory +pids", to: ancestor + "/cgroup.subtree_control")
            try makeFolder(folder)
            try write(String(memoryLimitBytes), to: folder + "/memory.max")
            return ContainerCgroup(path: path, oomEventFD: nil, oomControlFD: nil)
        }
        let folder = root + "/memory" + path
        try makeFolder(folder)
        try write(String(memoryLimitBytes), to: folder + "/memory.limit_in_bytes")
        guard let eventfd = EventFD.make() else {
            throw .cgroup(path: folder, reason: "cannot make an eventfd for OOM notifications")
        }
        let control = open(folder + "/memory.oom_control", O_RDONLY | O_CLOEXEC)
        guard control >= 0 else {
            close(eventfd)
            throw .cgroup(path: folder, reason: "cannot open memory.oom_control: \(String(cString: strerror(errno)))")
        }
        do {
            try write("\(eventfd) \(control)", to: folder + "/cgroup.event_control")
        } catch {
            close(eventfd)
            close(control)
            throw error
        }
        return ContainerCgroup(path: path, oomEventFD: eventfd, oomControlFD: control)
    }

    /// How many times the kernel OOM-killed a process of the container so far.
    public func oomKills() -> Int {
        if let oomEventFD {
            var count: UInt64 = 0
            return read(oomEventFD, &count, 8) == 8 ? Int(count) : 0
        }
        guard let events = try? String(contentsOfFile: Self.root + path + "/memory.events", encoding: .utf8) else { return 0 }
        for line in events.split(separator: "\n") where line.hasPrefix("oom_kill ") {
            return Int(line.dropFirst("oom_kill ".count)) ?? 0
        }
        return 0
    }

    /// Closes the notification and removes the cgroup (read `oomKills` first).
    public func remove() {
        if let oomEventFD { close(oomEventFD) }
        if let oomControlFD { close(oomControlFD) }
        Self.remove(path: path)
    }

    /// Removes the cgroup at `path` and the container's below it, in every hierarchy (runc makes
    /// the intermediate folders in each v1 controller).
    public static func remove(path: String) {
        let hierarchies = unified ? [root]
            : ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).map { root + "/" + $0 }
        for hierarchy in hierarchies {
            rmdir(hierarchy + path + "/app")
            rmdir(hierarchy + path)
        }
    }

    private static func makeFolder(_ folder: String) throws(ContainerError) {
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw .cgroup(path: folder, reason: error.localizedDescription)
        }
    }

    private static func write(_ text: String, to file: String) throws(ContainerError) {
        let fd = open(file, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .cgroup(path: file, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        let written = text.withCString { Foundation.write(fd, $0, strlen($0)) }
        guard written >= 0 else { throw .cgroup(path: file, reason: String(cString: strerror(errno))) }
    }
}

/// `eventfd(2)`, which Glibc's Swift module does not export: looked up in libc at run time.
enum EventFD {
    private typealias Function = @convention(c) (UInt32, Int32) -> Int32

    /// A non-blocking, close-on-exec eventfd, or nil.
    static func make() -> Int32? {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "eventfd") else { return nil }
        let function = unsafeBitCast(symbol, to: Function.self)
        let fd = function(0, Int32(O_NONBLOCK | O_CLOEXEC))
        return fd >= 0 ? fd : nil
    }
}
