extension StagingRequest {
    /// The request as `JSONEncoder` writes it (its members possibly in another order, nil ones
    /// left out), written by hand: `pipette stage` sends one per staging, and `JSONEncoder` would
    /// cost it three conformance scans (`JSONText` says why). `StagingRequestTextTests` compares
    /// the two.
    public var jsonText: String {
        JSONText.object(
            ("app_id", JSONText.string(appID)),
            ("download_uri", JSONText.string(downloadURI)),
            ("upload_uri", uploadURI.map { JSONText.string($0) }),
            ("properties", properties.map { $0.jsonText }),
            ("task_id", taskID.map { JSONText.string($0) }),
            ("stack", stack.map { JSONText.string($0) }),
            ("buildpacks", buildpacks.map { JSONText.strings($0) }),
            ("skip_detect", skipDetect.map { $0 ? "true" : "false" }),
            ("environment", environment.map { JSONText.object($0.map { ($0.key, JSONText.string($0.value)) }) }),
            ("start_command", startCommand.map { JSONText.string($0) }),
            ("buildpack_cache_download_uri", buildpackCacheDownloadURI.map { JSONText.string($0) }),
            ("buildpack_cache_upload_uri", buildpackCacheUploadURI.map { JSONText.string($0) }),
            ("log_subject", logSubject.map { JSONText.string($0) }))
    }
}

extension StagingRequest.Properties {
    var jsonText: String {
        JSONText.object(
            ("services", services.map { JSONText.array($0.map { $0.jsonText }) }),
            ("framework_info", frameworkInfo.map { JSONValue.object($0).jsonText }),
            ("runtime_info", runtimeInfo.map { JSONValue.object($0).jsonText }),
            ("resources", resources.map { resources in
                JSONText.object(("memory", resources.memory.map { String($0) }), ("disk", resources.disk.map { String($0) }),
                                ("fds", resources.fds.map { String($0) }))
            }))
    }
}

extension JSONValue {
    /// This value as JSON text.
    public var jsonText: String {
        switch self {
        case .null: "null"
        case .bool(let value): value ? "true" : "false"
        case .number(let value): JSONText.number(value)
        case .string(let value): JSONText.string(value)
        case .array(let values): JSONText.array(values.map { $0.jsonText })
        case .object(let members): JSONText.object(members.map { ($0.key, $0.value.jsonText) })
        }
    }
}
