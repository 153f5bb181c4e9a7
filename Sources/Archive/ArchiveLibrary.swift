import CArchive

/// libarchive is opened on first use, not at every start (CLazyLibrary): each public entry point
/// of this module opens it first, so a missing library is a typed error, not an exit.
enum ArchiveLibrary {
    static func open() throws(ArchiveError) {
        if let problem = pipette_archive_open() { throw .libraryMissing(reason: String(cString: problem)) }
    }
}
