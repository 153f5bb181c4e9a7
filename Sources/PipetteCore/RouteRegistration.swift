/// A route announcement on `router.register` / `router.unregister`, exactly as Cloud Foundry's
/// gorouter reads it (`mbus.RegistryMessage` in its `mbus/subscriber.go`): Diego's route emitter
/// sends one per running app instance, so a real gorouter could route Pipette apps unchanged.
///
/// Decoding follows Go's `encoding/json`: every field may be missing (zero value), unknown fields
/// (`"dea"`) are ignored. Encoding writes every field, as Go's `json.Marshal` of the struct does.
public struct RouteRegistration: Codable, Sendable, Equatable, Hashable {
    /// The app's guid (gorouter's `ApplicationId`, used in access logs and `X-CF-ApplicationID`).
    public var app: String
    public var availabilityZone: String
    /// Nanoseconds since 1970 when the endpoint last changed; 0 when unknown.
    public var endpointUpdatedAtNs: Int64
    /// The address the instance is reached at (a cell's advertised host).
    public var host: String
    public var isolationSegment: String
    /// The plain-HTTP port; gorouter prefers `tlsPort` when it is not 0.
    public var port: UInt16
    /// The instance guid: the router's sticky-session and `X-CF-InstanceID` key.
    public var privateInstanceID: String
    /// The instance index, as a string (route emitter's `strconv.Itoa(index)`).
    public var privateInstanceIndex: String
    /// `http1` (also when empty) or `http2`.
    public var `protocol`: String
    /// A route service to send requests through first; must be `https` or empty.
    public var routeServiceURL: String
    /// The name the instance's TLS certificate carries, for `tlsPort`.
    public var serverCertDomainSAN: String
    /// Seconds without a re-announcement after which a router prunes this endpoint; 0 means the
    /// router's own `pruneThresholdInSeconds`, which also caps it.
    public var staleThresholdInSeconds: Int
    /// The TLS port; 0 when the instance has none.
    public var tlsPort: UInt16
    /// Free-form labels (`component`, `app_name`, `instance_index`, `process_type`, …).
    public var tags: [String: String]
    /// Host names (and optional paths) the instance serves: `sinatra.localhost`.
    public var uris: [String]
    public var options: Options

    /// gorouter's `RegistryMessageOpts`.
    public struct Options: Codable, Sendable, Equatable, Hashable {
        /// `round-robin` or `least-connection`; empty means the router's default.
        public var loadBalancing: String

        public init(loadBalancing: String = "") { self.loadBalancing = loadBalancing }

        enum CodingKeys: String, CodingKey { case loadBalancing = "loadbalancing" }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            loadBalancing = try c.decodeIfPresent(String.self, forKey: .loadBalancing) ?? ""
        }
    }

    public init(app: String = "", availabilityZone: String = "", endpointUpdatedAtNs: Int64 = 0, host: String = "",
                isolationSegment: String = "", port: UInt16 = 0, privateInstanceID: String = "",
                privateInstanceIndex: String = "", protocol: String = "", routeServiceURL: String = "",
                serverCertDomainSAN: String = "", staleThresholdInSeconds: Int = 0, tlsPort: UInt16 = 0,
                tags: [String: String] = [:], uris: [String] = [], options: Options = Options()) {
        self.app = app
        self.availabilityZone = availabilityZone
        self.endpointUpdatedAtNs = endpointUpdatedAtNs
        self.host = host
        self.isolationSegment = isolationSegment
        self.port = port
        self.privateInstanceID = privateInstanceID
        self.privateInstanceIndex = privateInstanceIndex
        self.protocol = `protocol`
        self.routeServiceURL = routeServiceURL
        self.serverCertDomainSAN = serverCertDomainSAN
        self.staleThresholdInSeconds = staleThresholdInSeconds
        self.tlsPort = tlsPort
        self.tags = tags
        self.uris = uris
        self.options = options
    }

    /// gorouter's `ValidateMessage`: a route service URL, when given, must be https.
    public var isValid: Bool { routeServiceURL.isEmpty || routeServiceURL.hasPrefix("https") }

    /// The port a router connects to and whether it speaks TLS there (gorouter's `port()`:
    /// the TLS port wins).
    public var endpointPort: (port: UInt16, tls: Bool) { tlsPort != 0 ? (tlsPort, true) : (port, false) }

    /// `host:port` of the endpoint (gorouter's `CanonicalAddr`), the key a router keeps it by.
    public var address: String { "\(host):\(endpointPort.port)" }

    /// Why a router would refuse this message, or nil: gorouter's own rule (route service URL
    /// must be https) and what an endpoint needs to be routable at all.
    public var problem: String? {
        if !isValid { return "route_service_url must be https (got \(routeServiceURL))" }
        if host.isEmpty { return "host is empty" }
        if endpointPort.port == 0 { return "port and tls_port are both 0" }
        if uris.isEmpty { return "uris is empty" }
        return nil
    }

    enum CodingKeys: String, CodingKey {
        case app, host, port, tags, uris, options, `protocol`
        case availabilityZone = "availability_zone"
        case endpointUpdatedAtNs = "endpoint_updated_at_ns"
        case isolationSegment = "isolation_segment"
        case privateInstanceID = "private_instance_id"
        case privateInstanceIndex = "private_instance_index"
        case routeServiceURL = "route_service_url"
        case serverCertDomainSAN = "server_cert_domain_san"
        case staleThresholdInSeconds = "stale_threshold_in_seconds"
        case tlsPort = "tls_port"
    }

    /// Go's lenient decoding: a missing field or `null` is the zero value.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        app = try c.decodeIfPresent(String.self, forKey: .app) ?? ""
        availabilityZone = try c.decodeIfPresent(String.self, forKey: .availabilityZone) ?? ""
        endpointUpdatedAtNs = try c.decodeIfPresent(Int64.self, forKey: .endpointUpdatedAtNs) ?? 0
        host = try c.decodeIfPresent(String.self, forKey: .host) ?? ""
        isolationSegment = try c.decodeIfPresent(String.self, forKey: .isolationSegment) ?? ""
        port = try c.decodeIfPresent(UInt16.self, forKey: .port) ?? 0
        privateInstanceID = try c.decodeIfPresent(String.self, forKey: .privateInstanceID) ?? ""
        privateInstanceIndex = try c.decodeIfPresent(String.self, forKey: .privateInstanceIndex) ?? ""
        `protocol` = try c.decodeIfPresent(String.self, forKey: .protocol) ?? ""
        routeServiceURL = try c.decodeIfPresent(String.self, forKey: .routeServiceURL) ?? ""
        serverCertDomainSAN = try c.decodeIfPresent(String.self, forKey: .serverCertDomainSAN) ?? ""
        staleThresholdInSeconds = try c.decodeIfPresent(Int.self, forKey: .staleThresholdInSeconds) ?? 0
        tlsPort = try c.decodeIfPresent(UInt16.self, forKey: .tlsPort) ?? 0
        tags = try c.decodeIfPresent([String: String].self, forKey: .tags) ?? [:]
        uris = try c.decodeIfPresent([String].self, forKey: .uris) ?? []
        options = try c.decodeIfPresent(Options.self, forKey: .options) ?? Options()
    }
}
