import Container
import Foundation

/// Where an installed cell's files are, under a root folder (`/`, or a folder standing in for one
/// in tests), and systemd when it runs this machine.
struct CellInstallation {
    static let configPath = "/etc/pipette/cell.yml"
    static let envPath = "/etc/pipette/cell.env"
    static let unitName = "pipette-cell.service"
    static let unitPath = "/etc/systemd/system/pipette-cell.service"
    /// The workspaces of an installed cell unless `--workspace-dir` says otherwise.
    static let workspacePath = "/var/lib/pipette/work"

    let root: URL

    /// `path` (absolute on the target system) under the root.
    func file(_ path: String) -> URL { root.appendingPathComponent(String(path.dropFirst())) }

    /// True when systemd manages this machine (sd_booted's test) and the root is this machine's.
    var systemdRuns: Bool {
        root.standardizedFileURL.path == "/" && FileManager.default.fileExists(atPath: "/run/systemd/system")
    }

    /// Writes `text` at `path` atomically (a temporary file renamed into place), with `mode` set
    /// before any byte is written, so a secret is never readable by others, even for a moment.
    func write(_ text: String, to path: String, mode: mode_t) throws {
        let target = file(path)
        try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        let temporary = target.path + ".tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else { throw CommandFailure("cannot write \(temporary): \(String(cString: strerror(errno)))") }
        _ = fchmod(fd, mode)
        let written = Array(text.utf8).withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) }
        close(fd)
        guard written == text.utf8.count, rename(temporary, target.path) == 0 else {
            unlink(temporary)
            throw CommandFailure("cannot write \(target.path): \(String(cString: strerror(errno)))")
        }
    }

    /// Removes `path` under the root; true when something was there.
    @discardableResult
    func remove(_ path: String) -> Bool {
        let target = file(path)
        guard FileManager.default.fileExists(atPath: target.path) else { return false }
        return (try? FileManager.default.removeItem(at: target)) != nil
    }

    /// Removes the folder `path` under the root if it is empty.
    func removeIfEmpty(_ path: String) {
        let target = file(path)
        if (try? FileManager.default.contentsOfDirectory(atPath: target.path))?.isEmpty == true {
            try? FileManager.default.removeItem(at: target)
        }
    }

    /// Runs `systemctl ARGUMENTS`; its exit status and last output line.
    func systemctl(_ arguments: [String]) async -> (status: Int32, output: String) {
        let lines = Lines()
        let status = (try? await Subprocess.run("systemctl", arguments, onLine: lines.append)) ?? 127
        return (status, lines.last ?? "")
    }

    /// The sentence that refuses a user who is not root.
    static func notRoot(_ command: String) -> String {
        "pipette cell \(command) must run as root: it writes /etc/pipette and /etc/systemd/system; run it with sudo"
    }
}
