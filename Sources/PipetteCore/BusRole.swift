/// Who a connection to NATS belongs to. With per-component users (`pipette nats-auth`) each role
/// connects as its own NATS user and may use only the subjects ``BusPermissions`` grants it.
public enum BusRole: String, CaseIterable, Sendable {
    case stager, cell, auctioneer, router
    /// Operators and their tools (the `pipette` CLI, a cloud controller): every subject.
    case admin

    /// Where this role's request replies go: `_INBOX.<role>.<unique>`, so a component may
    /// receive its own replies and no one else's.
    public var inboxPrefix: String { "_INBOX.\(rawValue)" }
}
