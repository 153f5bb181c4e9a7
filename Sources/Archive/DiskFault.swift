import Foundation

/// A write to local disk that failed (full, over quota, read-only, an I/O error), said with
/// what was being written and which disk, never a host path: "No space left on device while
/// unpacking entry big.bin into the app directory; free space on the workspace disk (0 bytes
/// of 1 MiB free)".
public struct DiskFault: Error, Equatable, Sendable, CustomStringConvertible {
    /// The errno of the failed call.
    public let code: Int32
    /// What was being done, e.g. "unpacking entry big.bin into the app directory".
    public let doing: String
    /// The disk, as a person knows it, e.g. "the workspace disk".
    public let disk: String
    public let freeBytes: Int64?
    public let totalBytes: Int64?

    public init(code: Int32, doing: String, disk: String, freeBytes: Int64? = nil, totalBytes: Int64? = nil) {
        self.code = code
        self.doing = doing
        self.disk = disk
        self.freeBytes = freeBytes
        self.totalBytes = totalBytes
    }

    /// The fault for `code`, with the free and total space of the file system holding `path`
    /// (or its nearest existing ancestor).
    public static func capture(code: Int32, doing: String, disk: String, at path: String) -> DiskFault {
        var probe = path
        var info = statvfs()
        while statvfs(probe, &info) != 0 {
            let parent = (probe as NSString).deletingLastPathComponent
            guard parent != probe, !parent.isEmpty else {
                return DiskFault(code: code, doing: doing, disk: disk)
            }
            probe = parent
        }
        let block = Int64(info.f_frsize)
        return DiskFault(code: code, doing: doing, disk: disk,
                         freeBytes: Int64(info.f_bavail) * block, totalBytes: Int64(info.f_blocks) * block)
    }

    /// errno values that mean the local disk, not the data, is at fault.
    public static func isDiskError(_ code: Int32) -> Bool {
        [ENOSPC, EDQUOT, EIO, EROFS, EFBIG].contains(code)
    }

    public var isOutOfSpace: Bool { code == ENOSPC || code == EDQUOT }

    public var reason: String { String(cString: strerror(code)) }

    public var description: String {
        guard isOutOfSpace else { return "\(reason) while \(doing) (on \(disk))" }
        var text = "\(reason) while \(doing); free space on \(disk)"
        if let freeBytes, let totalBytes {
            text += " (\(ByteCount.format(freeBytes)) of \(ByteCount.format(totalBytes)) free)"
        }
        return text
    }
}
