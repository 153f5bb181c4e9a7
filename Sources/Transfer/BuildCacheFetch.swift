import Foundation

extension HTTPTransfer {
    /// Downloads the build cache of an earlier staging when `uri` names one. A missing or
    /// unreachable cache is not an error: it is reported through `onLine` and staging goes on.
    public func fetchBuildCache(_ uri: String?, to file: URL, limit: Int64, timeout: Duration,
                                onLine: (String) -> Void) async -> URL? {
        guard let uri else { return nil }
        do {
            _ = try await download(uri, to: file, limit: limit, timeout: timeout)
            return file
        } catch {
            onLine("No build cache restored (\(error)); staging without it")
            return nil
        }
    }
}
