import Foundation
import PipetteCore
import Testing

/// Every field of a staging request is checked before it reaches a socket, a subject, a file or
/// an environment (issue 9, findings 0, 9 and 11): each case names the field.
@Suite("Staging request validation")
struct RequestValidationTests {
    static func decode(_ object: [String: Any]) -> String? {
        do {
            _ = try StagingRequest.decode(Array(try JSONSerialization.data(withJSONObject: object)))
            return nil
        } catch {
            return "\(error)"
        }
    }

    static func request(_ change: (inout [String: Any]) -> Void) -> [String: Any] {
        var request: [String: Any] = ["app_id": "app", "download_uri": "http://127.0.0.1:9292/download_unstaged_app/app"]
        change(&request)
        return request
    }

    @Test func theSeedsRequestPasses() {
        #expect(Self.decode(Self.request { $0["upload_uri"] = "http://127.0.0.1:9292/upload_droplet/app/x"
            $0["task_id"] = "2f6a-01:b_c"
            $0["log_subject"] = "logs.app.1"
            $0["properties"] = ["resources": ["memory": 256, "disk": 256, "fds": 1024]]
            $0["environment"] = ["RACK_ENV": "production", "_X1": ""]
        }) == nil)
    }

    @Test(arguments: [
        ("http://127.0.0.1:65536/", "download_uri has port 65536, outside 1–65535"),
        ("http://[::1]:99999/", "download_uri has port 99999, outside 1–65535"),
        ("http://127.0.0.1:0/x", "download_uri has port 0, outside 1–65535"),
        ("http://127.0.0.1:/x", "download_uri has an invalid port"),
        ("ftp://127.0.0.1/x", "download_uri must be an http or https URL"),
        ("file:///etc/passwd", "download_uri must be an http or https URL"),
        ("http:///nohost", "download_uri has no host"),
        ("http://127.0.0.1/a b", "download_uri contains a space"),
        ("http://127.0.0.1/a\r\nHost: x", "download_uri contains a carriage return"),
        ("http://" + String(repeating: "a", count: 5000), "download_uri is longer than 4096 characters"),
    ])
    func badDownloadURIs(uri: String, expected: String) {
        let error = Self.decode(Self.request { $0["download_uri"] = uri })
        #expect(error?.hasPrefix("Malformed staging request: " + expected) == true, "\(error ?? "accepted")")
    }

    @Test func everyURLFieldIsChecked() {
        for field in ["upload_uri", "buildpack_cache_download_uri", "buildpack_cache_upload_uri"] {
            let error = Self.decode(Self.request { $0[field] = "http://127.0.0.1:70000/" })
            #expect(error?.contains("\(field) has port 70000") == true, "\(field): \(error ?? "accepted")")
        }
    }

    @Test(arguments: [
        (String(repeating: "t", count: 4096), "task_id is longer than 128 characters"),
        ("a\r\nPUB evil 2\r\nhi", "task_id contains a carriage return"),
        ("a b", "task_id contains a space"),
        ("a\tb", "task_id contains a tab"),
        ("a.b", "task_id contains '.'"),
        ("a*", "task_id contains '*'"),
        ("a/b", "task_id contains '/'"),
        ("", "task_id is empty"),
    ])
    func badTaskIDs(id: String, expected: String) {
        let error = Self.decode(Self.request { $0["task_id"] = id })
        #expect(error?.hasPrefix("Malformed staging request: " + expected) == true, "\(error ?? "accepted")")
    }

    @Test(arguments: [
        (String(repeating: "s", count: 4096), "log_subject is longer than 256 bytes"),
        ("logs.a\r\nPUB x 1", "log_subject contains a carriage return"),
        ("logs a", "log_subject contains a space"),
        ("logs\ta", "log_subject contains a tab"),
        ("logs.*", "log_subject contains a wildcard"),
        ("logs.>", "log_subject contains a wildcard"),
        ("logs..a", "log_subject has an empty token"),
        (".logs", "log_subject has an empty token"),
        ("pipette.cell.heartbeat", "log_subject names a subject the platform itself uses"),
        ("staging", "log_subject names a subject the platform itself uses"),
        ("router.register", "log_subject names a subject the platform itself uses"),
        ("$KV.pipette_apps.web", "log_subject names a subject the platform itself uses"),
        ("_INBOX.cell.x", "log_subject names a subject the platform itself uses"),
    ])
    func badLogSubjects(subject: String, expected: String) {
        let error = Self.decode(Self.request { $0["log_subject"] = subject })
        #expect(error?.hasPrefix("Malformed staging request: " + expected) == true, "\(error ?? "accepted")")
    }

    @Test func wrongValuesNameTheField() {
        let cases: [([String: Any], String)] = [
            (["memory": -1], "properties.resources.memory must be from 1 to 1048576 MB, got -1"),
            (["memory": 0], "properties.resources.memory must be from 1 to 1048576 MB, got 0"),
            (["disk": 0], "properties.resources.disk must be from 1 to 1048576 MB, got 0"),
            (["fds": -5], "properties.resources.fds must be from 1 to 1048576 file descriptors, got -5"),
            (["memory": "lots"], "field properties.resources.memory must be a number"),
        ]
        for (resources, expected) in cases {
            let error = Self.decode(Self.request { $0["properties"] = ["resources": resources] })
            #expect(error == "Malformed staging request: " + expected, "\(error ?? "accepted")")
        }
        #expect(Self.decode(Self.request { $0["environment"] = "A=1" })
            == "Malformed staging request: field environment must be an object of strings")
        #expect(Self.decode(Self.request { $0["environment"] = ["A": 1] })?
            .hasPrefix("Malformed staging request: field environment.A must be a string") == true)
        #expect(Self.decode(Self.request { $0["environment"] = ["A B": "x"] })?
            .contains("environment variable name \"A B\" is not valid") == true)
        #expect(Self.decode(Self.request { $0["environment"] = ["1A": "x"] })?.contains("is not valid") == true)
        #expect(Self.decode(Self.request { $0["environment"] = ["A": "x\u{0}y"] })?.contains("contains a NUL") == true)
        let huge = Dictionary(uniqueKeysWithValues: (0..<1001).map { ("V\($0)", "x") })
        #expect(Self.decode(Self.request { $0["environment"] = huge })?.contains("more than 1000 variables") == true)
        #expect(Self.decode(Self.request { $0["environment"] = ["BIG": String(repeating: "x", count: 200_000)] })?
            .contains("larger than 128 KiB") == true)
        #expect(Self.decode(Self.request { $0["stack"] = "../../etc" })?.contains("stack must be a stack name") == true)
        #expect(Self.decode(Self.request { $0["buildpacks"] = ["ok", ""] })?.contains("buildpacks[1] must be a buildpack name") == true)
        #expect(Self.decode(Self.request { $0["app_id"] = "a\nb" })?.contains("app_id contains a line feed") == true)
    }

    @Test func errorsQuoteLittleAndNoSecret() {
        let long = "ftp://x/" + String(repeating: "y", count: 3000) + "?signature=abc"
        let error = Self.decode(Self.request { $0["download_uri"] = long }) ?? ""
        #expect(error.utf8.count < 250, "a refused value is quoted short: \(error)")
        #expect(error.contains("(3022 bytes)"))
        let signed = Self.decode(Self.request { $0["download_uri"] = "ftp://h/x?expires=1&signature=deadbeef" }) ?? ""
        #expect(!signed.contains("deadbeef") && signed.contains("signature=REDACTED"), "\(signed)")
    }

    @Test func anInvalidTaskIDIsNotEchoed() {
        let payload = Array(#"{"task_id": "a\r\nPUB x 1", "app_id": 5}"#.utf8)
        #expect(StagingRequest.taskID(in: payload) == nil)
        #expect(StagingRequest.taskID(in: Array(#"{"task_id": "ok-1"}"#.utf8)) == "ok-1")
    }
}

@Suite("Redaction")
struct RedactionTests {
    @Test func signaturesAndPasswordsAreMasked() {
        let cases = [
            ("PUT http://b:8081/blobs/d/x.tgz?expires=17&signature=0a1b2c failed",
             "PUT http://b:8081/blobs/d/x.tgz?expires=17&signature=REDACTED failed"),
            ("nats://stager:s3cret@127.0.0.1:4222", "nats://stager:REDACTED@127.0.0.1:4222"),
            ("https://s3/x?X-Amz-Credential=AK%2F1&X-Amz-Signature=ff&a=1",
             "https://s3/x?X-Amz-Credential=REDACTED&X-Amz-Signature=REDACTED&a=1"),
            ("cannot reach http://h/x?token=t0k (refused)", "cannot reach http://h/x?token=REDACTED (refused)"),
            ("no secrets here: a=b, user@example", "no secrets here: a=b, user@example"),
            // A sentence's colon after the URL stays (masking twice once swallowed it).
            ("HTTP 507 from http://h/x?signature=ab12: No space left", "HTTP 507 from http://h/x?signature=REDACTED: No space left"),
            ("HTTP 507 from http://h/x?signature=REDACTED: No space", "HTTP 507 from http://h/x?signature=REDACTED: No space"),
        ]
        for (text, expected) in cases { #expect(Redaction.redact(text) == expected) }
    }

    @Test func workspacePathsAreNotShown() {
        #expect(Redaction.scrubWorkspaces("cannot write /tmp/pipette-stage-0a1b2c3d4e5f6a7b/app/x: No space left")
            == "cannot write <workspace>/app/x: No space left")
        #expect(Redaction.scrubWorkspaces("cannot read /var/tmp/pipette-cell-amd64-1/task-00ff/package.zip")
            == "cannot read <workspace>/package.zip")
        #expect(Redaction.scrubWorkspaces("/usr/bin/runc failed") == "/usr/bin/runc failed")
    }
}

@Suite("Reply size")
struct ReplyFittingTests {
    @Test func aLongLogIsCutInTheMiddleToFit() throws {
        var reply = StagingReply(taskID: "t", taskLog: "", error: "boom")
        reply.taskLog = (0..<20_000).map { "line \($0) " + String(repeating: "x", count: 80) + "\n" }.joined()
        let data = reply.encoded(fitting: 64 * 1024)
        #expect(data.count <= 64 * 1024)
        let fitted = try JSONDecoder().decode(StagingReply.self, from: Data(data))
        #expect(fitted.taskLog.hasPrefix("line 0 ") && fitted.taskLog.contains("\nline 2 "), "the first lines stay")
        #expect(fitted.taskLog.hasSuffix("line 19999 " + String(repeating: "x", count: 80) + "\n"), "the last lines stay")
        #expect(fitted.taskLog.contains("lines cut so the reply fits in one NATS message"))
        #expect(fitted.error == "boom")
        let small = StagingReply(taskID: "t", taskLog: "one\n")
        #expect(small.fitted(to: 1 << 20) == small)
    }
}
