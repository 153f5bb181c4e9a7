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
    case writeFailed(path: String, reason: String)

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
        case .corrupt(let reason):
            "the archive is corrupt or not a zip/tar: \(reason)"
        case .writeFailed(let path, let reason):
            "cannot write \(path): \(reason)"
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
