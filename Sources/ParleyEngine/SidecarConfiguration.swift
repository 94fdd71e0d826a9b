import Foundation

/// What a model group runs.
public enum ModelKind: String, Sendable {
    /// Speech recognition: `path` is a CTranslate2 Whisper directory.
    case whisper
    /// Text translation: `path` is a translation registry file, or empty for the shipped default.
    case translation
}

/// A model group the engine loads.
public struct ModelSpec: Sendable, Equatable {
    public var name: String
    public var path: String
    public var kind: ModelKind
    /// An optional JSON file with model settings (for Whisper: beam size, fallback model, threshold).
    public var config: String?

    public init(name: String, path: String, kind: ModelKind = .whisper, config: String? = nil) {
        self.name = name
        self.path = path
        self.kind = kind
        self.config = config
    }
}

/// How the worker starts and supervises `engine/` processes.
public struct SidecarConfiguration: Sendable {
    /// The Python interpreter of the engine's virtual environment.
    public var python: String
    /// The `engine/` directory (holding the `parley_engine` package).
    public var engineDirectory: String
    public var models: [ModelSpec]
    /// Engine processes per model, each with its own copy of the model.
    public var processesPerModel: Int
    /// Calls each process runs at once over its one copy of the model (CTranslate2 workers);
    /// with `processesPerModel`, the per-model concurrency limit.
    public var callsPerProcess = 1
    /// `auto`, `cpu` or `cuda`.
    public var device: String
    /// `default` (int8 on CPU, float16 on CUDA), or a CTranslate2 compute type.
    public var computeType: String
    /// Inference threads per call.
    public var threads: Int
    /// Longest a call may go without a sign of life (its start, or a progress frame from the
    /// engine, written after each piece of a long item) before the process is killed and the
    /// call's items are contained (see `CallContainment`).
    public var callTimeout: Duration
    /// Longest wait for a process to start and load its model.
    public var startTimeout: Duration
    /// Consecutive start failures after which the model is reported unhealthy.
    public var unhealthyAfterFailures: Int
    /// Whether engine processes log JSON lines (as Parley does off a terminal).
    public var jsonLogs = false
    /// Whether the engine batches the one-window items of a call through the model together.
    public var batching = true
    /// Whether short items are encoded as trimmed windows, batched across items.
    public var windowing = true
    /// Whether long items are cut into VAD chunks batched across items (else decoded sequentially).
    public var chunking = true
    /// Whether items of one known language are also packed end to end into shared windows.
    public var packing = false
    /// Variables added to the environment engine processes inherit (for example
    /// `CUDA_VISIBLE_DEVICES`, or a test's `PARLEY_ENGINE_FAULT_MARKER`).
    public var environment: [String: String] = [:]

    public init(
        python: String, engineDirectory: String, models: [ModelSpec], processesPerModel: Int = 1,
        device: String = "auto", computeType: String = "default",
        threads: Int = ProcessInfo.processInfo.activeProcessorCount,
        callTimeout: Duration = .seconds(600), startTimeout: Duration = .seconds(180), unhealthyAfterFailures: Int = 3
    ) {
        self.python = python
        self.engineDirectory = engineDirectory
        self.models = models
        self.processesPerModel = max(1, processesPerModel)
        self.device = device
        self.computeType = computeType
        self.threads = max(1, threads)
        self.callTimeout = callTimeout
        self.startTimeout = startTimeout
        self.unhealthyAfterFailures = unhealthyAfterFailures
    }

    /// Changes the model group named `name`; a name no group has changes nothing.
    public mutating func updateModel(_ name: String, _ change: (inout ModelSpec) -> Void) {
        for index in models.indices where models[index].name == name { change(&models[index]) }
    }
}
