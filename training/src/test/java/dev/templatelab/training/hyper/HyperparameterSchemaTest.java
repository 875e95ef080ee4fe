package dev.templatelab.training.hyper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.templatelab.architectures.Template;
import dev.templatelab.architectures.TemplateRegistry;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HyperparameterSchemaTest {

    private static final TemplateRegistry REGISTRY = TemplateRegistry.standard();
    private static final Template RSB = REGISTRY.get("MMClassification_ResNet_50_RSB_A1");
    private static final Template INCEPTION = REGISTRY.get("Clarifai_InceptionBatchNorm");

    @Test
    void clarifaiDefaultsAndTheRecipeApply() {
        Hyperparameters hp = HyperparameterSchema.resolve(RSB, Map.of());
        assertThat(hp.getInt("batch_size")).isEqualTo(64);
        assertThat(hp.learningRate()).isCloseTo(64 * 1.953125e-05, within(1e-12));
        assertThat(hp.getString("lr_schedule")).isEqualTo("cosine");
        assertThat(hp.getString("updater")).isEqualTo("adamw");
        assertThat(hp.getDouble("weight_decay")).isEqualTo(0.01);
        Hyperparameters inception = HyperparameterSchema.resolve(INCEPTION, Map.of());
        assertThat(inception.getString("lr_schedule")).isEqualTo("step");
        assertThat(inception.getInt("init_epochs")).isEqualTo(25);
        assertThat(inception.learningRate()).isCloseTo(64 * 7.8125e-05, within(1e-12));
    }

    @Test
    void overridesAreParsedAndExplicitLrateWins() {
        Hyperparameters hp = HyperparameterSchema.resolve(INCEPTION,
                Map.of("batch_size", "32", "lrate", "0.05", "average_horizontal_flips", "true", "flip_direction", "vertical"));
        assertThat(hp.getInt("batch_size")).isEqualTo(32);
        assertThat(hp.learningRate()).isEqualTo(0.05);
        assertThat(hp.getBoolean("average_horizontal_flips")).isTrue();
        assertThat(hp.getString("flip_direction")).isEqualTo("vertical");
    }

    @Test
    void unknownNamesListTheKnownOnes() {
        assertThatThrownBy(() -> HyperparameterSchema.resolve(RSB, Map.of("learning_rate", "0.1")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown hyperparameter 'learning_rate'")
                .hasMessageContaining("per_item_lrate");
    }

    /** Each fraction is below 1, but together they would hold out every image (the split would fail after the import). */
    @Test
    void heldOutFractionsMustLeaveImagesToTrainOn() {
        assertThatThrownBy(() -> HyperparameterSchema.resolve(INCEPTION, Map.of("validation_fraction", "0.5",
                "test_fraction", "0.5"))).isInstanceOf(InvalidHyperparametersException.class)
                .hasMessage("validation_fraction + test_fraction must be below 1 so some images are left to train on, "
                        + "got 0.5 + 0.5");
        assertThat(HyperparameterSchema.resolve(INCEPTION, Map.of("validation_fraction", "0.5", "test_fraction", "0.49"))
                .getDouble("test_fraction")).isEqualTo(0.49);
    }

    @Test
    void outOfRangeValuesStateTheAllowedRange() {
        assertThatThrownBy(() -> HyperparameterSchema.resolve(INCEPTION, Map.of("batch_size", "200")))
                .hasMessage("batch_size must be an integer in [1, 128], got 200");
        assertThat(HyperparameterSchema.resolve(RSB, Map.of("batch_size", "200")).getInt("batch_size")).isEqualTo(200);
        assertThatThrownBy(() -> HyperparameterSchema.resolve(RSB, Map.of("per_item_lrate", "0")))
                .hasMessage("per_item_lrate must be a number in (0, 1], got 0.0");
        assertThatThrownBy(() -> HyperparameterSchema.resolve(RSB, Map.of("flip_probability", "1.5")))
                .hasMessage("flip_probability must be a number in [0, 1], got 1.5");
        assertThatThrownBy(() -> HyperparameterSchema.resolve(RSB, Map.of("num_epochs", "2.5")))
                .hasMessage("num_epochs must be a whole number, got '2.5'");
        assertThatThrownBy(() -> HyperparameterSchema.resolveTyped(RSB, Map.of("batch_size", 1.5)))
                .hasMessage("batch_size must be a whole number, got 1.5");
        assertThatThrownBy(() -> HyperparameterSchema.resolve(RSB, Map.of("updater", "lamb")))
                .hasMessage("updater must be one of [sgd, nesterovs, adam, adamw], got 'lamb'");
        assertThatThrownBy(() -> HyperparameterSchema.resolve(RSB, Map.of("seed", "abc")))
                .hasMessageContaining("seed must be an integer in [0, 2147483647], got 'abc'");
        assertThatThrownBy(() -> HyperparameterSchema.resolve(RSB, Map.of("average_horizontal_flips", "maybe")))
                .hasMessage("average_horizontal_flips must be true or false, got 'maybe'");
    }
}
