package dev.templatelab.tuning.execution;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.templatelab.tuning.pruner.AshaPruner;
import dev.templatelab.tuning.pruner.HyperbandPruner;
import dev.templatelab.tuning.pruner.SuccessiveHalvingPruner;
import org.junit.jupiter.api.Test;

class StudyPartsTest {

    @Test
    void successiveHalvingPrunersTakeTheirRungsFromTheSpec() {
        assertThat(StudyParts.pruner("asha", 9)).isEqualTo(new AshaPruner(1, 3));
        assertThat(StudyParts.pruner(" ASHA:min_resource=2, reduction_factor=4 ", 9)).isEqualTo(new AshaPruner(2, 4));
        assertThat(StudyParts.pruner("asha-optuna:reduction_factor=4", 9)).isEqualTo(new SuccessiveHalvingPruner(1, 4, 0));
        assertThat(((HyperbandPruner) StudyParts.pruner("hyperband:min_resource=3", 9)).brackets()).isEqualTo(2);
    }

    @Test
    void badSpecsSayWhatToWrite() {
        assertThatThrownBy(() -> StudyParts.pruner("median:min_resource=2", 9))
                .hasMessageContaining("pruner 'median' takes no settings");
        assertThatThrownBy(() -> StudyParts.pruner("asha:grace=2", 9))
                .hasMessageContaining("unknown asha setting 'grace'; use min_resource=N");
        assertThatThrownBy(() -> StudyParts.pruner("asha:reduction_factor=two", 9))
                .hasMessageContaining("reduction_factor needs a whole number");
        assertThatThrownBy(() -> StudyParts.pruner("asha:reduction_factor=1", 9))
                .hasMessageContaining("reduction_factor must be at least 2, got 1");
        assertThatThrownBy(() -> StudyParts.pruner("percentile", 9)).hasMessageContaining("unknown pruner 'percentile'");
    }
}
