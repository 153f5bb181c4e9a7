import Foundation

/// Hands out host ports from the cell's range, unique across every cell on the host: a port is
/// taken by creating `<lock dir>/<port>` with O_EXCL (its text names the cell and instance) and
/// only when nothing listens on it; it is given back by removing the file.
struct HostPorts: Sendable {
    let range: ClosedRange<Int>
    let directory: URL
    let cellID: String

    /// Takes a free port for `instanceGUID`.
    func allocate(for instanceGUID: String) throws(InstanceFailure) -> Int {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw InstanceFailure("cannot make the port lock folder \(directory.path): \(error.localizedDescription)")
        }
        let start = Int.random(in: range)
        for offset in 0..<range.count {
            let port = range.lowerBound + (start - range.lowerBound + offset) % range.count
            let fd = open(lockFile(port).path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            guard fd >= 0 else { continue }
            let owner = "cell \(cellID) instance \(instanceGUID)\n"
            _ = owner.withCString { write(fd, $0, strlen($0)) }
            close(fd)
            if Self.isFree(port) { return port }
            // Something else (not a Pipette cell) listens there: leave the lock so nobody tries it again soon.
        }
        throw InstanceFailure("no free host port in \(range.lowerBound)-\(range.upperBound) on cell \(cellID); "
            + "stop instances or widen --port-range")
    }

    func release(_ port: Int) { unlink(lockFile(port).path) }

    /// Removes the locks this cell holds (an earlier run's); returns the ports.
    func releaseAll() -> [Int] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.compactMap { name -> Int? in
            guard let port = Int(name),
                  let text = try? String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8),
                  text.hasPrefix("cell \(cellID) instance ")
            else { return nil }
            release(port)
            return port
        }
    }

    func lockFile(_ port: Int) -> URL { directory.appendingPathComponent(String(port)) }

    /// True when a TCP listener could bind the port on all addresses.
    static func isFree(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = INADDR_ANY
        address.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }
}
