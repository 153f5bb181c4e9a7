import Foundation

extension StagingReply {
    /// The reply as JSON of at most `maxBytes` (the server's max payload); see ``fitted(to:)``.
    public func encoded(fitting maxBytes: Int) -> [UInt8] {
        // Encoded once when it fits, as nearly every reply does.
        let whole = Wire.encode(self)
        return whole.count <= maxBytes ? whole : Wire.encode(fitted(to: maxBytes))
    }

    /// This reply, made to fit in `maxBytes` of JSON: when the log makes it larger, lines are cut
    /// from the middle of `task_log` — the first few and as many of the last as fit stay (the
    /// last are where errors are) — and a line says how many were cut.
    public func fitted(to maxBytes: Int) -> StagingReply {
        guard Wire.encode(self).count > maxBytes else { return self }
        var lines = taskLog.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        func keeping(head: Int, tail: Int) -> StagingReply {
            var trimmed = self
            let cut = lines.count - head - tail
            let marker = cut > 0 ? ["[… \(cut) lines cut so the reply fits in one NATS message …]"] : []
            trimmed.taskLog = (lines.prefix(head) + marker + lines.suffix(tail)).map { $0 + "\n" }.joined()
            return trimmed
        }
        func fits(_ reply: StagingReply) -> Bool { Wire.encode(reply).count <= maxBytes }
        // Fewer first lines rather than none of the last.
        var fallback: StagingReply?
        for head in [min(3, lines.count), min(1, lines.count), 0] {
            // The most tail lines that fit beside `head`, by bisection.
            var low = 0, high = lines.count - head
            guard fits(keeping(head: head, tail: 0)) else { continue }
            while low < high {
                let middle = (low + high + 1) / 2
                if fits(keeping(head: head, tail: middle)) { low = middle } else { high = middle - 1 }
            }
            if low > 0 || head == 0 { return keeping(head: head, tail: low) }
            fallback = fallback ?? keeping(head: head, tail: 0)
        }
        if let fallback { return fallback }
        // Even without a log the reply is too large: only the error can be that long.
        var bare = keeping(head: 0, tail: 0)
        bare.error = bare.error.map { String($0.prefix(1024)) + "…" }
        return bare
    }
}
