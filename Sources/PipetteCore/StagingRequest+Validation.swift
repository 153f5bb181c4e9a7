extension StagingRequest {
    /// Checks every field against ``SubjectRules``, ``URLRules`` and ``StagingRequestLimits``;
    /// the error names the field and quotes at most a short, redacted part of the value.
    public func validate() throws(StagingRequestError) {
        typealias L = StagingRequestLimits
        func refuse(_ field: String, _ problem: String) -> StagingRequestError {
            StagingRequestError(reason: "\(field) \(problem)")
        }
        if appID.isEmpty { throw refuse("app_id", "must not be empty") }
        if appID.utf8.count > L.maxAppIDBytes { throw refuse("app_id", "is longer than \(L.maxAppIDBytes) bytes") }
        if let bad = appID.unicodeScalars.first(where: SubjectRules.isForbidden), bad != " " {
            throw refuse("app_id", "contains \(SubjectRules.describe(bad))")
        }
        if let taskID, let problem = SubjectRules.problem(inTaskID: taskID) { throw refuse("task_id", problem) }
        if let logSubject {
            if let problem = SubjectRules.problem(inSubject: logSubject) { throw refuse("log_subject", problem) }
            if Subjects.isPlatforms(logSubject) {
                throw refuse("log_subject", "names a subject the platform itself uses; choose another, e.g. logs.<task_id>")
            }
        }
        let urls: [(String, String?)] = [
            ("download_uri", downloadURI), ("upload_uri", uploadURI),
            ("buildpack_cache_download_uri", buildpackCacheDownloadURI),
            ("buildpack_cache_upload_uri", buildpackCacheUploadURI),
        ]
        for case let (field, url?) in urls {
            if let problem = URLRules.problem(in: url) { throw refuse(field, "\(problem), got \(Self.quote(url))") }
        }
        if let stack {
            if stack.isEmpty || stack.utf8.count > L.maxStackBytes
                || !stack.unicodeScalars.allSatisfy(SubjectRules.isTaskIDCharacter) {
                throw refuse("stack", "must be a stack name (letters, digits, '-'), got \(Self.quote(stack))")
            }
        }
        if let buildpacks {
            if buildpacks.count > L.maxBuildpacks { throw refuse("buildpacks", "lists more than \(L.maxBuildpacks) buildpacks") }
            for (index, name) in buildpacks.enumerated() {
                if name.isEmpty || name.utf8.count > L.maxBuildpackBytes
                    || name.unicodeScalars.contains(where: SubjectRules.isForbidden) || name.contains("/") && !name.contains("://") {
                    throw refuse("buildpacks[\(index)]", "must be a buildpack name, got \(Self.quote(name))")
                }
            }
        }
        if let startCommand {
            if startCommand.utf8.count > L.maxStartCommandBytes {
                throw refuse("start_command", "is longer than \(L.maxStartCommandBytes) bytes")
            }
            if startCommand.unicodeScalars.contains("\0") { throw refuse("start_command", "contains a NUL character") }
        }
        if let environment { try Self.validate(environment: environment) }
        if let resources = properties?.resources {
            let checks: [(String, Int?, Int, String)] = [
                ("memory", resources.memory, L.maxResourceMB, "MB"), ("disk", resources.disk, L.maxResourceMB, "MB"),
                ("fds", resources.fds, L.maxFDs, "file descriptors"),
            ]
            for case let (name, value?, limit, unit) in checks where value < 1 || value > limit {
                throw refuse("properties.resources.\(name)", "must be from 1 to \(limit) \(unit), got \(value)")
            }
        }
    }

    private static func validate(environment: [String: String]) throws(StagingRequestError) {
        typealias L = StagingRequestLimits
        if environment.count > L.maxEnvironmentEntries {
            throw StagingRequestError(reason: "environment has more than \(L.maxEnvironmentEntries) variables")
        }
        var total = 0
        for (name, value) in environment.sorted(by: { $0.key < $1.key }) {
            total += name.utf8.count + value.utf8.count
            let valid = name.first.map { $0 == "_" || ($0.isASCII && $0.isLetter) } == true
                && name.allSatisfy { $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }
            if !valid {
                throw StagingRequestError(reason: "environment variable name \(quote(name)) is not valid; "
                    + "use letters, digits and '_', not starting with a digit")
            }
            if value.unicodeScalars.contains("\0") {
                throw StagingRequestError(reason: "environment variable \(name) contains a NUL character")
            }
        }
        if total > L.maxEnvironmentBytes {
            throw StagingRequestError(reason: "environment is larger than \(L.maxEnvironmentBytes / 1024) KiB")
        }
    }

    /// A value as an error message quotes it: redacted, control characters escaped, shortened.
    public static func quote(_ value: String) -> String {
        let limit = StagingRequestLimits.quotedBytes
        var shown = ""
        for scalar in Redaction.redact(value).unicodeScalars {
            if shown.utf8.count >= limit { return "\"" + shown + "…\" (\(value.utf8.count) bytes)" }
            shown += SubjectRules.isForbidden(scalar) && scalar != " "
                ? "\\u{" + String(scalar.value, radix: 16) + "}" : String(scalar)
        }
        return "\"" + shown + "\""
    }
}
