/// When a rollout step passes: thresholds checked on the targets the rollout adds, over the step's interval.
public struct RolloutThresholds: Sendable, Equatable {
    /// The highest share of failed requests (0...1) the new targets may have over a step. Default 0.05.
    public var maxErrorRate: Double
    /// Below this many requests to the new targets in a step, the error rate is not judged. Default 10.
    public var minRequests: Int
    /// Every new target must be healthy (not failed by checks, ejected or with an open circuit) at the step's end.
    /// Default true.
    public var requireHealthy: Bool

    public init(maxErrorRate: Double = 0.05, minRequests: Int = 10, requireHealthy: Bool = true) {
        self.maxErrorRate = maxErrorRate
        self.minRequests = minRequests
        self.requireHealthy = requireHealthy
    }
}

/// A target's finished requests so far (since the process started), read at a step's start and end.
public struct RequestCounts: Sendable, Equatable {
    public var requests: Int
    public var failures: Int

    public init(requests: Int, failures: Int) {
        self.requests = requests
        self.failures = failures
    }
}

/// What the driver sees of one judged target at the end of a step.
public struct RolloutObservation: Sendable, Equatable {
    public var id: String
    public var healthy: Bool
    public var counts: RequestCounts

    public init(id: String, healthy: Bool, counts: RequestCounts) {
        self.id = id
        self.healthy = healthy
        self.counts = counts
    }
}

/// The verdict on one step, with the figures it was reached on.
public struct StepVerdict: Sendable, Equatable {
    public var passed: Bool
    /// Why, in words: `2 of 40 requests failed (5.0%)`, `unhealthy: http://127.0.0.1:8083`, ...
    public var reason: String
    /// Requests to the judged targets during the step, and how many failed.
    public var requests: Int
    public var failures: Int
}

/// Judges a step from what its targets did during it.
public enum RolloutGate {
    /// The verdict on `observations` (read at the step's end) against `baseline` (read at its start).
    public static func verdict(
        _ observations: [RolloutObservation], baseline: [String: RequestCounts], thresholds: RolloutThresholds
    ) -> StepVerdict {
        var requests = 0
        var failures = 0
        for observation in observations {
            let start = baseline[observation.id] ?? RequestCounts(requests: 0, failures: 0)
            requests += max(0, observation.counts.requests - start.requests)
            failures += max(0, observation.counts.failures - start.failures)
        }
        let unhealthy = observations.filter { !$0.healthy }.map(\.id)
        if thresholds.requireHealthy, !unhealthy.isEmpty {
            return StepVerdict(
                passed: false, reason: "unhealthy: \(unhealthy.joined(separator: ", "))", requests: requests,
                failures: failures)
        }
        guard requests >= thresholds.minRequests, requests > 0 else {
            return StepVerdict(
                passed: true, reason: "healthy; \(requests) requests, too few to judge the error rate",
                requests: requests, failures: failures)
        }
        let rate = Double(failures) / Double(requests)
        let figures = "\(failures) of \(requests) requests failed (\(percent(rate)))"
        guard rate <= thresholds.maxErrorRate else {
            return StepVerdict(
                passed: false, reason: "\(figures), above \(percent(thresholds.maxErrorRate))", requests: requests,
                failures: failures)
        }
        return StepVerdict(passed: true, reason: figures, requests: requests, failures: failures)
    }

    /// `5.0%` for 0.05.
    static func percent(_ rate: Double) -> String {
        let tenths = Int((rate * 1000).rounded())
        return "\(tenths / 10).\(tenths % 10)%"
    }
}
