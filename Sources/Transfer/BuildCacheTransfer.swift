import Foundation

/// Build caches move like any blob, but a missing or unreachable one never fails a staging.
extension HTTPTransfer {
    /// Downloads the build cache of an earlier staging when `uri` names one. A missing or
    /// unreachable cache is not an error: it is reported through `onLine` and staging goes on.
    /// A failing local disk is: the staging would only fail later, less clearly.
    public func fetchBuildCache(_ uri: String?, to file: URL, limit: Int64, timeout: Duration,
                                onLine: (String) -> Void) async throws(TransferError) -> URL? {
        guard let uri else { return nil }
        do {
            _ = try await download(uri, to: file, what: "the build cache", limit: limit, timeout: timeout)
            return file
        } catch {
            if error.kind == .localIO { throw error }
            onLine("No build cache restored (\(error)); staging without it")
            return nil
        }
    }

    /// Uploads the build cache the builder wrote when the request names where; a failure is
    /// reported through `onLine` and does not fail the staging.
    public func saveBuildCache(_ file: URL?, to uri: String?, timeout: Duration, onLine: (String) -> Void) async {
        guard let file, let uri else { return }
        do {
            _ = try await upload(file, to: uri, timeout: timeout)
        } catch {
            onLine("Build cache not saved (\(error))")
        }
    }
}
