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
}
