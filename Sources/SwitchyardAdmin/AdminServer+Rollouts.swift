import Hummingbird

extension AdminServer {
    /// `/api/v1/rollouts`: start, list, show, and pause, resume or roll back one.
    func rolloutRoutes() -> [AdminRoute] {
        let rollout = "/api/v1/rollouts/{id}"
        return [
            AdminRoute(method: .get, path: "/api/v1/rollouts", access: .apiKey) { [source] _, _ in
                Response.json(source.rollouts().map(RolloutJSON.init))
            },
            AdminRoute(method: .post, path: "/api/v1/rollouts", access: .apiKey) { [self] request, _ in
                let asked = try AdminHTTPError.decoding(try await self.body(of: request), with: AdminBody.rollout)
                let started = try await AdminHTTPError.mapping { () throws(RolloutError) in
                    try await source.startRollout(asked)
                }
                return Response.json(
                    RolloutJSON(started), status: .created, extra: [.location: "/api/v1/rollouts/\(started.id)"])
            },
            AdminRoute(method: .get, path: rollout, access: .apiKey) { [source] _, context in
                let id = try Self.rolloutID(context)
                guard let found = source.rollouts().first(where: { $0.id == id }) else {
                    throw AdminHTTPError(.notFound, "no rollout \(id)")
                }
                return Response.json(RolloutJSON(found))
            },
        ]
            + RolloutCommand.allCases.map { command in
                AdminRoute(method: .post, path: "\(rollout)/\(command.rawValue)", access: .apiKey) {
                    [source] _, context in
                    let id = try Self.rolloutID(context)
                    let changed = try await AdminHTTPError.mapping { () throws(RolloutError) in
                        try await source.command(command, rollout: id)
                    }
                    return Response.json(RolloutJSON(changed))
                }
            }
    }

    /// The rollout id in the path; one too large to be an id names no rollout.
    static func rolloutID(_ context: AdminRequestContext) throws(AdminHTTPError) -> Int {
        let text = try parameter("id", context)
        guard !text.isEmpty, text.utf8.allSatisfy({ (0x30...0x39).contains($0) }), text.contains(where: { $0 != "0" })
        else {
            throw AdminHTTPError(.badRequest, "the rollout id in the path is not a positive integer")
        }
        guard let id = Int(text) else { throw AdminHTTPError(.notFound, "no rollout \(text)") }
        return id
    }
}

extension AdminHTTPError {
    /// Runs `body`, turning a refused rollout request into 404, 409 or 422.
    static func mapping<T>(_ body: () async throws(RolloutError) -> T) async throws(AdminHTTPError) -> T {
        do {
            return try await body()
        } catch {
            switch error {
            case .poolNotFound(let name): throw AdminHTTPError(.notFound, "no pool \(name)")
            case .rolloutNotFound(let id): throw AdminHTTPError(.notFound, "no rollout \(id)")
            case .conflict(let message): throw AdminHTTPError(.conflict, message)
            case .invalid(let problems): throw AdminHTTPError(problems: problems)
            }
        }
    }
}

struct RolloutJSON: Encodable {
    struct Target: Encodable {
        let id: String
        let weight: Int
    }

    struct Step: Encodable {
        let index: Int
        let state: String
        let targets: [Target]
        let reason: String
        let requests: Int
        let failures: Int
        let startedAfterSeconds: Double?
        let endedAfterSeconds: Double?

        enum CodingKeys: String, CodingKey {
            case index, state, targets, reason, requests, failures
            case startedAfterSeconds = "started_after_seconds"
            case endedAfterSeconds = "ended_after_seconds"
        }
    }

    let id: Int
    let pool: String
    let status: String
    let reason: String
    let createdAt: String
    let strategy: String
    let intervalSeconds: Double
    let maxErrorRate: Double
    let minRequests: Int
    let requireHealthy: Bool
    let steps: [Step]

    enum CodingKeys: String, CodingKey {
        case id, pool, status, reason, strategy, steps
        case createdAt = "created_at"
        case intervalSeconds = "interval_seconds"
        case maxErrorRate = "max_error_rate"
        case minRequests = "min_requests"
        case requireHealthy = "require_healthy"
    }

    init(_ rollout: RolloutInfo) {
        id = rollout.id
        pool = rollout.pool
        status = rollout.status
        reason = rollout.reason
        createdAt = rollout.createdAt
        strategy = rollout.strategy
        intervalSeconds = rollout.intervalSeconds
        maxErrorRate = rollout.maxErrorRate
        minRequests = rollout.minRequests
        requireHealthy = rollout.requireHealthy
        steps = rollout.steps.enumerated().map { index, step in
            Step(
                index: index + 1, state: step.state, targets: step.targets.map { Target(id: $0.id, weight: $0.weight) },
                reason: step.reason, requests: step.requests, failures: step.failures,
                startedAfterSeconds: step.startedAfter, endedAfterSeconds: step.endedAfter)
        }
    }
}

extension AdminBody {
    /// The body of `POST /api/v1/rollouts`.
    public static func rollout(from bytes: [UInt8]) throws(Failure) -> RolloutRequest {
        var fields = Fields(
            try object(from: bytes),
            allowed: [
                "pool", "targets", "batch_size", "weight_step", "interval_seconds", "max_error_rate", "min_requests",
                "require_healthy",
            ])
        var request = RolloutRequest(pool: fields.string("pool", required: true) ?? "", targets: [])
        if request.pool.isEmpty, fields.object["pool"] != nil { fields.problem("pool", "must not be empty") }
        switch fields.object["targets"] {
        case nil:
            fields.problem("targets", "is required")
        case .array(let items) where !items.isEmpty:
            for (index, item) in items.enumerated() {
                guard case .object(let object) = item else {
                    fields.problem("targets[\(index)]", "expected an object, got \(item.typeName)")
                    continue
                }
                var target = Fields(object, allowed: ["url", "source_ip", "weight", "max_connections"])
                request.targets.append(targetSpec(&target))
                for problem in target.problems {
                    let path = problem.path.isEmpty ? "targets[\(index)]" : "targets[\(index)].\(problem.path)"
                    fields.problem(path, problem.message)
                }
            }
        case .array:
            fields.problem("targets", "must not be empty")
        case let other?:
            fields.problem("targets", "expected an array of targets, got \(other.typeName)")
        }
        let batch = fields.integer("batch_size", minimum: 1)
        let step = fields.integer("weight_step", minimum: 1)
        if let step, step > 100 { fields.problem("weight_step", "\(step) is above the maximum 100") }
        switch (batch, step) {
        case (_?, _?): fields.problem("", "batch_size and weight_step exclude each other")
        case (nil, let percent?): request.strategy = .weight(percent: percent)
        case (let size?, nil): request.strategy = .batch(size: size)
        case (nil, nil): break
        }
        if let interval = fields.number("interval_seconds", in: 0.1...86_400) { request.intervalSeconds = interval }
        if let rate = fields.number("max_error_rate", in: 0...1) { request.maxErrorRate = rate }
        if let minimum = fields.integer("min_requests", minimum: 0) { request.minRequests = minimum }
        if let healthy = fields.bool("require_healthy") { request.requireHealthy = healthy }
        try fields.finish()
        return request
    }
}

extension AdminBody.Fields {
    /// An optional number within `range`.
    mutating func number(_ name: String, in range: ClosedRange<Double>) -> Double? {
        let value: Double
        switch object[name] {
        case nil: return nil
        case .integer(let integer): value = Double(integer)
        case .number(let number): value = number
        case let other?:
            problem(name, "expected a number, got \(other.typeName)")
            return nil
        }
        guard range.contains(value) else {
            problem(name, "must be \(range.lowerBound)-\(range.upperBound), got \(value)")
            return nil
        }
        return value
    }
}
