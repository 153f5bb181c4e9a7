import Foundation
import NATS

/// What `pipette router` is told at start.
public struct RouterConfig: Sendable {
    /// The router's id in `router.start` (gorouter: `<index>-<uuid>`).
    public var id: String
    /// Where HAProxy listens for app traffic.
    public var listenAddress = "127.0.0.1"
    /// The port apps are served on (`http://APP.<domain>:<port>/`).
    public var port: Int
    /// Apps are reached at `APP.<domain>`; named in the 404 page.
    public var domain: String
    /// The HAProxy program (Debian's `haproxy`).
    public var haproxy: String
    /// Where the config, map file, sockets and pid file go.
    public var stateDirectory: URL
    public var natsURI: String
    /// Credentials beyond the URL (an nkey seed file).
    public var natsOptions = NATSOptions()
    /// Routes not re-announced within this are pruned (gorouter's `droplet_stale_threshold`, 120 s);
    /// sent as `pruneThresholdInSeconds`.
    public var pruneThreshold: Duration = .seconds(120)
    /// How often emitters should re-announce, sent as `minimumRegisterIntervalInSeconds`
    /// (gorouter's `start_response_delay_interval`, 20 s).
    public var registerInterval: Duration = .seconds(20)
    /// How often `router.start` is published again, so emitters that missed the first one (or
    /// started before this router) announce everything.
    public var startInterval: Duration = .seconds(60)
    /// How long a stopping HAProxy lets requests in flight finish.
    public var stopGrace: Duration = .seconds(10)
    /// The backend pool HAProxy starts with (hosts routed without a reload) and the servers
    /// each has (instances per app without a reload); both double when outgrown.
    public var initialBackends = 16
    public var initialSlots = 8

    public init(id: String = "0-" + UUID().uuidString.lowercased(), port: Int = 8080, domain: String = "localhost",
                haproxy: String = "/usr/sbin/haproxy", stateDirectory: URL, natsURI: String = "nats://127.0.0.1:4222") {
        self.id = id
        self.port = port
        self.domain = domain
        self.haproxy = haproxy
        self.stateDirectory = stateDirectory
        self.natsURI = natsURI
    }

    /// Seconds, as `RouterStart` carries them (at least 1).
    static func seconds(_ duration: Duration) -> Int { max(1, Int(duration.components.seconds)) }
}
