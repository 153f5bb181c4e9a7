/// The symlinks an unpack has placed so far, to resolve a link's target the way the kernel will:
/// through the links already there (`x/y -> ..` makes `x/y/..` the app's parent, not `x`).
/// Entry paths themselves never go through a link (libarchive refuses to write through one).
struct LinkTree {
    /// Links followed while resolving one target, as the kernel's limit.
    static let maxHops = 40

    /// Link path (components joined by "/") to its target.
    private var links: [String: String] = [:]

    var isEmpty: Bool { links.isEmpty }

    /// Checks that the link `parts` -> `target` resolves inside the root through the links
    /// placed so far, then records it.
    mutating func add(_ parts: [String], entry: String, target: String) throws(ArchiveError) {
        var hops = 0
        _ = try resolve(target, from: Array(parts.dropLast()), entry: entry, hops: &hops)
        links[parts.joined(separator: "/")] = target
    }

    /// A file or folder may not take the place of a link: later links resolve through it.
    func checkNotALink(_ parts: [String], entry: String) throws(ArchiveError) {
        if links[parts.joined(separator: "/")] != nil { throw .replacesLink(entry: entry) }
    }

    /// Hard link targets are archive paths; one that is, or goes through, a symlink could
    /// carry that link somewhere it resolves differently, so it is refused.
    func checkHardlink(target parts: [String], entry: String, target: String) throws(ArchiveError) {
        for end in parts.indices where links[parts[...end].joined(separator: "/")] != nil {
            throw .hardlinkToSymlink(entry: entry, target: target)
        }
    }

    /// Resolves every link again with all links in place: a link placed later may change where
    /// an earlier one leads (`z -> a/b/../..` before `a/b -> ..`).
    func checkAll() throws(ArchiveError) {
        for (path, target) in links {
            var hops = 0
            let parts = path.split(separator: "/").map(String.init)
            _ = try resolve(target, from: Array(parts.dropLast()), entry: path, hops: &hops)
        }
    }

    /// The real location (components below the root) `target` names from folder `base`.
    private func resolve(_ target: String, from base: [String], entry: String, hops: inout Int) throws(ArchiveError) -> [String] {
        if target.hasPrefix("/") { throw .linkEscapes(entry: entry, target: target) }
        var parts = base
        for part in target.split(separator: "/", omittingEmptySubsequences: true) {
            switch part {
            case ".":
                continue
            case "..":
                if parts.isEmpty { throw .linkEscapes(entry: entry, target: target) }
                parts.removeLast()
            default:
                parts.append(String(part))
                guard let next = links[parts.joined(separator: "/")] else { continue }
                hops += 1
                if hops > Self.maxHops { throw .linkLoop(entry: entry, target: target) }
                do {
                    parts = try resolve(next, from: Array(parts.dropLast()), entry: entry, hops: &hops)
                } catch .linkEscapes {
                    throw .linkEscapes(entry: entry, target: target)
                }
            }
        }
        return parts
    }
}
