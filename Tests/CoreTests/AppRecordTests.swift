import PipetteCore
import Testing

/// Releases: numbering, retention of droplets for rollback, and which release a rollback takes.
@Suite("App records")
struct AppRecordTests {
    func app(releases count: Int, keep: Int = 5) -> AppRecord {
        var app = AppRecord(name: "web", guid: "g", stack: "tiny-amd64")
        app.keepReleases = keep
        for n in 1...count {
            _ = app.append(AppRelease(number: 0, dropletKey: "droplets/web/\(n).tgz", dropletSHA256: "sha\(n)", dropletSize: 1,
                                      stack: "tiny-amd64", startCommand: "run", detectedBuildpack: "staticfile",
                                      taskID: "t\(n)", createdAt: Double(n), createdBy: "me@host"))
        }
        return app
    }

    @Test func releasesAreNumberedAndTheLastIsCurrent() {
        let web = app(releases: 3)
        #expect(web.releases.map(\.number) == [1, 2, 3] && web.currentRelease == 3 && web.current?.dropletSHA256 == "sha3")
    }

    @Test func retentionKeepsTheLastNAndTheCurrentOne() {
        var web = app(releases: 7, keep: 5)
        #expect(web.prune().map(\.number) == [1, 2])
        #expect(web.prune().isEmpty, "pruning twice removes nothing more")
        _ = web.append(web.releases[2])  // releases 8 and 9, then a rollback to 3
        _ = web.append(web.releases[2])
        web.currentRelease = 3
        let removed = web.prune().map(\.number)
        #expect(removed == [4] && !web.releases[2].pruned, "the current release keeps its droplet even when old: \(removed)")
    }

    @Test func theReleaseARolloutReplacesKeepsItsDroplet() {
        var web = app(releases: 3, keep: 1)
        #expect(web.prune(alsoKeeping: [2]).map(\.number) == [1], "release 2 still serves while 3 rolls out")
        #expect(web.prune().map(\.number) == [2], "later, it goes too")
    }

    @Test func rollbackGoesToTheNewestKeptReleaseBeforeTheCurrent() throws {
        var web = app(releases: 4, keep: 2)
        _ = web.prune()
        #expect(try web.rollbackTarget(nil).number == 3)
        #expect(try web.rollbackTarget(4 - 1).number == 3)
        #expect(throws: AppRecordError.self) { try web.rollbackTarget(1) }
        #expect((try? web.rollbackTarget(1)) == nil)
        do {
            _ = try web.rollbackTarget(1)
        } catch {
            #expect(error.description.contains("can no longer be rolled back to") && error.description.contains("last 2"))
        }
        #expect(throws: AppRecordError("release 4 of web is already current")) { try web.rollbackTarget(4) }
        #expect(throws: AppRecordError("web has no release 9; `pipette releases web` lists them")) { try web.rollbackTarget(9) }
        web.currentRelease = 3
        #expect(throws: AppRecordError("web has no kept release before 3 to roll back to")) { try web.rollbackTarget(nil) }
        #expect(throws: AppRecordError("web has no release yet; push it first")) {
            try AppRecord(name: "web", guid: "g", stack: "s").rollbackTarget(nil)
        }
    }

    @Test func recordsWrittenBeforeReleasesHadRetentionStillDecode() throws {
        let old = #"{"name":"web","guid":"g","stack":"s","instances":1,"memory_mb":1,"disk_mb":1,"health_check":"port","#
            + #""releases":[{"number":1,"droplet_key":"k","droplet_sha256":"x","droplet_size":1,"stack":"s","#
            + #""start_command":"c","detected_buildpack":"b","task_id":"t","created_at":1,"created_by":"u"}],"current_release":1}"#
        let app = try Wire.decode(AppRecord.self, from: Array(old.utf8))
        #expect(app.keepReleases == 5 && app.state == .started && app.releases.first?.pruned == false)
    }
}
