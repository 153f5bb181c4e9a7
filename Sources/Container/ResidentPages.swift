import Foundation

/// Gives back the pages of this process's files (the executable's code and read-only data, the
/// libraries') that are resident but unused: most of them were touched once, at start, by the
/// Swift runtime's scan of its conformance records, argument parsing and set-up, and the kernel
/// maps whole page-cache folios (up to 1 MB) around each fault. A long-running service calls
/// ``release()`` once it is up and then now and again (``PageRelease`` in `pipette`).
///
/// Only read-only, private mappings of a file that hold no copied-on-write page are released:
/// every resident page there is the file's own, so `MADV_DONTNEED` only unmaps it; a later access
/// maps it again from the page cache (no disk read while the file's pages stay cached). Writable
/// mappings and relocated read-only data are never touched.
public enum ResidentPages {
    /// One releasable mapping.
    public struct Region: Equatable, Sendable {
        public let start: UInt
        public let end: UInt
        public let path: String
        /// Resident kB in it when read.
        public let residentKB: Int
    }

    /// The mappings of an `/proc/PID/smaps` text that ``release()`` may unmap: a file's (path
    /// from `/`, not a device), private, not writable, no `Anonymous` kB, not locked, something resident.
    public static func releasable(smaps: String) -> [Region] {
        var regions: [Region] = []
        var current: (start: UInt, end: UInt, path: String, eligible: Bool)?
        var resident = 0
        var anonymous = 0
        var locked = false
        func close() {
            if let current, current.eligible, anonymous == 0, !locked, resident > 0 {
                regions.append(Region(start: current.start, end: current.end, path: current.path, residentKB: resident))
            }
        }
        // Byte-wise: a process has hundreds of mappings with two dozen `Key: value` lines each,
        // and only three keys matter (splitting every line into Characters took 5 ms a release).
        for bytes in smaps.utf8.split(separator: UInt8(ascii: "\n")) {
            guard let head = bytes.first else { continue }
            if head >= UInt8(ascii: "A"), head <= UInt8(ascii: "Z") {  // `Key: value`; mappings start with hex
                if bytes.starts(with: "Rss:".utf8) {
                    resident = firstNumber(in: bytes)
                } else if bytes.starts(with: "Anonymous:".utf8) {
                    anonymous = firstNumber(in: bytes)
                } else if bytes.starts(with: "VmFlags:".utf8) {
                    locked = Substring(bytes).split(separator: " ").dropFirst().contains("lo")
                }
                continue
            }
            let fields = Substring(bytes).split(separator: " ", omittingEmptySubsequences: true)
            guard let first = fields.first else { continue }
            let bounds = first.split(separator: "-")
            guard bounds.count == 2, let start = UInt(bounds[0], radix: 16), let end = UInt(bounds[1], radix: 16),
                  fields.count >= 2 else { continue }
            close()
            let perms = Array(fields[1].utf8)
            let path = fields.count >= 6 ? fields[5...].joined(separator: " ") : ""
            let eligible = perms.count == 4 && perms[1] == UInt8(ascii: "-") && perms[3] == UInt8(ascii: "p")
                && path.hasPrefix("/") && !path.hasPrefix("/dev/")
            current = (start, end, path, eligible)
            resident = 0
            anonymous = 0
            locked = false
        }
        close()
        return regions
    }

    /// The first whole number in a `Key:   123 kB` line.
    private static func firstNumber(in line: Substring.UTF8View) -> Int {
        var value = 0
        var seen = false
        for byte in line {
            if byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
                seen = true
            } else if seen {
                break
            }
        }
        return value
    }

    /// Unmaps the releasable mappings of this process; returns the kB that were resident in them.
    @discardableResult
    public static func release() -> Int {
        var released = 0
        for region in releasable(smaps: ownSmaps()) {
            let pointer = UnsafeMutableRawPointer(bitPattern: region.start)
            if madvise(pointer, Int(region.end - region.start), MADV_DONTNEED) == 0 { released += region.residentKB }
        }
        return released
    }

    /// This process's `/proc/self/smaps`, whole (`String(contentsOfFile:)` stops after its first
    /// 4 kB: the file says it is empty).
    static func ownSmaps() -> String {
        let data = (try? FileHandle(forReadingFrom: URL(fileURLWithPath: "/proc/self/smaps")).readToEnd()) ?? nil
        return data.map { String(decoding: $0, as: UTF8.self) } ?? ""
    }
}
