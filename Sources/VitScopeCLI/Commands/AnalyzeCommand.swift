import Architectures
import Reports

/// `vitscope analyze MODEL`: stages, totals and (optionally) every layer of one model.
enum AnalyzeCommand: Command {
    static let name = "analyze"
    static let abstract = "Analyse one model: per-stage grids, tokens, widths, params and MACs, and exact totals."
    static let forms = [ModelOptions.usage()]
    static let options =
        ModelOptions.callOptions + ModelOptions.sizeOptions + [
            OptionSpec(name: "layers", value: nil, help: "also list every layer (JSON always includes them)"),
            ModelOptions.format(),
        ]
    static let discussion = """
        MODEL is a preset name (vitscope list) or a spec file (*.json); --vit-pytorch CALL reads a vit-pytorch
        constructor call instead (ViT, PiT, T2TViT, CvT of vit-pytorch 1.26.11), --timm CALL a timm one
        (create_model('NAME', ...), VisionTransformer, SwinTransformer, PoolingVisionTransformer, ResNet of timm 1.0.31).
        example: vitscope analyze pit_s_224 --image-size 256 --format json
        example: vitscope analyze --vit-pytorch 'CvT(num_classes=1000)' --image-size 288
        example: vitscope analyze --timm "create_model('vit_base_patch16_224', img_size=384, global_pool='avg', class_token=False)"
        """

    static func run(_ args: ParsedArguments, console: Console) throws -> ExitCode {
        let models = ModelOptions.models(args)
        guard models.count == 1 else {
            throw UsageError(message: models.isEmpty ? "analyze needs a MODEL" : "analyze takes one MODEL; use compare for several")
        }
        let format = try ModelOptions.outputFormat(args)
        let overrides = try ModelOptions.overrides(args)
        guard let analysis = ModelOptions.analyze(models[0], overrides, console: console) else { return .failure }
        let layers = args.flags.contains("layers")
        switch format {
        case .table: console.out(AnalysisReport.text(analysis, layers: layers))
        case .markdown: console.out(AnalysisReport.markdown(analysis, layers: layers))
        case .json: console.out(AnalysisReport.json(analysis).rendered() + "\n")
        }
        return .success
    }
}
