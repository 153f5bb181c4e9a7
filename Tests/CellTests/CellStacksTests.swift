@testable import Cell
import Foundation
import PipetteCore
import Staging
import Testing
import TestSupport

@Suite("Cell stacks and capacity")
struct CellStacksTests {
    let store = StackStore(directory: TestStacks.cache.appendingPathComponent("stacks"))

    @Test func aForeignArchWithoutBinfmtIsRefusedWithTheReason() throws {
        let checked = CellStacks(["tiny-amd64", "tiny-arm64", "tiny-riscv64"], store: store) { arch in
            arch == .arm64 ? "aarch64 programs cannot run here: enable qemu-aarch64 binfmt" : nil
        }
        #expect(checked.usable.map(\.stack.name) == ["tiny-amd64"])
        #expect(checked.advertised == [.init(name: "tiny-amd64", arch: .amd64)])
        #expect(checked.refused.map(\.name) == ["tiny-arm64", "tiny-riscv64"])
        #expect(checked.refused.first?.reason == "aarch64 programs cannot run here: enable qemu-aarch64 binfmt")
        #expect(checked.refused.last?.reason.hasPrefix("unknown stack tiny-riscv64; known stacks:") == true)
    }

    @Test func anUnbuiltStackIsRefusedNamingTheCommandThatBuildsIt() throws {
        let empty = try TemporaryDirectory("no-stacks")
        defer { empty.remove() }
        let checked = CellStacks(["tiny-amd64"], store: StackStore(directory: empty.url)) { _ in nil }
        #expect(checked.usable.isEmpty)
        #expect(checked.refused.first?.reason.contains("pipette stack build tiny-amd64") == true, "\(checked.refused)")
    }

    @Test func thisHostRunsBothArchsOnceSetUp() {
        // scripts/setup.sh enables qemu binfmt; both tiny stacks are built by it.
        let checked = CellStacks(["tiny-amd64", "tiny-arm64"], store: store)
        #expect(checked.usable.map(\.stack.arch) == [.amd64, .arm64], "\(checked.refused)")
    }

    static func task(_ id: String, memory: Int, disk: Int = 100, stack: String = "tiny-amd64") -> Work {
        TaskDefinition(taskID: id, appID: "app", stack: stack, memoryMB: memory, diskMB: disk, packageURL: "",
                       dropletUploadURL: "", buildpacks: [], timeoutSeconds: 1, eventsSubject: "e").work
    }

    @Test func theLedgerReservesInOrderWhileItFitsAndReleases() {
        let ledger = CapacityLedger(total: Resources(memoryMB: 1000, diskMB: 1000, containers: 2))
        let reply = ledger.reserve([Self.task("a", memory: 600), Self.task("b", memory: 600), Self.task("c", memory: 400),
                                    Self.task("d", memory: 1)], cellID: "c1") { _ in true }
        #expect(reply.accepted == ["a", "c"])
        #expect(reply.rejected.map(\.taskID) == ["b", "d"])
        #expect(reply.rejected.last?.reason.hasSuffix("free 0 MB, 800 MB, 0)") == true, "\(reply.rejected)")
        #expect(ledger.snapshot().available == Resources(memoryMB: 0, diskMB: 800, containers: 0))
        ledger.release("a")
        #expect(ledger.snapshot().tasks == 1)
        #expect(ledger.reserve([Self.task("c", memory: 1)], cellID: "c1") { _ in true }.rejected.first?.reason
            == "task c is already on cell c1")
    }

    @Test func tasksAndInstancesShareTheLedgerAndOnlyTasksCountAsTasks() {
        let ledger = CapacityLedger(total: Resources(memoryMB: 1000, diskMB: 1000, containers: 2))
        let instance = InstanceDefinition(instanceGUID: "g1", app: "web", appGUID: "a", index: 0, release: 1, stack: "tiny-amd64",
                                          dropletURL: "", dropletSHA256: "", dropletSize: 0, startCommand: "", memoryMB: 700, diskMB: 10)
        let reply = ledger.reserve([instance.work, Self.task("t", memory: 400), instance.work], cellID: "c1") { _ in true }
        #expect(reply.accepted == ["g1"])
        #expect(reply.rejected.map(\.reason).first?.hasPrefix("cell c1 has no room") == true)
        #expect(reply.rejected.last?.reason == "instance g1 is already on cell c1")
        #expect(ledger.snapshot().tasks == 0)
        #expect(!ledger.hasTasks)
    }

    @Test func anEvacuatingLedgerTakesNothing() {
        let ledger = CapacityLedger(total: Resources(memoryMB: 1000, diskMB: 1000, containers: 2))
        #expect(ledger.evacuate())
        #expect(!ledger.evacuate(), "evacuating twice is a no-op")
        let reply = ledger.reserve([Self.task("a", memory: 1)], cellID: "c1") { _ in true }
        #expect(reply.rejected.first?.reason == "cell c1 is evacuating")
        #expect(ledger.snapshot().evacuating)
    }
}
