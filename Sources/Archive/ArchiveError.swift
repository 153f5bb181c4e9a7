/// Why an archive was refused or could not be read or written. Each message names the entry
/// and the rule or limit, so the person who built the archive knows what to change.
public enum ArchiveError: Error, Equatable, Sendable, CustomStringConvertible {
    case absolutePath(entry: String)
    case escapesDirectory(entry: String)
    case linkEscapes(entry: String, target: String)
    case unsupportedEntryType(entry: String, kind: String)
    case tooLarge(entry: String, limitBytes: Int64)
    case tooManyEntries(limit: Int)
    case compressionRatio(entry: String, ratio: Int, limit: Int)
    case unreadable(path: String, reason: String)
    case corrupt(reason: String)
    /// libarchive itself cannot be loaded (not installed, or another version).
    case libraryMissing(reason: String)
    case writeFailed(path: String, reason: String)
    /// The local disk failed the write (full, read-only, I/O error): not the archive's fault.
    case disk(DiskFault)
    /// libarchive read the entry but found it damaged (bad CRC, sizes that disagree).
    case damagedEntry(entry: String, reason: String)
    case linkLoop(entry: String, target: String)
    case replacesLink(entry: String)
    case hardlinkToSymlink(entry: String, target: String)

    public var description: String {
        switch self {
        case .absolutePath(let entry):
            "entry \(entry) has an absolute path; archive entries must be relative to the app directory"
        case .escapesDirectory(let entry):
            "entry \(entry) escapes the app directory"
        case .linkEscapes(let entry, let target):
            "entry \(entry) links to \(target), outside the app directory"
        case .unsupportedEntryType(let entry, let kind):
            "entry \(entry) is a \(kind); only files, directories and links inside the app are allowed"
        case .tooLarge(let entry, let limit):
            "entry \(entry) takes the unpacked size over the limit of \(ByteCount.format(limit))"
        case .tooManyEntries(let limit):
            "the archive has more than \(limit) entries, the limit"
        case .compressionRatio(let entry, let ratio, let limit):
            "entry \(entry) expands \(ratio)x, over the compression ratio limit of \(limit)x (a zip bomb?)"
        case .unreadable(let path, let reason):
            "cannot read \(path): \(reason)"
        case .libraryMissing(let reason):
            reason
        case .corrupt(let reason):
            "the archive is corrupt or not a zip/tar: \(reason)"
        case .writeFailed(let path, let reason):
            "cannot write \(path): \(reason)"
        case .disk(let fault):
            fault.description
        case .damagedEntry(let entry, let reason):
            "entry \(entry) is damaged: \(reason)"
        case .linkLoop(let entry, let target):
            "entry \(entry) links to \(target), which goes through more than \(LinkTree.maxHops) links (a loop?)"
        case .replacesLink(let entry):
            "entry \(entry) replaces a symlink an earlier entry made"
        case .hardlinkToSymlink(let entry, let target):
            "entry \(entry) is a hard link to \(target), which is or goes through a symlink"
        }
    }
}

/// Human-readable byte counts for messages.
public enum ByteCount {
    public static func format(_ bytes: Int64) -> String {
        let units = ["bytes", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        if unit == 0 { return "\(bytes) bytes" }
        let rounded = (value * 10).rounded() / 10
        return rounded == rounded.rounded() ? "\(Int(rounded)) \(units[unit])" : "\(rounded) \(units[unit])"
    }
}
