import Foundation
import NATS
import Synchronization
import Testing
import TestSupport

@Suite("NATS over libnats, against a real nats-server")
struct NATSConnectionTests {
    @Test func publishReachesASubscriber() async throws {
        let server = try NATSServer()
        let nats = try await NATSConnection.connect(server.url)
        let sub = try nats.subscribe("greetings")
        try nats.publish("greetings", "hello")
        var iterator = sub.makeAsyncIterator()
        let message = await iterator.next()
        #expect(message?.string == "hello")
        #expect(message?.subject == "greetings")
    }

    /// libnats 3.4 aborts the process when a subscription is destroyed while its reader thread is
    /// handing it a message (nats.c issue 637; a stager under 500 quick requests died of it):
    /// subscriptions dropped while messages pour in must not crash, and are all destroyed soon.
    @Test func subscriptionsDroppedWhileMessagesPourInAreDestroyedSafely() async throws {
        let server = try NATSServer()
        let nats = try await NATSConnection.connect(server.url)
        let flood = try await NATSConnection.connect(server.url)
        let stop = Atomic<Bool>(false)
        async let published: Int = {
            var sent = 0
            while !stop.load(ordering: .relaxed) {
                for _ in 0..<50 where (try? flood.publish("flood", "x")) != nil { sent += 1 }
                await Task.yield()
            }
            return sent
        }()
        for round in 0..<10_000 {
            let subscription = try nats.subscribe("flood", bufferSize: 1)
            if round % 100 == 0 { try await nats.flush() }  // let messages reach live subscriptions
            _ = subscription
        }
        stop.store(true, ordering: .relaxed)
        #expect(await published > 0)
        let deadline = ContinuousClock.now + .seconds(20)
        while nats.subscriptionsAwaitingDestroy > 0, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(nats.subscriptionsAwaitingDestroy == 0, "every dropped subscription was destroyed")
    }

    @Test func requestGetsTheReply() async throws {
        let server = try NATSServer()
        let nats = try await NATSConnection.connect(server.url)
        let sub = try nats.subscribe("echo")
        try await nats.flush()
        async let responder: Void = {
            for await message in sub {
                try nats.publish(message.replyTo!, "echo: " + message.string)
                return
            }
        }()
        let reply = try await nats.request("echo", Array("ping".utf8), timeout: .seconds(5))
        #expect(reply.string == "echo: ping")
        try await responder
    }

    @Test func manyConcurrentRequestsEachGetTheirOwnReply() async throws {
        let server = try NATSServer()
        let nats = try await NATSConnection.connect(server.url)
        let sub = try nats.subscribe("double")
        try await nats.flush()
        let responder = Task {
            for await message in sub { try nats.publish(message.replyTo!, String(Int(message.string)! * 2)) }
        }
        defer { responder.cancel(); sub.unsubscribe() }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<50 {
                group.addTask {
                    let reply = try await nats.request("double", Array(String(i).utf8), timeout: .seconds(10))
                    #expect(reply.string == String(i * 2))
                }
            }
            try await group.waitForAll()
        }
    }

    @Test func aRequestNobodyAnswersTimesOut() async throws {
        let server = try NATSServer()
        let nats = try await NATSConnection.connect(server.url)
        let sub = try nats.subscribe("silent")
        try await nats.flush()
        await #expect(throws: NATSError.timedOut(subject: "silent", seconds: 0.2)) {
            _ = try await nats.request("silent", [], timeout: .milliseconds(200))
        }
        sub.unsubscribe()
    }

    @Test func aRequestWithoutSubscribersSaysNobodyListens() async throws {
        let server = try NATSServer()
        let nats = try await NATSConnection.connect(server.url)
        await #expect(throws: NATSError.noResponders(subject: "staging")) {
            _ = try await nats.request("staging", Array("{}".utf8), timeout: .seconds(5))
        }
    }

    @Test func aRequestWaitsForAResponderThatSubscribesWithinTheGrace() async throws {
        let server = try NATSServer()
        let nats = try await NATSConnection.connect(server.url)
        let responder = try await NATSConnection.connect(server.url)
        let waiting = Reported<Bool>()
        let asks = Mutex(0)
        async let reply = nats.request("late", timeout: .seconds(5), waitingForRespondersUpTo: .seconds(30),
                                       onWaiting: { waiting.set(true) },
                                       payload: { asks.withLock { $0 += 1 }; return Array("ping".utf8) })
        // It subscribes only once the asker has been refused: an auctioneer back after a reconnect.
        _ = await waiting.value
        let sub = try responder.subscribe("late")
        try await responder.flush()
        let answered = Task {
            for await message in sub {
                try responder.publish(message.replyTo!, "pong to " + message.string)
                return
            }
        }
        #expect(try await reply.string == "pong to ping")
        try await answered.value
        #expect(asks.withLock { $0 } >= 2, "asked again after nobody answered")
    }

    @Test func aRequestNobodyEverSubscribesToGivesUpAfterTheGrace() async throws {
        let server = try NATSServer()
        let nats = try await NATSConnection.connect(server.url)
        let asks = Mutex(0)
        let started = ContinuousClock.now
        await #expect(throws: NATSError.noResponders(subject: "nobody")) {
            _ = try await nats.request("nobody", timeout: .seconds(5), waitingForRespondersUpTo: .milliseconds(800),
                                       payload: { asks.withLock { $0 += 1 }; return [UInt8]() })
        }
        // Pauses of 0.1, 0.2 and 0.4 s fit in 0.8 s; the next (0.8 s) would not. Fewer on a slow machine.
        #expect((2...4).contains(asks.withLock { $0 }), "asked again, but not past the grace")
        #expect(ContinuousClock.now - started < .seconds(5), "gave up after the grace, not at the request timeout")
    }

    @Test func aQueueGroupDeliversEachMessageOnce() async throws {
        let server = try NATSServer()
        let a = try await NATSConnection.connect(server.url)
        let b = try await NATSConnection.connect(server.url)
        let subA = try a.subscribe("work", queue: "workers")
        let subB = try b.subscribe("work", queue: "workers")
        try await a.flush()
        try await b.flush()
        let publisher = try await NATSConnection.connect(server.url)
        for i in 0..<40 { try publisher.publish("work", String(i)) }
        try await publisher.flush()
        try await a.flush()
        try await b.flush()
        // Drain, not unsubscribe: what reached libnats but not yet the callback still arrives.
        subA.drain()
        subB.drain()
        var seen: [String] = []
        for await message in subA { seen.append(message.string) }
        for await message in subB { seen.append(message.string) }
        #expect(seen.sorted() == (0..<40).map(String.init).sorted())
    }

    @Test func aFullBufferHandsMessagesToTheOverflowHandler() async throws {
        let server = try NATSServer()
        let nats = try await NATSConnection.connect(server.url)
        let overflowed = Mutex<[String]>([])
        let sub = try nats.subscribe("burst", bufferSize: 2) { message in overflowed.withLock { $0.append(message.string) } }
        try await nats.flush()
        for i in 0..<5 { try nats.publish("burst", String(i)) }
        try await nats.flush()
        for _ in 0..<500 where overflowed.withLock({ $0.count }) < 3 { try await Task.sleep(for: .milliseconds(20)) }
        #expect(overflowed.withLock { $0 } == ["2", "3", "4"])
        sub.unsubscribe()
        var kept: [String] = []
        for await message in sub { kept.append(message.string) }
        #expect(kept == ["0", "1"])
    }

    @Test func userAndPasswordAuth() async throws {
        let server = try NATSServer(arguments: ["--user", "stager", "--pass", "s3cret"])
        await #expect(performing: { _ = try await NATSConnection.connect(server.url) }, throws: { error in
            guard case .authorizationViolation = error as? NATSError else { return false }
            return "\(error)".contains("Authorization Violation")
        })
        let nats = try await NATSConnection.connect("nats://stager:s3cret@127.0.0.1:\(server.port)")
        try await nats.flush()
        var options = NATSOptions()
        options.user = "stager"
        options.password = "s3cret"
        try await NATSConnection.connect(server.url, options: options).flush()
    }

    @Test func tokenAuth() async throws {
        let server = try NATSServer(arguments: ["--auth", "t0ken"])
        var options = NATSOptions()
        options.token = "t0ken"
        try await NATSConnection.connect(server.url, options: options).flush()
        options.token = "wrong"
        await #expect(throws: NATSError.self) { _ = try await NATSConnection.connect(server.url, options: options) }
    }

    @Test func aCommaSeparatedListReachesTheServerThatIsUp() async throws {
        let server = try NATSServer()
        defer { server.stop() }
        let connection = try await NATSConnection.connect("nats://127.0.0.1:\(freePort()), \(server.url)")
        defer { connection.close() }
        try await connection.flush()
        #expect(connection.isConnected)
    }

    @Test func aServerThatIsNotThereIsAClearError() async throws {
        let port = freePort()
        var options = NATSOptions()
        options.connectTimeout = .milliseconds(300)
        await #expect(performing: { _ = try await NATSConnection.connect("nats://127.0.0.1:\(port)", options: options) },
                      throws: { error in
            (error as? NATSError)?.description.contains("is nats-server running there?") == true
        })
    }

    @Test func publishesWhileDisconnectedAreDeliveredAfterReconnect() async throws {
        let server = try NATSServer()
        var options = NATSOptions()
        options.reconnectWait = .milliseconds(50)
        let nats = try await NATSConnection.connect(server.url, options: options)
        let sub = try nats.subscribe("survives")
        try await nats.flush()
        server.stop()
        try nats.publish("survives", "buffered while the server was down")
        try server.start()
        var iterator = sub.makeAsyncIterator()
        let message = await iterator.next()
        #expect(message?.string == "buffered while the server was down")
    }

    @Test func aFlushWhileReconnectingWaitsForTheServerAndThenSubscriptionsWork() async throws {
        let server = try NATSServer()
        var options = NATSOptions()
        options.reconnectWait = .milliseconds(50)
        let nats = try await NATSConnection.connect(server.url, options: options)
        try await nats.flush()
        server.kill()
        _ = await eventually(within: .seconds(10)) { !nats.isConnected }
        // Subscribed while the server is gone (a stager following a task as its node dies).
        let sub = try nats.subscribe("after-reconnect")
        async let flushed: Void = nats.flush(timeout: .seconds(20))
        try server.start()
        try await flushed
        try nats.publish("after-reconnect", "subscribed before the flush")
        var iterator = sub.makeAsyncIterator()
        #expect(await iterator.next()?.string == "subscribed before the flush")
    }

    @Test func aFlushWithTheServerGoneStillFailsAtItsTimeout() async throws {
        let server = try NATSServer()
        var options = NATSOptions()
        options.reconnectWait = .milliseconds(50)
        let nats = try await NATSConnection.connect(server.url, options: options)
        server.kill()
        _ = await eventually(within: .seconds(10)) { !nats.isConnected }
        await #expect(throws: NATSError.self) { try await nats.flush(timeout: .milliseconds(500)) }
    }

    @Test func drainingEndsTheSubscriptionAfterPendingMessages() async throws {
        let server = try NATSServer()
        let nats = try await NATSConnection.connect(server.url)
        let sub = try nats.subscribe("drain-me")
        try await nats.flush()
        for i in 0..<3 { try nats.publish("drain-me", String(i)) }
        try await nats.flush()
        sub.drain()
        var got: [String] = []
        for await message in sub { got.append(message.string) }
        #expect(got == ["0", "1", "2"])
        await nats.drain()
        #expect(nats.isClosed)
    }
}

@Suite("NATS subscriptions to several subjects")
struct NATSMultiSubjectTests {
    @Test func oneSequenceForSeveralSubjectsEndsWhenAllEnd() async throws {
        let server = try NATSServer()
        let nats = try await NATSConnection.connect(server.url)
        let sub = try nats.subscribe(["staging", "staging.arm"], queue: "stagers")
        try await nats.flush()
        try nats.publish("staging", "a")
        try nats.publish("staging.arm", "b")
        try await nats.flush()
        sub.drain()
        var got: [String] = []
        for await message in sub { got.append(message.subject + ":" + message.string) }
        #expect(got.sorted() == ["staging.arm:b", "staging:a"])
    }

    @Test func refusedMessagesGoToTheOverflowHandler() async throws {
        let server = try NATSServer()
        let nats = try await NATSConnection.connect(server.url)
        let refused = Mutex<[String]>([])
        let sub = try nats.subscribe(["jobs"], admit: { $0.string != "no" },
                                     onOverflow: { message in refused.withLock { $0.append(message.string) } })
        try await nats.flush()
        for text in ["yes", "no", "yes"] { try nats.publish("jobs", text) }
        try await nats.flush()
        sub.drain()
        var admitted: [String] = []
        for await message in sub { admitted.append(message.string) }
        #expect(admitted == ["yes", "yes"])
        #expect(refused.withLock { $0 } == ["no"])
    }

    /// With ordered delivery a message's handler runs after those of every message that arrived
    /// before it, on any subscription; without it each subscription has its own thread, and a
    /// slow handler on one lets a later message on another overtake it.
    @Test(arguments: [true, false])
    func orderedDeliveryHandlesMessagesInArrivalOrderAcrossSubscriptions(ordered: Bool) async throws {
        let server = try NATSServer()
        var options = NATSOptions()
        options.orderedDelivery = ordered
        let nats = try await NATSConnection.connect(server.url, options: options)
        #expect(nats.deliversInOrder == ordered)
        let handled = Mutex<[String]>([])
        let slow = try nats.subscribe(["slow"], admit: { message in
            Thread.sleep(forTimeInterval: 0.2)
            handled.withLock { $0.append(message.string) }
            return true
        })
        let quick = try nats.subscribe(["quick"], admit: { message in
            handled.withLock { $0.append(message.string) }
            return true
        })
        try await nats.flush()
        let publisher = try await NATSConnection.connect(server.url)
        for (subject, text) in [("slow", "1"), ("slow", "2"), ("quick", "3")] { try publisher.publish(subject, text) }
        try await publisher.flush()
        #expect(await eventually { handled.withLock { $0.count } == 3 })
        let order = handled.withLock { $0 }
        if ordered { #expect(order == ["1", "2", "3"]) } else { #expect(order.first == "3") }
        slow.unsubscribe()
        quick.unsubscribe()
        // Unsubscribed, each stream ends (libnats reports the subscription complete).
        for await _ in slow {}
        for await _ in quick {}
    }
}
