package dev.templatelab.training.hyper;

import static dev.templatelab.training.hyper.HyperparameterDef.bool;
import static dev.templatelab.training.hyper.HyperparameterDef.choice;
import static dev.templatelab.training.hyper.HyperparameterDef.integer;
import static dev.templatelab.training.hyper.HyperparameterDef.positive;
import static dev.templatelab.training.hyper.HyperparameterDef.real;
import static dev.templatelab.training.hyper.HyperparameterDef.text;

import dev.templatelab.architectures.Template;
import dev.templatelab.architectures.TemplateRegistry;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every training hyperparameter TemplateLab knows, with Clarifai's names, and how a template's defaults
 * and a user's overrides become one validated {@link Hyperparameters} set. Unknown names and
 * out-of-range values are rejected with the allowed range.
 */
public final class HyperparameterSchema {

    private static final Map<String, HyperparameterDef> DEFINITIONS = new LinkedHashMap<>();

    /** Values every template starts from before its own Clarifai defaults are applied. */
    private static final Map<String, Object> COMMON_DEFAULTS = new LinkedHashMap<>();

    static {
        define(integer("image_size", 32, 1024, "square input size in pixels"), 224);
        define(integer("batch_size", 1, 256, "images per minibatch"), 64);
        define(integer("num_epochs", 1, 600, "passes over the training set"), 20);
        define(integer("num_items_per_epoch", 0, 1_000_000_000, "images per epoch; 0 = the whole training set"), 0);
        define(positive("per_item_lrate", 1.0, "learning rate per image: lrate = batch_size x per_item_lrate"), 7.8125e-05);
        define(real("lrate", 0, 10, "learning rate per minibatch; 0 = batch_size x per_item_lrate"), 0.0);
        define(real("per_item_min_lrate", 0, 1, "cosine schedule floor per image"), 0.0);
        define(choice("lr_schedule", List.of("cosine", "step", "constant"), "learning-rate schedule"), "step");
        define(integer("warmup_iters", 0, 1_000_000, "linear warm-up iterations"), 0);
        define(real("warmup_ratio", 0, 1, "warm-up starts at lrate x warmup_ratio"), 1e-3);
        define(integer("init_epochs", 0, 600, "step schedule: epochs at the full learning rate"), 25);
        define(integer("step_epochs", 1, 600, "step schedule: epochs between 10x decays"), 7);
        define(choice("updater", List.of("sgd", "nesterovs", "adam", "adamw"), "optimiser"), "nesterovs");
        define(real("momentum", 0, 0.999, "momentum of sgd/nesterovs"), 0.9);
        define(real("weight_decay", 0, 1, "decoupled weight decay on weights (not on biases or batch norm)"), 0.0);
        define(integer("logreg", 0, 1, "1 = sigmoid outputs with binary cross-entropy, 0 = softmax"), 1);
        define(real("flip_probability", 0, 1, "probability of flipping a training image"), 0.0);
        define(choice("flip_direction", List.of("horizontal", "vertical"), "which way images are flipped"), "horizontal");
        define(real("label_smoothing", 0, 0.5, "label smoothing of the targets"), 0.0);
        define(real("mixup_alpha", 0, 10, "mixup Beta(alpha, alpha); 0 = off"), 0.0);
        define(real("cutmix_alpha", 0, 10, "cutmix Beta(alpha, alpha); 0 = off"), 0.0);
        define(integer("randaugment_ops", 0, 5, "RandAugment operations per image; 0 = off"), 0);
        define(real("randaugment_magnitude", 0, 10, "RandAugment magnitude"), 0.0);
        define(real("random_resized_crop", 0, 1, "random-resized-crop minimum area fraction; 0 = plain resize"), 0.0);
        define(real("base_gradient_multiplier", 0, 1, "learning-rate multiplier of the backbone (0 = frozen)"), 1.0);
        define(integer("frozen_blocks", 0, 64, "backbone blocks, from the input, whose weights stay as loaded (the stem "
                + "is block 1, then each stage or Inception module; 'templatelab templates' lists them); batch-norm "
                + "statistics still follow the data"), 0);
        define(real("head_dropout", 0, 0.9, "dropout probability on the head's input (the pooled features) while "
                + "training; 0 keeps the template's own (Inception-v2: 0.2 before its classifier, the others none)"), 0.0);
        define(bool("average_horizontal_flips", "evaluate on the image and its mirror, averaged"), false);
        define(real("width_multiplier", 0.0625, 4, "channel multiplier of the network; 1 = published width"), 1.0);
        define(integer("embedding_size", 2, 8192, "embed-norm head: embedding width"), 256);
        define(positive("cosine_scale", 256, "embed-norm head: logit scale (inverse temperature)"), 16.0);
        define(real("validation_fraction", 0, 0.9, "share of each class held out for validation"), 0.2);
        define(real("test_fraction", 0, 0.9, "share of each class held out for a final test"), 0.0);
        define(integer("precise_bn_batches", 0, 1000, "after each epoch, recompute batch-norm statistics on this many "
                + "unaugmented training batches (precise BN); 0 = keep the running averages"), 20);
        define(choice("checkpoint_metric", List.of("accuracy", "macro_f1", "map", "loss"), "validation metric that picks "
                + "the best epoch: its checkpoint is kept and early stopping waits for it to improve (tuning sets it to "
                + "the objective)"), "accuracy");
        define(integer("early_stopping_patience", 0, 600, "stop after this many epochs without improvement; 0 = off"), 0);
        define(integer("seed", 0, Integer.MAX_VALUE, "random seed of weights, split, shuffling and augmentation"), 42);
        define(choice("precision", List.of("float32", "bfloat16"), "arithmetic of the convolutions: bfloat16 multiplies "
                + "them in bfloat16 (sums, weights and updates stay float32) on CPUs with AVX-512 BF16"), "float32");
        define(text("pretrained_weights", "name of registered pretrained weights, or None"), "None");
        define(bool("concepts_mutually_exclusive", "informational: true suggests logreg=0"), false);
    }

    /** Template-specific bounds from Clarifai's documentation. */
    private static final Map<String, Map<String, double[]>> TEMPLATE_RANGES = Map.of(
            "Clarifai_InceptionBatchNorm", Map.of("batch_size", new double[] {1, 128}, "num_epochs", new double[] {1, 200}),
            "Clarifai_InceptionV2", Map.of("batch_size", new double[] {1, 128}, "num_epochs", new double[] {1, 200}),
            "Clarifai_ResNext", Map.of("batch_size", new double[] {1, 128}, "num_epochs", new double[] {1, 200}));

    /** How many backbone blocks each template has: the range of {@code frozen_blocks}. */
    private static final Map<String, Integer> BACKBONE_BLOCKS = TemplateRegistry.standard().list().stream()
            .collect(java.util.stream.Collectors.toMap(Template::name, t -> t.backboneBlocks().size()));

    /** What each template's recipe changes beyond its Clarifai defaults (schedule, optimiser, RSB pieces). */
    private static final Map<String, Map<String, Object>> RECIPES = Map.of(
            "MMClassification_ResNet_50_RSB_A1", Map.of("lr_schedule", "cosine", "updater", "adamw",
                    "label_smoothing", 0.1, "mixup_alpha", 0.2, "cutmix_alpha", 1.0, "randaugment_ops", 2,
                    "randaugment_magnitude", 7.0, "random_resized_crop", 0.08),
            "Clarifai_InceptionTransferEmbedNorm", Map.of("lr_schedule", "constant"));

    private HyperparameterSchema() {
    }

    private static void define(HyperparameterDef def, Object defaultValue) {
        DEFINITIONS.put(def.name(), def);
        COMMON_DEFAULTS.put(def.name(), def.check(defaultValue));
    }

    public static Collection<HyperparameterDef> definitions() {
        return DEFINITIONS.values();
    }

    /** The definition as it applies to a template (its bounds). */
    public static HyperparameterDef definition(String templateName, String name) {
        HyperparameterDef def = DEFINITIONS.get(name);
        if (def == null) {
            throw new IllegalArgumentException("unknown hyperparameter '" + name + "'; known: " + String.join(", ", DEFINITIONS.keySet()));
        }
        double[] range = TEMPLATE_RANGES.getOrDefault(templateName, Map.of()).get(name);
        Integer blocks = BACKBONE_BLOCKS.get(templateName);
        if (range == null && name.equals("frozen_blocks") && blocks != null) {
            range = new double[] {0, blocks};
        }
        return range == null ? def : def.withRange(range[0], range[1]);
    }

    /** Template defaults, then recipe, then the user's overrides (strings from {@code --set}). */
    public static Hyperparameters resolve(Template template, Map<String, String> overrides) {
        Map<String, Object> typed = new LinkedHashMap<>();
        overrides.forEach((k, v) -> typed.put(k, definition(template.name(), k).parse(v)));
        return resolveTyped(template, typed);
    }

    /** As {@link #resolve} for already typed values (tuning's sampled parameters). */
    public static Hyperparameters resolveTyped(Template template, Map<String, Object> overrides) {
        Map<String, Object> values = new LinkedHashMap<>(COMMON_DEFAULTS);
        template.defaults().hyperparameters().forEach((k, v) -> {
            if (DEFINITIONS.containsKey(k)) {
                values.put(k, v);
            }
        });
        values.putAll(RECIPES.getOrDefault(template.name(), Map.of()));
        values.putAll(overrides);
        Map<String, Object> checked = new LinkedHashMap<>();
        values.forEach((k, v) -> checked.put(k, definition(template.name(), k).check(v)));
        Hyperparameters hp = new Hyperparameters(checked);
        checkTogether(hp.getDouble("validation_fraction"), hp.getDouble("test_fraction"));
        return hp;
    }

    /** The rule that spans parameters: the held-out fractions must leave images to train on. */
    public static void checkTogether(double validationFraction, double testFraction) {
        if (validationFraction + testFraction >= 1) {
            throw new InvalidHyperparametersException("validation_fraction + test_fraction must be below 1 so some "
                    + "images are left to train on, got " + validationFraction + " + " + testFraction);
        }
    }
}
