/// What one convergence pass decided (``Convergence/plan(apps:cells:inFlight:policy:now:)``).
public struct ConvergencePlan: Sendable, Equatable {
    /// Why an instance is started.
    public enum Cause: String, Sendable, Equatable {
        /// No instance of the current release at the index (new, scaled up, lost with its cell).
        case missing
        /// The index runs an older release; the new one starts beside it.
        case newRelease = "new release"
        /// The instance crashed and its crash backoff is over.
        case crashed
        /// The instance is on an evacuating cell; a replacement starts elsewhere.
        case evacuation
    }

    /// An instance to place: the index of `app` at `release`, carrying `crashCount`.
    public struct Start: Sendable, Equatable {
        public var app: String
        public var index: Int
        public var release: Int
        public var crashCount: Int
        public var cause: Cause

        public init(app: String, index: Int, release: Int, crashCount: Int = 0, cause: Cause = .missing) {
            self.app = app
            self.index = index
            self.release = release
            self.crashCount = crashCount
            self.cause = cause
        }
    }

    /// An instance a cell is told to stop (or, when crashed, to forget).
    public struct Stop: Sendable, Equatable, Hashable {
        public var cellID: String
        public var instanceGUID: String
        public var app: String
        public var index: Int
        /// For the cell's and the app's log: `scaled down`, `app stopped`, `app deleted`,
        /// `replaced by release 3`, `evacuated`, `duplicate`, `restarted`.
        public var reason: String

        public init(cellID: String, instanceGUID: String, app: String, index: Int, reason: String) {
            self.cellID = cellID
            self.instanceGUID = instanceGUID
            self.app = app
            self.index = index
            self.reason = reason
        }
    }

    /// Instances to place, by app name, then index.
    public var starts: [Start] = []
    /// Starting or running instances to stop.
    public var stops: [Stop] = []
    /// Crashed reports the cells may forget (restarted, replaced, or of an app no longer there).
    public var forget: [Stop] = []
    /// Crashed instances waiting on their crash backoff.
    public var waiting: [RestartWait] = []
    /// Crashed instances not restarted any more (past `maxRestarts`); they stay reported.
    public var gaveUp: [RestartWait] = []

    public init() {}

    /// True when the pass has nothing to send to cells.
    public var isIdle: Bool { starts.isEmpty && stops.isEmpty && forget.isEmpty }
}
