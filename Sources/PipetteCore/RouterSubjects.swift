/// Cloud Foundry's router subjects on NATS (gorouter's `mbus` package), used unchanged so a real
/// gorouter and Pipette's router both follow the same route emitters.
public enum RouterSubjects {
    /// `RouteRegistration`: add or refresh an endpoint for its uris.
    public static let register = "router.register"
    /// `RouteRegistration`: remove the endpoint (`host:port`) from its uris.
    public static let unregister = "router.unregister"
    /// `RouterStart`, published by a router when it starts: emitters re-announce everything.
    public static let start = "router.start"
    /// A request (any payload) every router answers with its `RouterStart`; emitters send it
    /// when they start to learn the register interval.
    public static let greet = "router.greet"
}
