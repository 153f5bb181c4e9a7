import Foundation
import PipetteCore
import Testing
import TestSupport

/// The converger's path with an S3 bucket as the blobstore: `pipette push` stores the package in
/// the bucket, the stager the droplet, the converger hands the cell a presigned droplet URL (the
/// cell process has no key of the store) and the app answers; `pipette delete` removes the release's
/// droplet and package from the bucket.
@Suite("Apps from an S3 blobstore", .serialized)
struct S3AppTests {
    static let cell = "s3-app-\(UUID().uuidString.prefix(6).lowercased())"

    @Test func aPushedAppRunsFromItsS3DropletAndDeleteRemovesItsBlobs() async throws {
        let server = try await S3Server.shared()
        let bucket = try await server.makeBucket("apps")
        let platform = try await AppPlatform(cells: [AppPlatform.CellSpec(id: Self.cell, zone: "z1", stacks: ["tiny-amd64"])],
                                             s3: (server, bucket))
        do {
            try await scenario(platform, server: server, bucket: bucket)
        } catch {
            await platform.stop()
            throw error
        }
        await platform.stop()
    }

    private func scenario(_ platform: AppPlatform, server: S3Server, bucket: String) async throws {
        let push = try await platform.pipette("push", "apps/static", "--name", "s3web")
        #expect(push.status == 0, "\(push.output)\n\(platform.logs)")
        let url = try #require(push.output.split(separator: "\n").first { $0.hasPrefix("s3web/0: http://") }
            .map { String($0.dropFirst("s3web/0: ".count)) }, "push prints the instance's URL: \(push.output)")
        let page = try await httpGet(url, attempts: 20)
        #expect(page?.contains("Hello") == true, "the instance answers at \(url): \(page ?? "nothing")")

        let record = try #require(try await platform.record("s3web"))
        let release = try #require(record.current)
        let keys = try await server.keys(in: bucket)
        #expect(keys.contains(release.dropletKey) && release.dropletKey.hasPrefix("droplets/s3web/"), "\(keys)")
        #expect(keys.contains(try #require(release.packageKey)), "\(keys)")

        let cell = try #require(platform.process(Self.cell))
        let environment = (try? String(contentsOfFile: "/proc/\(cell.pid)/environ", encoding: .utf8)) ?? ""
        #expect(!environment.contains(server.secretAccessKey), "the cell process holds no key of the store")
        #expect(!cell.log.contains(server.secretAccessKey))

        let delete = try await platform.pipette("delete", "s3web")
        #expect(delete.status == 0, "\(delete.output)")
        // The stager's own copy of the package (`packages/s3web/<its attempt>.zip`) is not a
        // release's and stays, as it does in Pipette's blobstore.
        let left = try await server.keys(in: bucket)
        #expect(!left.contains(release.dropletKey) && !left.contains(release.packageKey ?? ""), "\(left)")
        #expect(!left.contains { $0.hasPrefix("droplets/") }, "delete removed the droplet from the bucket: \(left)")
    }
}
