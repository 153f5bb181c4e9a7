@testable import Cell
import Foundation
import NATS
import PipetteCore
import Synchronization
import Testing
import TestSupport

/// The cell as its own route emitter (Diego's route-emitter in local mode), on a real cell
/// running real instances: router.register in gorouter's format when an instance runs, again
/// every interval a router asks for, router.unregister when it stops or the cell evacuates.
// In InstanceTests, which is serialized: cells in one test process run one at a time.
extension InstanceTests {
    @Test func runningInstancesAreRegisteredRefreshedAndWithdrawn() async throws {
        try await withCell { cell in
            let bus = try await RouterBus(cell.client)
            try await cell.start { $0.routeDomain = "apps.test" }
            #expect(try await until("the cell greets routers") { bus.greeted ? true : nil })

            let guid = "routed-\(UUID().uuidString.prefix(6))"
            let kept = "kept-\(UUID().uuidString.prefix(6))"
            #expect(try await cell.perform([
                cell.instance(guid, index: 0, command: InstanceTests.serveEnvironment),
                cell.instance(kept, index: 1, command: InstanceTests.serveEnvironment),
            ]).accepted == [guid, kept])
            let running = try await cell.report(guid) { $0.state == .running }
            let registered = try await until("router.register for \(guid)") { bus.registers(guid).first }
            #expect(registered.uris == ["web.apps.test"])
            #expect(registered.host == "127.0.0.1" && Int(registered.port) == running.port)
            #expect(registered.app == "guid-web" && registered.privateInstanceIndex == "0")
            #expect(registered.tags == ["component": "pipette", "app_name": "web", "instance_index": "0", "process_type": "web"])
            #expect(registered.tlsPort == 0 && registered.isValid && registered.endpointUpdatedAtNs > 0)

            // The greeting asked for a 1 s interval: the route is re-announced.
            _ = try await until("router.register again within the interval", within: .seconds(10)) {
                bus.registers(guid).count >= 3 ? true : nil
            }
            #expect(bus.unregisters(guid).isEmpty)

            try cell.stop([guid])
            let withdrawn = try await until("router.unregister for \(guid)") { bus.unregisters(guid).first }
            #expect(withdrawn.address == registered.address && withdrawn.privateInstanceID == guid)
            try await cell.forgotten(guid)

            // Evacuation (timeout 0 here) withdraws the instances still running.
            _ = try await until("router.register for \(kept)") { bus.registers(kept).first }
            await cell.stopCell()
            _ = try await until("the evacuating cell withdraws \(kept)") { bus.unregisters(kept).first }
            #expect(bus.unregisters(kept).count == 1)
        }
    }
}

/// Plays a router on the bus: answers router.greet with a 1 s register interval, records every
/// router.register and router.unregister.
final class RouterBus: Sendable {
    private let seen = Mutex<(greeted: Bool, messages: [(subject: String, registration: RouteRegistration)])>((false, []))

    init(_ client: NATSConnection) async throws {
        let greets = try client.subscribe(RouterSubjects.greet)
        let routes = try client.subscribe([RouterSubjects.register, RouterSubjects.unregister])
        try await client.flush()
        let reply = RouterStart(id: "0-test", hosts: ["127.0.0.1"], minimumRegisterIntervalInSeconds: 1, pruneThresholdInSeconds: 5)
        Thread { [self] in
            let done = DispatchSemaphore(value: 0)
            Task.detached {
                await withTaskGroup(of: Void.self) { group in
                    group.addTask {
                        for await message in greets {
                            self.seen.withLock { $0.greeted = true }
                            if let replyTo = message.replyTo { try? client.publish(replyTo, Wire.encode(reply)) }
                        }
                    }
                    group.addTask {
                        for await message in routes {
                            guard let registration = try? Wire.decode(RouteRegistration.self, from: message.payload) else { continue }
                            self.seen.withLock { $0.messages.append((message.subject, registration)) }
                        }
                    }
                }
                done.signal()
            }
            done.wait()
        }.start()
    }

    var greeted: Bool { seen.withLock { $0.greeted } }

    func registers(_ guid: String) -> [RouteRegistration] { messages(RouterSubjects.register, guid) }
    func unregisters(_ guid: String) -> [RouteRegistration] { messages(RouterSubjects.unregister, guid) }

    private func messages(_ subject: String, _ guid: String) -> [RouteRegistration] {
        seen.withLock { $0.messages.filter { $0.subject == subject && $0.registration.privateInstanceID == guid }.map(\.registration) }
    }
}
