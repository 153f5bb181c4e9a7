import CNATS

/// libnats is opened on first use, not at every start (CLazyLibrary): a connection opens it
/// first, so a missing library is a typed error, not an exit.
enum NATSLibrary {
    static func open() throws(NATSError) {
        if let problem = pipette_nats_open() { throw .libraryMissing(reason: String(cString: problem)) }
    }

    /// Starts opening libnats on a thread of its own; the first ``open()`` waits for it.
    static func preload() { pipette_nats_preload() }
}
