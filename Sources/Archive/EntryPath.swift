/// Pure path rules for archive entries: every name must stay inside the destination.
enum EntryPath {
    /// The entry's path as normalised components, or an error if it is absolute or climbs out.
    static func components(of name: String) throws(ArchiveError) -> [String] {
        if name.hasPrefix("/") { throw .absolutePath(entry: name) }
        let parts = name.split(separator: "/").filter { $0 != "." }
        // Any `..` is refused, even `a/../b` that stays inside: honest tools never write one.
        if parts.contains("..") { throw .escapesDirectory(entry: name) }
        return parts.map(String.init)
    }

    /// Checks that a symlink at `entry` pointing to `target` resolves inside the root.
    static func checkSymlink(entry: String, target: String) throws(ArchiveError) {
        if target.hasPrefix("/") { throw .linkEscapes(entry: entry, target: target) }
        var parts = try components(of: entry)
        parts.removeLast()
        for part in target.split(separator: "/", omittingEmptySubsequences: true) {
            switch part {
            case ".": continue
            case "..":
                if parts.isEmpty { throw .linkEscapes(entry: entry, target: target) }
                parts.removeLast()
            default: parts.append(String(part))
            }
        }
    }

    /// Hard link targets are archive paths themselves.
    static func checkHardlink(entry: String, target: String) throws(ArchiveError) {
        do { _ = try components(of: target) } catch { throw .linkEscapes(entry: entry, target: target) }
    }
}
