package dev.templatelab.tuning.space;

import dev.templatelab.architectures.Template;
import dev.templatelab.architectures.embednorm.EmbedNormTemplate;
import dev.templatelab.training.hyper.HyperparameterDef;
import dev.templatelab.training.hyper.HyperparameterSchema;
import dev.templatelab.training.hyper.Hyperparameters;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Each template's default search space, built from its Clarifai defaults by one table of rules: a rule says
 * which templates a parameter is tuned for and how its range follows from the template's default and allowed
 * range. Head dropout is not a hyperparameter of the training schema yet, so it is not searched.
 */
public final class DefaultSpaces {

    /** Batch sizes tried: powers of two that fit every template's memory at its default input size. */
    private static final List<Integer> BATCH_SIZES = List.of(16, 32, 64, 128);
    private static final int IMAGE_SIZE_STEP = 16;

    /** What a rule may look at: the template, its resolved defaults and the schema's bounds for it. */
    private record Facts(Template template, Hyperparameters defaults) {
        double value(String name) {
            return defaults.getDouble(name);
        }

        HyperparameterDef def(String name) {
            return HyperparameterSchema.definition(template.name(), name);
        }

        /** Whether the template's own Clarifai defaults set {@code name} (not just the schema's common default). */
        boolean setsOwn(String name) {
            return template.defaults().hyperparameters().containsKey(name);
        }

        boolean embedNormHead() {
            return template instanceof EmbedNormTemplate;
        }
    }

    private record Rule(String parameter, Predicate<Facts> tunedFor, Function<Facts, Distribution> distribution) {
    }

    private static final List<Rule> RULES = List.of(
            // Clarifai's learning rate is per image (lrate = batch_size x per_item_lrate) unless a template sets lrate.
            new Rule("per_item_lrate", f -> f.value("lrate") == 0, f -> logAround(f, "per_item_lrate", 10)),
            new Rule("lrate", f -> f.value("lrate") > 0, f -> logAround(f, "lrate", 10)),
            new Rule("batch_size", f -> true, f -> batchSizes(f)),
            new Rule("num_epochs", f -> true, f -> IntDistribution.range(
                    (int) Math.ceil(f.value("num_epochs") / 4), (int) f.value("num_epochs"))),
            // Decoupled weight decay: around the template's value, else SGD's usual 1e-5..1e-3; the small
            // embed-norm head on a normalised embedding is not decayed.
            new Rule("weight_decay", f -> !f.embedNormHead(), f -> f.value("weight_decay") > 0
                    ? logAround(f, "weight_decay", 10) : FloatDistribution.logUniform(1e-5, 1e-3)),
            // Warm-up only exists in the cosine/constant schedules; tuned where the recipe uses it.
            new Rule("warmup_iters", f -> f.setsOwn("warmup_iters"), f -> IntDistribution.range(0,
                    (int) Math.min(f.def("warmup_iters").max(), 5 * f.value("warmup_iters")))),
            new Rule("flip_probability", f -> true, f -> FloatDistribution.uniform(0, 1)),
            new Rule("image_size", f -> true, DefaultSpaces::imageSizes),
            // Pretrained templates: how fast the backbone moves (0 = frozen is a fixed value, not in a log range).
            new Rule("base_gradient_multiplier", f -> f.template.defaults().pretrained(),
                    f -> FloatDistribution.logUniform(1e-4, 1)),
            // ... how many blocks from the input keep their pretrained weights (all of them: a linear probe) ...
            new Rule("frozen_blocks", f -> f.template.defaults().pretrained(),
                    f -> IntDistribution.range(0, f.template.backboneBlocks().size())),
            // ... and how much of the new head's input is dropped while it learns.
            new Rule("head_dropout", f -> f.template.defaults().pretrained(), f -> FloatDistribution.uniform(0, 0.5)),
            new Rule("embedding_size", Facts::embedNormHead, f -> IntDistribution.logRange(64, 1024)),
            new Rule("cosine_scale", Facts::embedNormHead, f -> FloatDistribution.logUniform(4, 64)),
            new Rule("average_horizontal_flips", f -> f.setsOwn("average_horizontal_flips"),
                    f -> CategoricalDistribution.of(false, true)));

    private DefaultSpaces() {
    }

    /** The default space of {@code template}. */
    public static TemplateSpace forTemplate(Template template) {
        Facts facts = new Facts(template, HyperparameterSchema.resolveTyped(template, Map.of()));
        Map<String, Distribution> params = new LinkedHashMap<>();
        for (Rule rule : RULES) {
            if (rule.tunedFor.test(facts)) {
                params.put(rule.parameter, rule.distribution.apply(facts));
            }
        }
        return new TemplateSpace(template.name(), params);
    }

    /** Log-uniform on [default / factor, default x factor], clipped to the allowed range. */
    private static FloatDistribution logAround(Facts f, String name, double factor) {
        double d = f.value(name);
        HyperparameterDef def = f.def(name);
        return FloatDistribution.logUniform(Math.max(d / factor, def.min() > 0 ? def.min() : Double.MIN_NORMAL),
                Math.min(d * factor, def.max()));
    }

    private static CategoricalDistribution batchSizes(Facts f) {
        HyperparameterDef def = f.def("batch_size");
        List<Object> sizes = new ArrayList<>();
        BATCH_SIZES.stream().filter(b -> b >= def.min() && b <= def.max()).forEach(sizes::add);
        return new CategoricalDistribution(sizes);
    }

    /** Multiples of 16 from half the template's input size up to it: cheaper trials, same preprocessing. */
    private static IntDistribution imageSizes(Facts f) {
        int d = (int) f.value("image_size");
        int low = Math.max((int) f.def("image_size").min(), (d / 2 + IMAGE_SIZE_STEP - 1) / IMAGE_SIZE_STEP * IMAGE_SIZE_STEP);
        int high = low + (d - low) / IMAGE_SIZE_STEP * IMAGE_SIZE_STEP;
        return new IntDistribution(low, high, false, IMAGE_SIZE_STEP);
    }
}
