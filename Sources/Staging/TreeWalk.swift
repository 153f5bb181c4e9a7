#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Visits the entries under a directory with readdir(3) and lstat(2), never following a symbolic
/// link. Foundation's `FileManager.enumerator` builds each path through NSString (a
/// `replacingOccurrences` per entry) and cost `pipette build` four of the Swift runtime's first
/// protocol-conformance lookups, each a scan of every conformance record in the executable
/// (BENCHMARKS.md, "conformance lookups").
enum TreeWalk {
    /// What `visit` says after an entry.
    enum Next { case goOn, stop }

    /// Calls `visit` with the path and lstat(2) of each entry under `root`, parents before their
    /// children, `root` itself excluded, until it says `.stop`. An entry whose lstat fails is still
    /// visited, with a zeroed `stat` (its type unknown); a directory that cannot be opened is
    /// visited and not entered. Returns false when `root` cannot be opened as a directory.
    @discardableResult
    static func entries(under root: String, _ visit: (String, stat) -> Next) -> Bool {
        guard let top = opendir(root) else { return false }
        // Open directories, innermost last: the walk's depth is bounded by the tree's, not the stack's.
        var open: [(path: String, handle: OpaquePointer)] = [(root, top)]
        defer { for directory in open { closedir(directory.handle) } }
        while let (parent, handle) = open.last {
            guard let entry = readdir(handle) else {
                closedir(handle)
                open.removeLast()
                continue
            }
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.baseAddress!.assumingMemoryBound(to: CChar.self)) }
            if name == "." || name == ".." { continue }
            let path = parent + "/" + name
            var info = stat()
            if lstat(path, &info) != 0 { info = stat() }
            if visit(path, info) == .stop { return true }
            if info.st_mode & S_IFMT == S_IFDIR, let child = opendir(path) { open.append((path, child)) }
        }
        return true
    }
}
