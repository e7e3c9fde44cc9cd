import ArchGraph

/// A training run's length and hardware, for its cost: `epochs` passes over `imagesPerEpoch`
/// images on `gpus` data-parallel GPUs that sustain `utilization` of their peak.
public struct TrainingRun: Hashable, Sendable {
    /// The ImageNet-1k training set.
    public static let imageNetImages = 1_281_167
    /// The utilisation assumed when none is given: a typical share of the peak that vision
    /// transformer training sustains.
    public static let defaultUtilization = 0.4

    public var epochs: Int
    public var imagesPerEpoch: Int
    public var gpus: Int
    /// Sustained FLOP/s over the peak, in (0, 1].
    public var utilization: Double

    public init(epochs: Int = 1, imagesPerEpoch: Int = imageNetImages, gpus: Int = 1, utilization: Double = defaultUtilization) {
        self.epochs = epochs
        self.imagesPerEpoch = imagesPerEpoch
        self.gpus = gpus
        self.utilization = utilization
    }

    /// Images processed: epochs × images per epoch (exact while it fits in `Int`).
    public var images: Double { Double(epochs) * Double(imagesPerEpoch) }

    /// The run's FLOPs for `flopsPerImage` per image: a product of exact integers that can
    /// exceed 2⁶³, so given in floating point.
    public func flops(perImage flopsPerImage: Int) -> Double { Double(flopsPerImage) * images }

    /// GPU-hours: the run's FLOPs over `peak` FLOP/s sustained at ``utilization``, in hours
    /// of one GPU (independent of the GPU count).
    public func gpuHours(flopsPerImage: Int, peak: Double) -> Double {
        flops(perImage: flopsPerImage) / (peak * utilization) / 3600
    }

    /// Wall-clock hours on ``gpus`` GPUs: GPU-hours / GPUs (data parallelism that scales
    /// perfectly).
    public func hours(flopsPerImage: Int, peak: Double) -> Double {
        gpuHours(flopsPerImage: flopsPerImage, peak: peak) / Double(gpus)
    }
}

/// A published training run and the utilisation it implies from vitscope's own MACs.
public struct PublishedRun: Hashable, Sendable {
    /// What was trained, as the paper names it: `DeiT-B`.
    public let name: String
    /// The preset that is the model.
    public let model: String
    public let epochs: Int
    public let imagesPerEpoch: Int
    public let gpu: GPU
    public let gpus: Int
    public let hours: Double
    public let precision: Precision
    public let attention: AttentionImplementation
    /// Where the figures come from.
    public let source: String
    /// How the images per epoch and the precision were read.
    public let note: String

    /// The images per epoch of DeiT's repeated-augmentation sampler (`RASampler` in the DeiT
    /// code): ⌊1,281,167 / 256⌋ × 256 images of ImageNet-1k, each drawn three times.
    public static let deitImagesPerEpoch = 1_281_167 / 256 * 256

    static let deitSource =
        "Touvron et al. 2021, Training data-efficient image transformers & distillation through attention, §5.6 Training time"
    static let deitNote =
        "mixed precision: the DeiT code trains under torch.cuda.amp.autocast() (FP16) and timm's attention of the time "
        + "(explicit matrix); RASampler draws 1,281,024 images per epoch"

    /// The runs of the calibration table.
    public static let all: [PublishedRun] = [
        PublishedRun(
            name: "DeiT-B, 300 epochs, one node", model: "deit_base_patch16_224", epochs: 300, imagesPerEpoch: deitImagesPerEpoch,
            gpu: GPU.named("v100")!, gpus: 8, hours: 53, precision: .fp16, attention: .eager, source: deitSource, note: deitNote),
        PublishedRun(
            name: "DeiT-B, 300 epochs, two nodes", model: "deit_base_patch16_224", epochs: 300, imagesPerEpoch: deitImagesPerEpoch,
            gpu: GPU.named("v100")!, gpus: 16, hours: 37, precision: .fp16, attention: .eager, source: deitSource, note: deitNote),
        PublishedRun(
            name: "DeiT-B↑384 fine-tuning, 25 epochs", model: "deit_base_patch16_384", epochs: 25, imagesPerEpoch: deitImagesPerEpoch,
            gpu: GPU.named("v100")!, gpus: 8, hours: 20, precision: .fp16, attention: .eager, source: deitSource, note: deitNote),
    ]

    /// The setup the run trained with (CUDA autocast lists, dropouts as the model has them).
    public var setup: TrainingSetup { TrainingSetup(attention: attention, precision: precision, device: .cuda) }

    /// The utilisation the run implies: its FLOPs (`flopsPerImage` per image) over what its
    /// GPUs' peak would do in its hours.
    public func utilization(flopsPerImage: Int) -> Double {
        let peak = gpu.peak(precision) ?? .nan
        return Double(flopsPerImage) * Double(epochs) * Double(imagesPerEpoch) / (Double(gpus) * peak * hours * 3600)
    }
}
