import Archive
import Foundation
import TestSupport

/// Builds test archives entry by entry, including hostile ones no honest tool would write.
enum ArchiveFixtures {
    static func zip(in dir: TemporaryDirectory, _ name: String = "app.zip",
                    format: ArchiveWriter.Format = .zip,
                    _ build: (ArchiveWriter) throws -> Void) throws -> URL {
        let url = dir.file(name)
        let writer = try ArchiveWriter(path: url, format: format)
        try build(writer)
        _ = try writer.finish()
        return url
    }

    /// Bytes that do not compress (a simple xorshift stream).
    static func noise(_ count: Int, seed: UInt64 = 0x9E3779B97F4A7C15) -> [UInt8] {
        var state = seed
        return (0..<count).map { _ in
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return UInt8(truncatingIfNeeded: state)
        }
    }
}
