/// How routes map onto HAProxy: a pool of backends `app_<b>`, each with `slotsPerBackend`
/// servers `s<n>` (empty ones in maintenance), and a map file from host name to backend. A
/// route change becomes runtime API commands (`set server … addr … port …`, `state ready` /
/// `maint`, `add map` / `del map`); only when the pool is full does it grow, which needs a
/// reload of a config rendered from the layout. A plain value, no I/O.
public struct HAProxyLayout: Sendable, Equatable {
    public typealias Address = RouteTable.Address

    public private(set) var backendCount: Int
    public private(set) var slotsPerBackend: Int
    /// Which backend serves each host.
    public private(set) var backendOf: [String: Int] = [:]
    /// Backend × slot: the address a server points at, nil when it is free (in maintenance).
    public private(set) var slots: [[Address?]]

    public init(backends: Int = 16, slotsPerBackend: Int = 8) {
        backendCount = max(1, backends)
        self.slotsPerBackend = max(1, slotsPerBackend)
        slots = Array(repeating: Array(repeating: nil, count: self.slotsPerBackend), count: backendCount)
    }

    public static func backendName(_ index: Int) -> String { "app_\(index)" }

    /// The change of one host, as runtime commands; nil when the pool is too small for it (grow,
    /// then `place` it and reload).
    public mutating func route(_ host: String, to addresses: [Address], mapFile: String) -> [String]? {
        var commands: [String] = []
        guard !addresses.isEmpty else {
            guard let b = backendOf[host] else { return [] }
            // Unknown first (new requests get the 404), then no server takes new connections.
            commands.append("del map \(mapFile) \(host)")
            for (n, used) in slots[b].enumerated() where used != nil {
                commands.append("set server \(Self.backendName(b))/s\(n) state maint")
                slots[b][n] = nil
            }
            backendOf[host] = nil
            return commands
        }
        let isNew = backendOf[host] == nil
        guard let b = backendOf[host] ?? slots.indices.first(where: { b in !backendOf.values.contains(b) }) else { return nil }
        let current = Set(slots[b].compactMap { $0 })
        let wanted = Set(addresses)
        let added = addresses.filter { !current.contains($0) }
        let free = slots[b].indices.filter { slots[b][$0] == nil }
        guard free.count >= added.count else { return nil }
        // New servers first, then the map, then the removed ones: the host always has a server.
        for (address, n) in zip(added, free) {
            let name = "\(Self.backendName(b))/s\(n)"
            commands.append("set server \(name) addr \(address.host) port \(address.port)")
            commands.append("set server \(name) state ready")
            slots[b][n] = address
        }
        if isNew {
            backendOf[host] = b
            commands.append("add map \(mapFile) \(host) \(Self.backendName(b))")
        }
        for (n, used) in slots[b].enumerated() {
            if let used, !wanted.contains(used) {
                commands.append("set server \(Self.backendName(b))/s\(n) state maint")
                slots[b][n] = nil
            }
        }
        return commands
    }

    /// Grows the pool until `host` with `addresses` fits, then places it (for a reload).
    public mutating func grow(toFit host: String, _ addresses: [Address], mapFile: String) {
        while true {
            var trial = self
            if trial.route(host, to: addresses, mapFile: mapFile) != nil {
                self = trial
                return
            }
            let hasBackend = backendOf[host] != nil || backendOf.count < backendCount
            if hasBackend {
                slotsPerBackend = max(slotsPerBackend * 2, addresses.count)
                slots = slots.map { $0 + Array(repeating: nil, count: slotsPerBackend - $0.count) }
            } else {
                let more = backendCount
                backendCount += more
                slots += Array(repeating: Array(repeating: nil, count: slotsPerBackend), count: more)
            }
        }
    }

    /// The map file: `host backend` per line.
    public var mapFileContents: String {
        backendOf.sorted { $0.key < $1.key }.map { "\($0.key) \(Self.backendName($0.value))\n" }.joined()
    }

    /// What the config is made from besides the layout.
    public struct Settings: Sendable {
        public var listen: String
        public var port: Int
        public var domain: String
        public var mapFile: String
        public var adminSocket: String
        /// How long a stopping HAProxy lets requests in flight finish (`hard-stop-after`).
        public var stopGrace: Duration

        public init(listen: String, port: Int, domain: String, mapFile: String, adminSocket: String, stopGrace: Duration) {
            self.listen = listen
            self.port = port
            self.domain = domain
            self.mapFile = mapFile
            self.adminSocket = adminSocket
            self.stopGrace = stopGrace
        }
    }

    /// haproxy.cfg for this layout: every server at its address, free slots disabled.
    public func config(_ settings: Settings) -> String {
        var lines = [
            "# Written by `pipette router`; changed at runtime through \(settings.adminSocket). Do not edit.",
            "global",
            "    stats socket \(settings.adminSocket) mode 600 level admin",
            "    hard-stop-after \(max(1, Int(settings.stopGrace.components.seconds)))s",
            "",
            "defaults",
            "    mode http",
            "    option forwardfor",
            "    timeout connect 2s",
            "    timeout client 60s",
            "    timeout server 60s",
            "    timeout http-keep-alive 10s",
            "    # A connection an instance refuses or drops unanswered goes to another instance.",
            "    option redispatch 1",
            "    retries 3",
            "    retry-on conn-failure empty-response",
            "",
            "frontend apps",
            "    bind \(settings.listen):\(settings.port)",
            "    http-request set-var(txn.app) req.hdr(host),field(1,:),lower,map(\(settings.mapFile))",
            "    http-request return status 404 content-type \"text/plain; charset=utf-8\" lf-string "
                + "\"no app is routed at %[req.hdr(host),field(1,:)]; apps are reached at APP.\(settings.domain):\(settings.port)\\n\" "
                + "if !{ var(txn.app) -m found }",
            "    use_backend %[var(txn.app)]",
        ]
        for b in 0..<backendCount {
            lines += ["", "backend \(Self.backendName(b))", "    balance roundrobin"]
            for (n, address) in slots[b].enumerated() {
                if let address {
                    lines.append("    server s\(n) \(address.host):\(address.port)")
                } else {
                    lines.append("    server s\(n) 0.0.0.0:0 disabled")
                }
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
