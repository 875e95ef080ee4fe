package dev.templatelab.tuning.space;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.templatelab.architectures.Template;
import dev.templatelab.architectures.TemplateRegistry;
import dev.templatelab.training.hyper.HyperparameterSchema;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

class SearchSpaceTest {

    private static final String RESNEXT = "Clarifai_ResNext";
    private static final String RSB = "MMClassification_ResNet_50_RSB_A1";
    private static final String EMBED = "Clarifai_InceptionTransferEmbedNorm";
    private static final String V2 = "Clarifai_InceptionV2";

    static List<Template> templates() {
        return List.copyOf(TemplateRegistry.standard().list());
    }

    /** Every corner of every template's default space is a valid training configuration. */
    @ParameterizedTest
    @MethodSource("templates")
    void everyDefaultSpaceResolvesToValidHyperparameters(Template template) {
        TemplateSpace space = SearchSpace.defaults(template.name()).template(template.name());
        assertThat(space.parameters()).containsKeys("batch_size", "num_epochs", "image_size", "flip_probability");
        SplittableRandom random = new SplittableRandom(1);
        for (int i = 0; i < 200; i++) {
            Map<String, Object> params = new java.util.LinkedHashMap<>();
            space.parameters().forEach((name, d) -> params.put(name, randomValue(d, random)));
            assertThat(space.contains(params)).isTrue();
            assertThat(HyperparameterSchema.resolveTyped(template, params).values()).containsAllEntriesOf(params);
        }
    }

    private static Object randomValue(Distribution d, SplittableRandom random) {
        if (d instanceof CategoricalDistribution c) {
            return c.choices().get(random.nextInt(c.choices().size()));
        }
        if (d instanceof IntDistribution i) {
            return i.gridPoint(random.nextLong(i.gridSize()));
        }
        FloatDistribution f = (FloatDistribution) d;
        return random.nextBoolean() ? f.low() : f.high();
    }

    @Test
    void defaultSpacesFollowEachTemplatesClarifaiDefaults() {
        SearchSpace all = SearchSpace.defaults(TemplateRegistry.standard().names());
        TemplateSpace resnext = all.template(RESNEXT);
        assertThat(resnext.parameter("per_item_lrate")).isEqualTo(FloatDistribution.logUniform(7.8125e-06, 7.8125e-04));
        assertThat(resnext.parameter("image_size")).isEqualTo(new IntDistribution(128, 256, false, 16));
        assertThat(resnext.parameter("num_epochs")).isEqualTo(IntDistribution.range(17, 65));
        assertThat(resnext.parameter("base_gradient_multiplier")).isEqualTo(FloatDistribution.logUniform(1e-4, 1));
        assertThat(resnext.parameter("frozen_blocks")).as("none up to stem + layer1..4").isEqualTo(IntDistribution.range(0, 5));
        assertThat(resnext.parameter("head_dropout")).isEqualTo(FloatDistribution.uniform(0, 0.5));
        assertThat(resnext.parameters()).doesNotContainKeys("lrate", "warmup_iters", "embedding_size");

        TemplateSpace rsb = all.template(RSB);
        assertThat(rsb.parameter("weight_decay")).isEqualTo(FloatDistribution.logUniform(1e-3, 0.1));
        assertThat(rsb.parameter("warmup_iters")).isEqualTo(IntDistribution.range(0, 500));
        assertThat(rsb.parameter("image_size")).isEqualTo(new IntDistribution(112, 224, false, 16));

        assertThat(all.template(V2).parameters()).as("trained from scratch")
                .doesNotContainKeys("base_gradient_multiplier", "frozen_blocks", "head_dropout");

        TemplateSpace embed = all.template(EMBED);
        // Transfer-head tuning: embedding size, scale (temperature), head rate (lrate; the backbone's is lrate x
        // base_gradient_multiplier), frozen blocks (stem + 10 modules), head dropout, flip averaging.
        assertThat(embed.parameters()).containsKeys("lrate", "base_gradient_multiplier", "embedding_size", "cosine_scale",
                "average_horizontal_flips", "frozen_blocks", "head_dropout").doesNotContainKeys("per_item_lrate", "weight_decay");
        assertThat(embed.parameter("frozen_blocks")).isEqualTo(IntDistribution.range(0, 11));
        FloatDistribution lrate = (FloatDistribution) embed.parameter("lrate");
        assertThat(lrate.log()).isTrue();
        assertThat(lrate.low()).isCloseTo(0.01, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(lrate.high()).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(embed.parameter("average_horizontal_flips")).isEqualTo(CategoricalDistribution.of(false, true));
    }

    @Test
    void overridesNarrowWidenFixAndChoose() {
        SearchSpace space = SearchSpace.parse(List.of(RESNEXT), List.of(
                "per_item_lrate=1e-5..1e-4",       // keeps the default's log
                "flip_probability=log:0.01..0.5",  // forces log
                "weight_decay=lin:0..0.001",       // forces linear
                "image_size=160..224",             // keeps step 16
                "num_epochs=10..40:10",
                "batch_size=32,64",
                "updater=adamw",                   // a parameter not in the default space
                "average_horizontal_flips=true"));
        TemplateSpace t = space.template(RESNEXT);
        assertThat(t.parameter("per_item_lrate")).isEqualTo(FloatDistribution.logUniform(1e-5, 1e-4));
        assertThat(t.parameter("flip_probability")).isEqualTo(FloatDistribution.logUniform(0.01, 0.5));
        assertThat(t.parameter("weight_decay")).isEqualTo(FloatDistribution.uniform(0, 0.001));
        assertThat(t.parameter("image_size")).isEqualTo(new IntDistribution(160, 224, false, 16));
        assertThat(t.parameter("num_epochs")).isEqualTo(new IntDistribution(10, 40, false, 10));
        assertThat(t.parameter("batch_size")).isEqualTo(CategoricalDistribution.of(32, 64));
        assertThat(t.parameter("updater")).isEqualTo(CategoricalDistribution.fixed("adamw"));
        assertThat(t.parameter("average_horizontal_flips")).isEqualTo(CategoricalDistribution.fixed(true));
    }

    @Test
    void multiTemplateSpacesMakeTheTemplateADimensionWithConditionalParameters() {
        SearchSpace space = SearchSpace.parse(List.of(RESNEXT), List.of("template=Clarifai_ResNext,Clarifai_InceptionTransferEmbedNorm",
                "batch_size=32", "Clarifai_InceptionTransferEmbedNorm.embedding_size=128,256"));
        assertThat(space.templateDistribution()).isEqualTo(CategoricalDistribution.of(RESNEXT, EMBED));
        assertThat(space.template(RESNEXT).parameter("batch_size")).isEqualTo(CategoricalDistribution.fixed(32));
        assertThat(space.template(EMBED).parameter("batch_size")).isEqualTo(CategoricalDistribution.fixed(32));
        assertThat(space.template(EMBED).parameter("embedding_size")).isEqualTo(CategoricalDistribution.of(128, 256));
        assertThat(space.template(RESNEXT).parameters()).doesNotContainKey("embedding_size");
        assertThatThrownBy(() -> SearchSpace.parse(List.of(RESNEXT), List.of("Clarifai_InceptionV2.batch_size=32")))
                .hasMessageContaining("template Clarifai_InceptionV2 is not searched");
        assertThatThrownBy(() -> SearchSpace.parse(List.of(RESNEXT), List.of("template=ResNet9000")))
                .hasMessageContaining("unknown template 'ResNet9000'");
    }

    @Test
    void unknownParameterIsRejected() {
        assertThatThrownBy(() -> SearchSpace.parse(List.of(RESNEXT), List.of("learning_rate=0.1")))
                .hasMessageContaining("unknown hyperparameter 'learning_rate'").hasMessageContaining("per_item_lrate");
    }

    @Test
    void boundsOutsideTheTemplatesAllowedRangeAreRejected() {
        // Clarifai_ResNext allows batch sizes up to 128; RSB up to 256.
        assertThatThrownBy(() -> SearchSpace.parse(List.of(RESNEXT), List.of("batch_size=16..256")))
                .hasMessage("search space of Clarifai_ResNext: batch_size must be an integer in [1, 128], got 256");
        assertThat(SearchSpace.parse(List.of(RSB), List.of("batch_size=16..256")).template(RSB).parameter("batch_size"))
                .isEqualTo(IntDistribution.range(16, 256));
        assertThatThrownBy(() -> SearchSpace.parse(List.of(RESNEXT), List.of("per_item_lrate=0..1e-3")))
                .hasMessageContaining("per_item_lrate must be a number in (0, 1], got 0.0");
        assertThatThrownBy(() -> SearchSpace.parse(List.of(RESNEXT), List.of("flip_probability=0.5,1.5")))
                .hasMessageContaining("flip_probability must be a number in [0, 1], got 1.5");
        assertThatThrownBy(() -> SearchSpace.parse(List.of(RESNEXT), List.of("updater=sgd,rmsprop")))
                .hasMessageContaining("updater must be one of [sgd, nesterovs, adam, adamw], got 'rmsprop'");
        assertThatThrownBy(() -> SearchSpace.parse(List.of(RESNEXT), List.of("batch_size=16.5..64")))
                .hasMessageContaining("batch_size must be a whole number");
        // ResNeXt's backbone has 5 blocks (stem, layer1..4), BN-Inception's 11
        assertThatThrownBy(() -> SearchSpace.parse(List.of(RESNEXT), List.of("frozen_blocks=0..6")))
                .hasMessage("search space of Clarifai_ResNext: frozen_blocks must be an integer in [0, 5], got 6");
        assertThat(SearchSpace.parse(List.of(EMBED), List.of("frozen_blocks=0..6")).template(EMBED).parameter("frozen_blocks"))
                .isEqualTo(IntDistribution.range(0, 6));
    }

    @Test
    void logRangeWithNonPositiveLowIsRejected() {
        assertThatThrownBy(() -> SearchSpace.parse(List.of(RESNEXT), List.of("weight_decay=log:0..0.1")))
                .hasMessage("search space of Clarifai_ResNext: weight_decay: a log range needs low > 0, got low 0.0");
        // The default weight_decay is log, so a plain range keeps log and fails the same way.
        assertThatThrownBy(() -> SearchSpace.parse(List.of(RESNEXT), List.of("weight_decay=0..0.1")))
                .hasMessageContaining("weight_decay: a log range needs low > 0");
    }

    @Test
    void stepThatDoesNotDivideTheRangeIsRejected() {
        assertThatThrownBy(() -> SearchSpace.parse(List.of(RESNEXT), List.of("image_size=128..250:16")))
                .hasMessageContaining("image_size: step 16 does not divide the range 128..250");
        assertThatThrownBy(() -> SearchSpace.parse(List.of(RESNEXT), List.of("image_size=100..200")))
                .hasMessageContaining("step 16 was kept from the default space").hasMessageContaining("image_size=100..200:STEP");
        assertThatThrownBy(() -> SearchSpace.parse(List.of(RESNEXT), List.of("flip_probability=0..1:0.3")))
                .hasMessageContaining("flip_probability: step 0.3 does not divide");
        assertThatThrownBy(() -> SearchSpace.parse(List.of(RESNEXT), List.of("num_epochs=10..40:2.5")))
                .hasMessageContaining("num_epochs: step must be a whole number");
        assertThatThrownBy(() -> SearchSpace.parse(List.of(RESNEXT), List.of("flip_probability=log:0.1..1:0.1")))
                .hasMessageContaining("log and step cannot be combined");
    }

    @Test
    void rangesOnlyForNumbers() {
        assertThatThrownBy(() -> SearchSpace.parse(List.of(RESNEXT), List.of("updater=0..1")))
                .hasMessageContaining("updater is one of [sgd, nesterovs, adam, adamw]; give one value or a list");
        assertThatThrownBy(() -> new TemplateSpace(RESNEXT, Map.of("batch_size", FloatDistribution.uniform(16, 64))))
                .hasMessageContaining("batch_size is an integer in [1, 128]; it cannot take a float range");
    }

    @Test
    void emptyCategoricalIsRejected() {
        assertThatThrownBy(() -> SearchSpace.parseJson(List.of(RESNEXT), "{\"batch_size\": []}"))
                .hasMessage("search space of Clarifai_ResNext: batch_size: a categorical needs at least one choice");
    }

    @Test
    void parseErrorsSayWhatIsExpected() {
        for (String bad : List.of("batch_size", "=32", "batch_size=", "batch_size=16..", "batch_size=..64",
                "batch_size=16,,32", "weight_decay=log:1e-3", "batch_size=1..2..3", "a.b.c=1", "lrate=Log:1e-4..1e-2",
                "lrate=loguniform:1e-4..1e-2")) {
            assertThatThrownBy(() -> SpaceOverrides.parse(bad)).as(bad)
                    .hasMessageStartingWith("cannot parse search-space entry '" + bad + "'")
                    .hasMessageContaining("expected name=value, name=low..high");
        }
        assertThatThrownBy(() -> SearchSpace.parse(List.of(RESNEXT), List.of("batch_size=abc")))
                .hasMessageContaining("batch_size must be an integer in [1, 128], got 'abc'");
    }

    @Test
    void jsonFormIsTheSameLanguage() {
        SearchSpace fromJson = SearchSpace.parseJson(List.of(RESNEXT), """
                {"per_item_lrate": {"low": 1e-5, "high": 1e-4},
                 "flip_probability": {"low": 0.0, "high": 1.0, "step": 0.25},
                 "batch_size": [32, 64],
                 "updater": "adamw",
                 "Clarifai_ResNext.num_epochs": {"low": 10, "high": 40, "step": 10}}""");
        SearchSpace fromCli = SearchSpace.parse(List.of(RESNEXT), List.of("per_item_lrate=1e-5..1e-4",
                "flip_probability=0..1:0.25", "batch_size=32,64", "updater=adamw", "Clarifai_ResNext.num_epochs=10..40:10"));
        assertThat(fromJson).isEqualTo(fromCli);
        assertThatThrownBy(() -> SpaceOverrides.parseJson("{\"batch_size\": {\"low\": 1, \"hi\": 2}}"))
                .hasMessageContaining("unknown key 'hi'");
        assertThatThrownBy(() -> SpaceOverrides.parseJson("{\"batch_size\": {\"low\": 1}}"))
                .hasMessageContaining("a range needs both \"low\" and \"high\"");
        assertThatThrownBy(() -> SpaceOverrides.parseJson("[1, 2]")).hasMessageContaining("must be an object");
        assertThatThrownBy(() -> SpaceOverrides.parseJson("{\"batch_size\": ")).hasMessageContaining("not valid JSON");
        assertThatThrownBy(() -> SearchSpace.parseJson(List.of(RESNEXT), "{\"batch_size\": 16.5}"))
                .hasMessageContaining("batch_size must be a whole number, got 16.5");
    }

    @Test
    void searchSpaceJsonRoundTrip() {
        SearchSpace space = SearchSpace.parse(List.of(RESNEXT, EMBED), List.of("batch_size=32,64",
                "flip_probability=0..1:0.25", "updater=adamw", "pretrained_weights=imagenet"));
        String json = space.toJson();
        SearchSpace back = SearchSpace.fromJson(json);
        assertThat(back).isEqualTo(space);
        assertThat(back.toJson()).isEqualTo(json);
        assertThat(back.templateNames()).containsExactly(RESNEXT, EMBED);
        assertThat(List.copyOf(back.template(EMBED).parameters().keySet()))
                .containsExactlyElementsOf(space.template(EMBED).parameters().keySet());
    }

    @Test
    void storedSpacesAreValidatedAgainWhenRead() {
        String json = "{\"Clarifai_ResNext\": {\"batch_size\": {\"type\": \"int\", \"low\": 16, \"high\": 512, \"log\": false, \"step\": 16}}}";
        assertThatThrownBy(() -> SearchSpace.fromJson(json))
                .hasMessageContaining("batch_size must be an integer in [1, 128], got 512 (the range's high)");
    }
}
