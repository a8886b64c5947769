import Testing

@testable import SwitchyardConfig

/// `header_rules` on listeners, routes and pools: decoded in order with their templates parsed, refused with field
/// path and line when a template or a header name is wrong, and written back by the renderer.
@Suite struct HeaderRulesConfigTests {
    static let yaml = """
        listeners:
          - name: web
            mode: reverse
            listen: "127.0.0.1:8080"
            header_rules:
              request: { set: { X-Client: "{client_ip}" } }
              response: { remove: [Server] }
            routes:
              - pool: api
                header_rules:
                  request:
                    remove: [X-Debug, Cookie]
                    set: { X-Route: "{route} via {{proxy}}" }
                    add: { X-Tag: a, X-Other: "{request_id}" }
        pools:
          api:
            header_rules: { response: { add: { X-Served-By: "{target}" } } }
            targets: [ { url: "http://127.0.0.1:9001" } ]

        """

    @Test func rulesAreDecodedInOrderWithTheirTemplatesParsed() throws {
        let config = try ConfigLoader.parse(yaml: Self.yaml, file: nil)
        let listener = config.listeners[0]
        #expect(listener.headerRules.request.set.map(\.name) == ["X-Client"])
        #expect(listener.headerRules.response.remove == ["Server"])
        let route = listener.routes[0].headerRules.request
        #expect(route.remove == ["X-Debug", "Cookie"])
        #expect(route.add.map(\.name) == ["X-Tag", "X-Other"])
        #expect(route.set[0].value.parts == [.variable(.route), .text(" via {proxy}")])
        let rendered = route.set[0].value.render { $0 == .route ? "routes[0]" : "?" }
        #expect(rendered == "routes[0] via {proxy}")
        #expect(config.pools[0].headerRules.response.add[0].value.parts == [.variable(.target)])
        let text = ConfigRenderer.render(config, redactingSecrets: false)
        #expect(try ConfigLoader.parse(yaml: text, file: nil) == config)
    }

    @Test func unknownVariablesAndStrayBracesAreRefusedWithPathAndLine() {
        let yaml = Self.yaml
            .replacing("\"{client_ip}\"", with: "\"{client}\"")
            .replacing("X-Tag: a", with: "X-Tag: \"a}\"")
        #expect(
            issues(in: yaml).map(\.description).sorted() == [
                "cfg.yaml:14: listeners[0].routes[0].header_rules.request.add.X-Tag: has a \"}\" with no \"{\" "
                    + "(write \"}}\")",
                "cfg.yaml:6: listeners[0].header_rules.request.set.X-Client: uses unknown variable {client}; known: "
                    + "{client_ip}, {request_id}, {route}, {target}",
            ])
    }

    @Test(arguments: ["Content-Length", "transfer-encoding", "Connection", "Host", "Upgrade", "TE"])
    func headersThatFrameTheMessageCannotBeTouched(name: String) {
        for (rule, path) in [
            ("response: { set: { \(name): x } }", "header_rules.response.set.\(name)"),
            ("request: { remove: [\(name)] }", "header_rules.request.remove[0]"),
        ] {
            let pool = "header_rules: { response: { add: { X-Served-By: \"{target}\" } } }"
            let yaml = Self.yaml.replacing(pool, with: "header_rules: { \(rule) }")
            let found = issues(in: yaml)
            #expect(found.map(\.path) == ["pools.api.\(path)"])
            #expect(found.first?.line == 17)
            #expect(found.first?.message.contains("frames the message") == true)
        }
    }

    @Test func headerNamesMustBeTokens() {
        let found = issues(in: Self.yaml.replacing("X-Tag: a", with: "\"X Tag\": a"))
        #expect(found.map(\.message) == ["\"X Tag\" is not a valid header name"])
    }
}
