/// Rollouts as the admin server sees them: `/api/v1/rollouts`.
public protocol RolloutSource: Sendable {
    /// Every rollout kept (the active ones and the last finished ones), newest first.
    func rollouts() -> [RolloutInfo]
    /// Starts rolling `request.targets` into `request.pool`. Throws `poolNotFound`, `conflict` (the pool has an
    /// active rollout) or `invalid` (the new set would not make a valid config).
    func startRollout(_ request: RolloutRequest) async throws(RolloutError) -> RolloutInfo
    /// Pauses, resumes or rolls back a rollout. Throws `rolloutNotFound`, or `conflict` when its status does not
    /// allow the command (only a running rollout pauses, only a paused one resumes, only an active one rolls back).
    func command(_ command: RolloutCommand, rollout id: Int) async throws(RolloutError) -> RolloutInfo
}

/// A rollout asked for: a pool's new target set and how to get there.
public struct RolloutRequest: Sendable, Equatable {
    /// How the traffic moves to the new targets each step.
    public enum Strategy: Sendable, Equatable {
        /// Add this many new targets per step, next to the old ones; the last step leaves only the new set.
        case batch(size: Int)
        /// Shift this percentage of the traffic (by weight) per step.
        case weight(percent: Int)
    }

    public var pool: String
    /// The pool's whole new target set (each `url` or `source_ip`, with its weight and connection limit).
    public var targets: [TargetSpec]
    public var strategy: Strategy
    /// How long each step runs before it is judged.
    public var intervalSeconds: Double
    /// The highest share of failed requests (0...1) the new targets may have over a step.
    public var maxErrorRate: Double
    /// Below this many requests to the new targets in a step, its error rate is not judged.
    public var minRequests: Int
    /// Each new target must be healthy at the end of each step.
    public var requireHealthy: Bool

    public init(
        pool: String, targets: [TargetSpec], strategy: Strategy = .batch(size: 1), intervalSeconds: Double = 30,
        maxErrorRate: Double = 0.05, minRequests: Int = 10, requireHealthy: Bool = true
    ) {
        self.pool = pool
        self.targets = targets
        self.strategy = strategy
        self.intervalSeconds = intervalSeconds
        self.maxErrorRate = maxErrorRate
        self.minRequests = minRequests
        self.requireHealthy = requireHealthy
    }
}

/// A command for a running rollout.
public enum RolloutCommand: String, Sendable, CaseIterable {
    case pause
    case resume
    case rollback
}

/// Why a rollout request was refused.
public enum RolloutError: Error, Sendable, Equatable {
    case poolNotFound(String)
    case rolloutNotFound(Int)
    /// The request clashes with the rollout's or the pool's state (409).
    case conflict(String)
    /// The request is well-formed but not acceptable (422).
    case invalid([ConfigProblem])
}

/// A rollout as the admin API shows it.
public struct RolloutInfo: Sendable, Equatable {
    /// A target of a step with its weight during the step.
    public struct Target: Sendable, Equatable {
        public var id: String
        public var weight: Int

        public init(id: String, weight: Int) {
            self.id = id
            self.weight = weight
        }
    }

    /// One step: the pool's target set while it runs, and its verdict.
    public struct Step: Sendable, Equatable {
        /// `pending`, `running`, `passed`, `failed`, `aborted` (ended by a rollback while running) or `skipped`.
        public var state: String
        public var targets: [Target]
        public var reason: String
        /// Requests to the judged targets during the step, and how many failed (0 until judged).
        public var requests: Int
        public var failures: Int
        /// Seconds from the rollout's start to the step's start and end; nil before.
        public var startedAfter: Double?
        public var endedAfter: Double?

        public init(
            state: String, targets: [Target], reason: String, requests: Int, failures: Int, startedAfter: Double?,
            endedAfter: Double?
        ) {
            self.state = state
            self.targets = targets
            self.reason = reason
            self.requests = requests
            self.failures = failures
            self.startedAfter = startedAfter
            self.endedAfter = endedAfter
        }
    }

    public var id: Int
    public var pool: String
    /// `running`, `paused`, `completed` or `rolled_back`.
    public var status: String
    /// Why it ended or paused.
    public var reason: String
    /// When it was started (ISO 8601, UTC).
    public var createdAt: String
    /// `batch` or `weight`.
    public var strategy: String
    public var intervalSeconds: Double
    public var maxErrorRate: Double
    public var minRequests: Int
    public var requireHealthy: Bool
    public var steps: [Step]

    public init(
        id: Int, pool: String, status: String, reason: String, createdAt: String, strategy: String,
        intervalSeconds: Double, maxErrorRate: Double, minRequests: Int, requireHealthy: Bool, steps: [Step]
    ) {
        self.id = id
        self.pool = pool
        self.status = status
        self.reason = reason
        self.createdAt = createdAt
        self.strategy = strategy
        self.intervalSeconds = intervalSeconds
        self.maxErrorRate = maxErrorRate
        self.minRequests = minRequests
        self.requireHealthy = requireHealthy
        self.steps = steps
    }
}
