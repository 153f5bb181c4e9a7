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
    /// The address apps on this cell are reached at from other hosts (`InstanceReport.host`,
    /// `CF_INSTANCE_IP`); 127.0.0.1 by default, for a one-host platform.
    public var advertiseHost = "127.0.0.1"
    /// Host ports handed to instances (Diego's 61001-61999 by default). Ports are unique host-wide
    /// through lock files in `portLockDirectory`, so cells sharing a host never collide.
    public var portRange: ClosedRange<Int> = 61001...61999
    /// One file per host port in use (`<port>`, naming the cell and instance).
    public var portLockDirectory = URL(fileURLWithPath: "/run/pipette/ports")
    /// The instances' bridge network (CNI `bridge` + `host-local`). Never 10/8, 172.16/12 or
    /// 192.168/16, which the hosts' own networks use; cells on one host must agree on it.
    public var containerSubnet = "198.19.0.0/16"
    /// Where the CNI plugins are (Debian's containernetworking-plugins).
    public var cniPluginDirectory = URL(fileURLWithPath: "/usr/lib/cni")
    /// How long an evacuating cell keeps running instances for the converger to replace elsewhere
    /// before it stops what is left (Diego's default is 10 minutes).
    public var evacuationTimeout: Duration = .seconds(60)
    /// Seconds between liveness checks of a running instance (Diego's 30 s).
    public var healthInterval: Duration = .seconds(30)
    /// How often the startup health check is tried until it passes.
    public var startupCheckInterval: Duration = .milliseconds(200)
    /// How long a finished task's completion is sent again until a stager acknowledges it.
    public var completionDeliveryLimit: Duration = .seconds(60)
    /// How long a crashed instance's report is kept when nobody forgets it with an `InstanceStop`.
    public var crashedReportRetention: Duration = .seconds(30 * 60)
    /// Time between SIGTERM to an instance being stopped and SIGKILL (Diego's 10 s).
    public var stopGracePeriod: Duration = .seconds(10)
    /// Apps' routes are `<app>.<routeDomain>`, announced on `router.register` for routers.
    public var routeDomain = "localhost"
    /// How often routes are re-announced until a router's `router.start` says otherwise
    /// (Diego's route emitter: 20 s).
    public var routeRegisterInterval: Duration = .seconds(20)

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
