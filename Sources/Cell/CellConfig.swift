import Foundation
import NATS
import PipetteCore

/// What `pipette cell` is told at start: who it is, what it advertises, how big it is.
public struct CellConfig: Sendable {
    public var id: String
    public var zone: String
    /// Stack names to offer; each is checked (built, runnable here) before it is advertised.
    public var stacks: [String]
    public var capacity: Resources
    public var tags: [String: String]
    public var natsURI: String
    /// Credentials beyond the URL (an nkey seed file).
    public var natsOptions = NATSOptions()
    public var heartbeatInterval: Duration
    /// Largest app package or build cache the cell downloads.
    public var maxDownloadBytes: Int64
    /// Where task workspaces go (`<dir>/pipette-cell-<id>/`); the system's temporary folder by default.
    public var workspaceDirectory: URL

    public init(id: String, zone: String = "z1", stacks: [String], capacity: Resources, tags: [String: String] = [:],
                natsURI: String = "nats://127.0.0.1:4222", heartbeatInterval: Duration = .seconds(2),
                maxDownloadBytes: Int64 = 1 << 30,
                workspaceDirectory: URL = FileManager.default.temporaryDirectory) {
        self.id = id
        self.zone = zone
        self.stacks = stacks
        self.capacity = capacity
        self.tags = tags
        self.natsURI = natsURI
        self.heartbeatInterval = heartbeatInterval
        self.maxDownloadBytes = maxDownloadBytes
        self.workspaceDirectory = workspaceDirectory
    }
}
