@testable import Router
import Testing

/// Asking again until HAProxy answers (`Poll.until`): the router's one way of waiting for it.
@Suite("Asking HAProxy again")
struct PollTests {
    @Test func aValueOnALaterAttemptIsReturned() async {
        var attempts = 0
        let value = await Poll.until(.now + .seconds(30), every: .milliseconds(1)) { () -> Int? in
            attempts += 1
            return attempts == 3 ? 42 : nil
        }
        #expect(value == 42)
        #expect(attempts == 3)
    }

    @Test func aPassedDeadlineGivesNilAfterOneAttempt() async {
        var attempts = 0
        let value = await Poll.until(.now - .seconds(1)) { () -> Int? in
            attempts += 1
            return nil
        }
        #expect(value == nil)
        #expect(attempts == 1, "tried once even when the deadline has passed")
    }

    @Test(.timeLimit(.minutes(1))) func cancellingStopsTheWait() async {
        let waiting = Task { await Poll.until(.now + .seconds(600), every: .milliseconds(5)) { () -> Int? in nil } }
        waiting.cancel()
        #expect(await waiting.value == nil, "a cancelled wait ends at once instead of after 600 s")
    }
}
