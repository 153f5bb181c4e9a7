import CArchive

extension String {
    /// Converts a libarchive C string, which may be NULL.
    init?(archiveString pointer: UnsafePointer<CChar>?) {
        guard let pointer else { return nil }
        self.init(cString: pointer)
    }
}

/// The message libarchive left on a handle, or a fallback.
func archiveMessage(_ archive: OpaquePointer?, _ fallback: String = "unknown libarchive error") -> String {
    String(archiveString: archive_error_string(archive)) ?? fallback
}

/// File type bits of an entry's mode (libarchive's AE_IF* macros are casts Swift cannot import).
enum EntryType: UInt32 {
    case regular = 0o100000
    case directory = 0o040000
    case symlink = 0o120000
    case socket = 0o140000
    case characterDevice = 0o020000
    case blockDevice = 0o060000
    case fifo = 0o010000

    static let mask: UInt32 = 0o170000

    init?(mode: UInt32) { self.init(rawValue: mode & Self.mask) }

    var label: String {
        switch self {
        case .regular: "file"
        case .directory: "directory"
        case .symlink: "symlink"
        case .socket: "socket"
        case .characterDevice: "character device"
        case .blockDevice: "block device"
        case .fifo: "fifo"
        }
    }
}
