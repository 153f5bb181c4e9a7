@testable import Cell
import Foundation
import PipetteCore
import Testing
import TestSupport

/// App instances on a real cell: runc, CNI networking, health checks, crashes, stops, clean-up.
@Suite("Cell runs app instances", .serialized)
struct InstanceTests {
    /// Serves the app's environment at /env.txt with busybox httpd on $PORT.
    static let serveEnvironment =
        "mkdir -p $TMPDIR/www && env > $TMPDIR/www/env.txt && exec httpd -f -p $PORT -h $TMPDIR/www"

    @Test func instancesRunAnswerSeeTheirEnvironmentAndStop() async throws {
        try await withCell { cell in
            try await cell.start()
            let guids = ["env-0-\(UUID().uuidString.prefix(6))", "env-1-\(UUID().uuidString.prefix(6))", "own-\(UUID().uuidString.prefix(6))"]
            let reply = try await cell.perform([
                cell.instance(guids[0], index: 0, command: Self.serveEnvironment),
                cell.instance(guids[1], index: 1, command: Self.serveEnvironment),
                cell.instance(guids[2], app: "site", index: 0, command: "", health: .http(path: "/")),
            ])
            #expect(reply.accepted == guids, "\(reply.rejected)")
            var reports: [InstanceReport] = []
            for guid in guids { reports.append(try await cell.report(guid) { $0.state == .running }) }
            let ports = reports.compactMap(\.port)
            #expect(Set(ports).count == 3, "each instance has its own host port: \(ports)")
            #expect(reports.allSatisfy { $0.host == "127.0.0.1" && $0.cellID == cell.id })
            #expect(cell.files.requests("droplet.tgz") == 1, "the droplet is downloaded once")
            #expect(cell.state?.instances == ["web": 2, "site": 1])

            var internalIPs: [String] = []
            for (index, port) in ports.prefix(2).enumerated() {
                let env = try #require(try await fetch("http://127.0.0.1:\(port)/env.txt"))
                let vars = Dictionary(env.split(separator: "\n").compactMap { line -> (String, String)? in
                    guard let eq = line.firstIndex(of: "=") else { return nil }
                    return (String(line[..<eq]), String(line[line.index(after: eq)...]))
                }) { first, _ in first }
                #expect(vars["PORT"] == "8080")
                // The cell sets HOME=/home/vcap; the launcher, as Cloud Foundry's, moves it to the app.
                #expect(vars["HOME"] == "/home/vcap/app")
                #expect(vars["TMPDIR"] == "/home/vcap/tmp")
                #expect(vars["INSTANCE_INDEX"] == String(index))
                #expect(vars["CF_INSTANCE_GUID"] == guids[index])
                #expect(vars["CF_INSTANCE_ADDR"] == "127.0.0.1:\(port)")
                #expect(vars["CF_STACK"] == "tiny-amd64")
                #expect(vars["GREETING"] == "hello")
                let vcap = try #require(vars["VCAP_APPLICATION"])
                let application = try JSONSerialization.jsonObject(with: Data(vcap.utf8)) as? [String: Any]
                #expect(application?["instance_index"] as? Int == index)
                #expect(application?["application_name"] as? String == "web")
                #expect(application?["space_name"] as? String == "pipette")
                let ip = try #require(vars["CF_INSTANCE_INTERNAL_IP"])
                #expect(ip.hasPrefix("198.19."), "\(ip)")
                internalIPs.append(ip)
            }
            #expect(Set(internalIPs).count == 2, "each instance has its own address: \(internalIPs)")
            #expect(try await fetch("http://127.0.0.1:\(ports[2])/") != nil, "the droplet's own start command serves the app")
            #expect(cell.logLines(app: "web").contains { $0.hasPrefix("Cell \(cell.id) starting instance 0") })
            #expect(cell.logLines(app: "web").contains { $0.hasPrefix("Instance 1 is running (health check passed after") })
            #expect(cell.changes(of: guids[0]).map(\.state).contains(.running))

            try cell.stop(guids)
            for guid in guids { try await cell.forgotten(guid) }
            #expect(try await cell.containers().isEmpty, "runc no longer lists the cell's containers")
            for port in ports {
                #expect(!FileManager.default.fileExists(atPath: "/run/pipette/ports/\(port)"), "port \(port) is freed")
                #expect(try await fetch("http://127.0.0.1:\(port)/") == nil)
            }
            #expect(cell.state?.available == cell.config.capacity)
        }
    }

    @Test func crashesSayWhyAndRejectionsSayWhy() async throws {
        try await withCell { cell in
            try await cell.start()
            let exits = "exits-\(UUID().uuidString.prefix(6))"
            let silent = "silent-\(UUID().uuidString.prefix(6))"
            let hungry = "hungry-\(UUID().uuidString.prefix(6))"
            let damaged = "damaged-\(UUID().uuidString.prefix(6))"
            let foreign = "foreign-\(UUID().uuidString.prefix(6))"
            let fading = "fading-\(UUID().uuidString.prefix(6))"
            let reply = try await cell.perform([
                cell.instance(exits, index: 0, command: "echo about to fail; exit 3"),
                cell.instance(silent, index: 1, command: "exec sleep 600", startTimeout: 2),
                cell.instance(hungry, index: 2, command: "head -c 300000000 /dev/zero > /tmp/fill", memoryMB: 32),
                cell.instance(damaged, index: 3, command: "exec sleep 600", sha256: String(repeating: "0", count: 64)),
                cell.instance(foreign, index: 4, command: "true", stack: "tiny-riscv64"),
                // Listens for 3 s, then not any more: the liveness check (every 2 s here) notices.
                cell.instance(fading, index: 5, command: "timeout 3 httpd -f -p $PORT -h /tmp; exec sleep 600"),
            ])
            #expect(reply.accepted == [exits, silent, hungry, damaged, fading])
            #expect(reply.rejected == [.init(taskID: foreign, reason: "cell \(cell.id) does not have stack tiny-riscv64")])

            let exited = try await cell.report(exits) { $0.state == .crashed }
            #expect(exited.lastCrashReason == "exit status 3")
            #expect(exited.crashCount == 1)
            #expect(exited.port == nil)
            let unhealthy = try await cell.report(silent) { $0.state == .crashed }
            #expect(unhealthy.lastCrashReason?.hasPrefix("health check failed: ") == true, "\(unhealthy)")
            #expect(unhealthy.lastCrashReason?.contains("Timed out after") == true, "\(unhealthy)")
            let oom = try await cell.report(hungry) { $0.state == .crashed }
            #expect(oom.lastCrashReason == "killed: out of memory")
            let bad = try await cell.report(damaged) { $0.state == .crashed }
            #expect(bad.lastCrashReason?.contains("sha256") == true, "\(bad)")
            #expect(bad.lastCrashReason?.contains("restage the app") == true, "\(bad)")
            try await cell.report(fading) { $0.state == .running }
            let dead = try await cell.report(fading) { $0.state == .crashed }
            #expect(dead.lastCrashReason?.hasPrefix("health check failed: Liveness check unsuccessful: ") == true, "\(dead)")
            #expect(cell.logLines(app: "web").contains("about to fail"))
            #expect(cell.logLines(app: "web").contains("Instance 0 crashed: exit status 3"))
            #expect(cell.changes(of: exits).last?.state == .crashed)

            #expect(try await cell.containers().isEmpty, "crashed instances hold no container")
            _ = try await until("the crashed instances hold no capacity") { cell.state?.available == cell.config.capacity ? true : nil }
            #expect(cell.state?.instances.isEmpty == true, "crashed instances are not counted")
            try cell.stop([exits, silent, hungry, damaged, fading], reason: "forget them")
            for guid in [exits, silent, hungry, damaged, fading] { try await cell.forgotten(guid) }
        }
    }

    @Test func aRestartedCellRemovesWhatAKilledRunLeft() async throws {
        try await withCell { cell in
            let abandoned = try ServiceProcess(["cell", "--id", cell.id, "--stacks", "tiny-amd64", "--nats", cell.nats.url,
                                                "--workspace-dir", cell.workspace.path, "--heartbeat-ms", "200"])
            defer { abandoned.stop() }
            _ = try await until("the first run heartbeats", within: .seconds(30)) { cell.state }
            let guid = "left-\(UUID().uuidString.prefix(6))"
            #expect(try await cell.perform([cell.instance(guid, command: InstanceTests.serveEnvironment)]).accepted == [guid])
            let running = try await cell.report(guid) { $0.state == .running }
            let port = try #require(running.port)
            abandoned.signal(SIGKILL)
            _ = await abandoned.exitStatus(within: .seconds(10))
            #expect(try await cell.containers().count == 1, "the killed run left its container")
            #expect(FileManager.default.fileExists(atPath: "/run/pipette/ports/\(port)"))

            try await cell.start()
            _ = try await until("the next heartbeat has no instances") { cell.state?.lrps.isEmpty == true ? true : nil }
            #expect(try await cell.containers().isEmpty, "the restarted cell removed the leftover container")
            #expect(!FileManager.default.fileExists(atPath: "/run/pipette/ports/\(port)"), "and its port lock")
            #expect(try await fetch("http://127.0.0.1:\(port)/env.txt") == nil)
            let folders = try FileManager.default.contentsOfDirectory(atPath: cell.workspace.file("pipette-cell-\(cell.id)/instances").path)
            #expect(folders.isEmpty)
        }
    }

    @Test func anEvacuatingCellKeepsItsInstancesUntilTheyAreStopped() async throws {
        try await withCell { cell in
            try await cell.start { $0.evacuationTimeout = .seconds(60) }
            let guid = "evac-\(UUID().uuidString.prefix(6))"
            #expect(try await cell.perform([cell.instance(guid, command: InstanceTests.serveEnvironment)]).accepted == [guid])
            let running = try await cell.report(guid) { $0.state == .running }
            async let stopped: Void = cell.stopCell()
            _ = try await until("the cell heartbeats evacuating with its instance") {
                cell.state.map { $0.evacuating && $0.lrps.contains { $0.instanceGUID == guid && $0.state == .running } ? true : nil } ?? nil
            }
            #expect(try await fetch("http://127.0.0.1:\(try #require(running.port))/env.txt") != nil, "still serving while evacuating")
            #expect(!cell.hasSaidGoodbye)
            let refused = try await cell.perform([cell.instance("late-\(guid)", command: "true")])
            #expect(refused.rejected.first?.reason == "cell \(cell.id) is evacuating")
            try cell.stop([guid], reason: "replaced elsewhere")
            await stopped
            _ = try await until("the cell says it is gone") { cell.hasSaidGoodbye ? true : nil }
            #expect(try await cell.containers().isEmpty)
        }
    }

    /// foreman stops a whole Procfile at once: with nats-server gone no converger can replace
    /// the instances, so the cell stops them without waiting out its evacuation timeout (it used
    /// to wait, and foreman then killed it mid-stop, leaving its network namespaces behind).
    @Test func anEvacuatingCellWhoseNATSServerIsGoneStopsItsInstancesWithoutWaiting() async throws {
        try await withCell { cell in
            try await cell.start { $0.evacuationTimeout = .seconds(600) }
            let guid = "gone-\(UUID().uuidString.prefix(6))"
            #expect(try await cell.perform([cell.instance(guid, command: InstanceTests.serveEnvironment)]).accepted == [guid])
            _ = try await cell.report(guid) { $0.state == .running }
            cell.nats.stop()
            let stopped = Task { await cell.stopCell() }
            // Well inside the 600 s timeout; the test's own limit ends it if the cell waits.
            let ended = try await until("the cell stops its instance and ends", within: .seconds(120)) {
                try await cell.containers().isEmpty ? true : nil
            }
            #expect(ended)
            await stopped.value
        }
    }
}
