import PipetteCore

/// The routes a router knows, as gorouter keeps them: per host name, endpoints keyed by
/// `host:port`, each refreshed by every `router.register` and pruned when it was not
/// re-announced within its stale threshold. A plain value: the caller supplies the time.
public struct RouteTable: Sendable {
    /// One endpoint of a host.
    public struct Endpoint: Sendable, Equatable {
        public var registration: RouteRegistration
        /// When it was last announced.
        public var seen: ContinuousClock.Instant
        /// How long it lives without a re-announcement.
        public var staleAfter: Duration
    }

    /// A backend address HAProxy connects to.
    public struct Address: Sendable, Hashable, Comparable {
        public var host: String
        public var port: Int

        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }

        public static func < (a: Address, b: Address) -> Bool { (a.host, a.port) < (b.host, b.port) }
    }

    /// Endpoints by host name, then by address.
    public private(set) var hosts: [String: [Address: Endpoint]] = [:]
    /// The router's prune threshold: the most an endpoint lives unannounced.
    public let pruneThreshold: Duration

    public init(pruneThreshold: Duration) { self.pruneThreshold = pruneThreshold }

    /// The host name a uri routes: lower-cased, without a port; nil for a uri with a path
    /// (path routes are not supported by this router).
    public static func hostName(_ uri: String) -> String? {
        guard !uri.contains("/"), !uri.isEmpty else { return nil }
        let host = uri.split(separator: ":", maxSplits: 1).first.map(String.init) ?? uri
        return host.isEmpty ? nil : host.lowercased()
    }

    /// Adds or refreshes the endpoint for each of its uris; returns the hosts whose set of
    /// addresses changed.
    public mutating func register(_ registration: RouteRegistration, now: ContinuousClock.Instant) -> Set<String> {
        let address = Address(host: registration.host, port: Int(registration.endpointPort.port))
        let own = registration.staleThresholdInSeconds
        let staleAfter = own > 0 ? min(.seconds(own), pruneThreshold) : pruneThreshold
        var changed = Set<String>()
        for uri in registration.uris {
            guard let host = Self.hostName(uri) else { continue }
            if hosts[host]?[address] == nil { changed.insert(host) }
            hosts[host, default: [:]][address] = Endpoint(registration: registration, seen: now, staleAfter: staleAfter)
        }
        return changed
    }

    /// Removes the endpoint from each of its uris; returns the hosts that lost it. An
    /// unregister naming another instance than the one now at that address (the port was
    /// reused) is ignored.
    public mutating func unregister(_ registration: RouteRegistration) -> Set<String> {
        let address = Address(host: registration.host, port: Int(registration.endpointPort.port))
        var changed = Set<String>()
        for uri in registration.uris {
            guard let host = Self.hostName(uri), let current = hosts[host]?[address] else { continue }
            let held = current.registration.privateInstanceID
            if !held.isEmpty, !registration.privateInstanceID.isEmpty, held != registration.privateInstanceID { continue }
            hosts[host]?[address] = nil
            if hosts[host]?.isEmpty == true { hosts[host] = nil }
            changed.insert(host)
        }
        return changed
    }

    /// Drops endpoints not announced within their stale threshold; returns what was dropped.
    public mutating func prune(now: ContinuousClock.Instant) -> [(host: String, endpoint: Endpoint)] {
        var pruned: [(host: String, endpoint: Endpoint)] = []
        for (host, endpoints) in hosts {
            for (address, endpoint) in endpoints where now - endpoint.seen > endpoint.staleAfter {
                pruned.append((host, endpoint))
                hosts[host]?[address] = nil
            }
            if hosts[host]?.isEmpty == true { hosts[host] = nil }
        }
        return pruned
    }

    /// The addresses of a host's endpoints, sorted.
    public func addresses(of host: String) -> [Address] { (hosts[host].map { Array($0.keys) } ?? []).sorted() }
}
