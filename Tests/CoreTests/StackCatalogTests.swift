import PipetteCore
import Testing

@Suite("Stack catalog")
struct StackCatalogTests {
    @Test func knowsTheFourStacksAndTheirArchs() throws {
        let catalog = StackCatalog.standard
        #expect(catalog.names == ["tiny-amd64", "tiny-arm64", "bookworm-amd64", "bookworm-arm64"])
        #expect(try catalog.stack(named: "bookworm-arm64").arch == .arm64)
        #expect(try catalog.stack(named: "tiny-amd64").arch.machine == "x86_64")
    }

    @Test func anUnknownStackListsTheKnownOnesAndHowToBuild() {
        #expect(throws: StackError.unknown(name: "cflinuxfs4", known: StackCatalog.standard.names)) {
            try StackCatalog.standard.stack(named: "cflinuxfs4")
        }
        let message = StackError.unknown(name: "x", known: ["a", "b"]).description
        #expect(message == "unknown stack x; known stacks: a, b (build one with `pipette stack build NAME`)")
        #expect(StackError.notBuilt(name: "tiny-arm64").description.contains("pipette stack build tiny-arm64"))
    }

    @Test func archSpellings() {
        #expect(Arch(machine: "aarch64") == .arm64)
        #expect(Arch(machine: "x86_64") == .amd64)
        #expect(Arch(machine: "riscv64") == nil)
    }
}
