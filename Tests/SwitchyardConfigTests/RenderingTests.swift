import Testing

@testable import SwitchyardConfig

@Suite struct RenderingTests {
    @Test func renderingRedactsPasswordsByDefault() throws {
        let config = try ConfigLoader.parse(yaml: exampleYAML, file: nil)
        let text = config.rendered()
        #expect(!text.contains("s3cret"))
        #expect(text.contains("password: \"<redacted>\""))
        #expect(config.rendered(redactingSecrets: false).contains("password: \"s3cret\""))
    }

    @Test func unredactedRenderingLoadsBackToAnEqualConfig() throws {
        var config = try ConfigLoader.parse(yaml: exampleYAML, file: nil)
        config.listeners[0].auth?.users.append(
            ProxyUser(username: "carol", password: "quote\" back\\ tab\t nl\n é: #x"))
        config.listeners[0].timeouts.headerRead = .milliseconds(1500)
        config.log = LogSettings(level: .warn, format: .text)
        config.pools.append(PoolSettings(name: "second pool", targets: [TargetSettings(sourceIP: "::1", weight: 0)]))
        let text = config.rendered(redactingSecrets: false)
        #expect(try ConfigLoader.parse(yaml: text, file: "rendered.yaml") == config)
    }

    @Test func everyResilienceKeyRendersAndLoadsBack() throws {
        let config = try ConfigLoader.parse(yaml: resilienceYAML, file: nil)
        let text = config.rendered(redactingSecrets: false)
        #expect(try ConfigLoader.parse(yaml: text, file: "rendered.yaml") == config)
        #expect(text.contains("    queue_class: \"gold\"\n"))
        #expect(text.contains("        rate: 1/m\n"))
        #expect(text.contains("      expect_status: \"200-299,404\"\n"))
        #expect(text.contains("      classes:\n        \"gold\": 3\n        \"bronze\": 1\n"))
    }

    @Test func resilienceBuiltInCodeRendersAndLoadsBack() throws {
        var config = try ConfigLoader.parse(yaml: resilienceYAML, file: nil)
        config.pools[0].resilience.rateLimits = [
            RateLimitSettings(
                key: .listener, algorithm: .slidingWindow, rate: 1.0 / 7, burst: 3, window: .milliseconds(1500))
        ]
        config.pools[0].resilience.healthCheck?.expectStatus = StatusRanges(200...200, 204...204, 300...302)
        config.pools[0].resilience.healthCheck?.expectBody = "quote\" and: #hash"
        config.pools[0].resilience.circuitBreaker?.failureRatio = 0.1
        config.pools[0].resilience.pushBack.statuses = []
        config.pools[0].resilience.queue?.classes.append(QueueClass(name: "a: b", weight: 7))
        config.pools[1].resilience.queue = nil
        config.pools[1].resilience.healthCheck = HealthCheckSettings(target: "[::1]:9")
        let text = config.rendered(redactingSecrets: false)
        #expect(try ConfigLoader.parse(yaml: text, file: "rendered.yaml") == config)
    }

    @Test func embeddedDefaultRendersAndLoadsBack() throws {
        let text = SwitchyardConfig.embeddedDefault.rendered()
        #expect(try ConfigLoader.parse(yaml: text, file: nil) == .embeddedDefault)
        #expect(text.hasPrefix("log:\n  level: info\n  format: json\nadmin:\n  listen: \"127.0.0.1:9090\"\n"))
    }

    @Test func proxyUserNeverPrintsItsPassword() {
        let user = ProxyUser(username: "alice", password: "s3cret")
        #expect(!user.description.contains("s3cret"))
        #expect(!user.debugDescription.contains("s3cret"))
        #expect(user.description.contains("alice"))
        let listener = ListenerSettings(
            name: "l", listen: ListenAddress(host: "::1", port: 1), pool: "p", auth: AuthSettings(users: [user]))
        #expect(!String(describing: listener).contains("s3cret"))
        #expect(!String(reflecting: listener).contains("s3cret"))
        var dumped = ""
        dump(listener, to: &dumped)
        #expect(!dumped.contains("s3cret"))
    }
}
