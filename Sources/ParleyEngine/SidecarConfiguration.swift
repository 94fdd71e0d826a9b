import Foundation

/// A model the engine loads: a group name and a CTranslate2 directory.
public struct ModelSpec: Sendable, Equatable {
    public var name: String
    public var path: String

    public init(name: String, path: String) {
        self.name = name
        self.path = path
    }
}

/// How the worker starts and supervises `engine/` processes.
public struct SidecarConfiguration: Sendable {
    /// The Python interpreter of the engine's virtual environment.
    public var python: String
    /// The `engine/` directory (holding the `parley_engine` package).
    public var engineDirectory: String
    public var models: [ModelSpec]
    /// Engine processes per model: the per-model concurrency limit.
    public var processesPerModel: Int
    /// `auto`, `cpu` or `cuda`.
    public var device: String
    /// `default` (int8 on CPU, float16 on CUDA), or a CTranslate2 compute type.
    public var computeType: String
    /// Inference threads per process.
    public var threads: Int
    /// Longest wait for one batch before the process is killed and the batch retried.
    public var callTimeout: Duration
    /// Longest wait for a process to start and load its model.
    public var startTimeout: Duration
    /// Consecutive start failures after which the model is reported unhealthy.
    public var unhealthyAfterFailures: Int

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
}
