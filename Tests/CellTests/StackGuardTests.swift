@testable import Cell
import Foundation
import PipetteCore
import Testing
import TestSupport

/// The cell's launch-time stack check (cloud_controller_ng#3239): a droplet whose
/// staging_info.yml names another stack than the instance's never starts.
// In InstanceTests, which is serialized: cells in one test process run one at a time.
extension InstanceTests {
    @Test func aDropletStagedForAnotherStackCrashesWithTheReason() async throws {
        try await withCell { cell in
            try await cell.start()
            // The static droplet, its staging_info.yml saying it was staged on tiny-arm64.
            let work = try TemporaryDirectory("arm-droplet")
            defer { work.remove() }
            let tree = work.file("tree")
            try FileManager.default.createDirectory(at: tree, withIntermediateDirectories: true)
            #expect(try await shell("/usr/bin/tar", ["-xzf", cell.droplet.file.path, "-C", tree.path]).status == 0)
            let infoFile = tree.appendingPathComponent("staging_info.yml")
            var info = try JSONDecoder().decode(StagingInfo.self, from: Data(contentsOf: infoFile))
            info.stack = "tiny-arm64"
            try JSONEncoder().encode(info).write(to: infoFile)
            let droplet = work.file("arm.tgz")
            #expect(try await shell("/usr/bin/tar", ["-czf", droplet.path, "-C", tree.path, "."]).status == 0)
            let sha256 = String(try await shell("/usr/bin/sha256sum", [droplet.path]).output.prefix(64))
            let size = try #require(try FileManager.default.attributesOfItem(atPath: droplet.path)[.size] as? Int)

            let guid = "wrong-stack-\(UUID().uuidString.prefix(6))"
            var instance = cell.instance(guid, command: InstanceTests.serveEnvironment)
            instance.dropletURL = cell.files.serve(droplet, as: "arm.tgz")
            instance.dropletSHA256 = sha256
            instance.dropletSize = Int64(size)
            #expect(try await cell.perform([instance]).accepted == [guid])
            let crashed = try await cell.report(guid) { $0.state == .crashed }
            let reason = try #require(crashed.lastCrashReason)
            #expect(reason.contains("the droplet was staged for stack tiny-arm64"), "\(reason)")
            #expect(reason.contains("restage the app for tiny-amd64"), "\(reason)")
            #expect(try await cell.containers().isEmpty, "no container was started")
            try cell.stop([guid])
            try await cell.forgotten(guid)
        }
    }
}
