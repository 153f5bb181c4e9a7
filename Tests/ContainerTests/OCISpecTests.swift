import Foundation
import PipetteCore
import Testing
@testable import Container

/// runc's `config.json` is written by hand (`JSONText`); it must say what `JSONEncoder` would.
@Suite("config.json written by hand")
struct OCISpecTests {
    /// Both texts parsed back, so the comparison ignores key order and spacing.
    private func parsed(_ text: Data) throws -> NSDictionary {
        try #require(try JSONSerialization.jsonObject(with: text) as? NSDictionary)
    }

    private func expectSameAsJSONEncoder(_ spec: ContainerSpec) throws {
        let oci = spec.ociSpec()
        let byHand = Data(oci.json.utf8)
        let reference = try JSONEncoder().encode(oci)
        #expect(try parsed(byHand) == parsed(reference), "\(oci.json)")
    }

    @Test func theDefaultSpecIsWrittenAsJSONEncoderWouldWriteIt() throws {
        try expectSameAsJSONEncoder(ContainerSpec(rootfs: "/stacks/tiny/rootfs", arch: .amd64, args: ["/bin/true"]))
    }

    /// Every optional member both present and absent, and strings that need escaping.
    @Test func optionalMembersAndEscapedStrings() throws {
        var spec = ContainerSpec(rootfs: "/r o/\"quoted\"", arch: .arm64,
                                 args: ["/bin/sh", "-c", "echo \"hi\" \\ there\n\ttab\r\u{1}\u{1f}\u{7f} é 🍓 </script>"])
        spec.environment = ["QUOTE": "a\"b", "BACKSLASH": "c:\\d", "NEWLINE": "x\ny", "EMPTY": ""]
        spec.binds = [.init("/host/a", at: "/tmp/a", readOnly: true), .init("/host/b", at: "/tmp/b", readOnly: false)]
        spec.memoryLimitBytes = nil
        spec.networkNamespacePath = "/var/run/netns/pipette-1"
        spec.cgroupsPath = "/pipette/cell/instance/app"
        spec.openFilesLimit = UInt64.max
        spec.pidsLimit = Int64.max
        try expectSameAsJSONEncoder(spec)
        spec.networkNamespacePath = nil
        spec.hostNetwork = false
        spec.cgroupsPath = nil
        spec.memoryLimitBytes = 1 << 40
        try expectSameAsJSONEncoder(spec)
    }
}
