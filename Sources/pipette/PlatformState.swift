import Foundation
import NATS
import PipetteCore

/// What the platform runs now, as a client sees it: the cells' last heartbeats (through the
/// auctioneer) and the app instances they report.
enum PlatformState {
    /// How long a command waits for an auctioneer to answer when none is subscribed (one
    /// restarting, or a converger handing over) before it says none is running.
    static let auctioneerGrace: Duration = .seconds(5)

    /// Every cell the auctioneer knows, with its instances; while no auctioneer answers, asks
    /// again for up to `grace` (zero: once).
    static func cells(on connection: NATSConnection, waitingUpTo grace: Duration = auctioneerGrace) async throws -> [CellState] {
        let answer: NATSMessage
        do {
            answer = try await connection.request(
                Subjects.cells, timeout: .seconds(5), waitingForRespondersUpTo: grace,
                onWaiting: {
                    Output.status("==> no auctioneer is answering on \(Subjects.cells) yet; waiting up to "
                                  + "\(grace.components.seconds) s for one")
                }, payload: { [UInt8]() })
        } catch {
            if case .noResponders = error {
                throw CommandFailure("no auctioneer is answering on \(Subjects.cells); start one with `pipette auctioneer`")
            }
            throw error
        }
        return try Wire.decode([CellState].self, from: answer.payload)
    }

    /// The instances of `app` the cells report, by index then state (running first).
    static func instances(of app: String, on connection: NATSConnection,
                          waitingUpTo grace: Duration = auctioneerGrace) async throws -> [InstanceReport] {
        try await cells(on: connection, waitingUpTo: grace).flatMap(\.lrps).filter { $0.app == app }.sorted(by: Self.order)
    }

    /// The converger's last pass (crash backoffs, placement errors); nil when no converger answers.
    static func converger(on connection: NATSConnection) async -> ConvergerStatus? {
        guard let answer = try? await connection.request(Subjects.convergerStatus, [], timeout: .seconds(2)) else { return nil }
        return try? Wire.decode(ConvergerStatus.self, from: answer.payload)
    }

    /// The greeting of a `pipette router` (or a gorouter) answering `router.greet`, or nil when
    /// none answers.
    static func router(on connection: NATSConnection) async -> RouterStart? {
        guard let answer = try? await connection.request(RouterSubjects.greet, [], timeout: .seconds(1)) else { return nil }
        return (try? Wire.decode(RouterStart.self, from: answer.payload)) ?? RouterStart(
            id: "", hosts: [], minimumRegisterIntervalInSeconds: 0, pruneThresholdInSeconds: 0)
    }

    /// The app's URL through `router`: `$PIPETTE_ROUTER_URL` with `{app}` replaced, else where the
    /// router says it serves apps, else `http://APP.localhost:8080/` (the Procfile's router).
    static func routeURL(app: String, router: RouterStart?,
                         environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let template = environment["PIPETTE_ROUTER_URL"].flatMap({ $0.isEmpty ? nil : $0 }) {
            return template.replacingOccurrences(of: "{app}", with: app)
        }
        return router?.url(app: app) ?? "http://\(app).localhost:8080/"
    }

    static func order(_ a: InstanceReport, _ b: InstanceReport) -> Bool {
        (a.index, rank(a.state), a.since) < (b.index, rank(b.state), b.since)
    }

    private static func rank(_ state: InstanceReport.State) -> Int {
        switch state {
        case .running: 0
        case .starting: 1
        case .crashed: 2
        }
    }
}
