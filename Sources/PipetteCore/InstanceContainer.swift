/// How an app instance's runc container is named on its cell's host: unique per host (the
/// instance guid) and recognisable as its cell's (so a restarted cell finds what its
/// predecessor left, and never touches another cell's).
public enum InstanceContainer {
    /// `pipette-<cell token>--<instance guid>`.
    public static func name(cellID: String, instanceGUID: String) -> String {
        prefix(cellID: cellID) + Subjects.token(instanceGUID)
    }

    /// What every container of `cellID`'s instances starts with.
    public static func prefix(cellID: String) -> String { "pipette-\(Subjects.token(cellID))--" }
}
