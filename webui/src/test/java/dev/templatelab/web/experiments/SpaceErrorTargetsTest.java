package dev.templatelab.web.experiments;

import dev.templatelab.tuning.space.SearchSpace;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/** Each shape of the space parser's refusals is traced to the parameter (and template) it names. */
class SpaceErrorTargetsTest {

    private static final String V2 = "Clarifai_InceptionV2";
    private static final String BN = "Clarifai_InceptionBatchNorm";
    private static final List<String> BOTH = List.of(V2, BN);

    @Test
    void aValueTheParameterCannotTakeNamesItAfterItsTemplate() {
        // "search space of Clarifai_InceptionV2: image_size must be an integer in [32, 1024], got 'abc'"
        assertThat(targets(refusal("{\"" + V2 + ".image_size\":\"abc\"}"))).isEqualTo(Map.of(V2, Set.of("image_size")));
        // "... image_size must be ..., got 4096 (the range's high)"
        assertThat(targets(refusal("{\"" + V2 + ".image_size\":{\"low\":64,\"high\":4096}}")))
                .isEqualTo(Map.of(V2, Set.of("image_size")));
    }

    @Test
    void aBadRangeAndAWrongTypeNameTheirParameter() {
        // "search space of T: per_item_lrate: low 0.5 is above high 0.1"
        assertThat(targets(refusal("{\"" + BN + ".per_item_lrate\":{\"low\":0.5,\"high\":0.1}}")))
                .isEqualTo(Map.of(BN, Set.of("per_item_lrate")));
        // "search space of T: image_size: step must be a whole number, got 0.5"
        assertThat(targets(refusal("{\"" + V2 + ".image_size\":{\"low\":32,\"high\":64,\"step\":0.5}}")))
                .isEqualTo(Map.of(V2, Set.of("image_size")));
    }

    @Test
    void anUnqualifiedSettingIsTracedInEachTemplateTheMessageNames() {
        String message = refusal("{\"batch_size\":0}");
        assertThat(message).startsWith("search space of ");
        assertThat(targets(message)).hasSize(1).containsValue(Set.of("batch_size"));
    }

    @Test
    void aMalformedEntryNamesItsQualifiedKey() {
        // "search space JSON, 'Clarifai_InceptionV2.image_size': unknown key 'lo'; ..."
        assertThat(targets(refusal("{\"" + V2 + ".image_size\":{\"lo\":1,\"high\":2}}")))
                .isEqualTo(Map.of(V2, Set.of("image_size")));
    }

    @Test
    void messagesOfTheLauncherNameTheParameterBeforeOrWithoutTheTemplate() {
        assertThat(targets("num_epochs of " + BN + " goes up to 30 but a trial may train at most 10 epochs"))
                .isEqualTo(Map.of(BN, Set.of("num_epochs")));
        assertThat(targets("pretrained_weights: no weights named 'x' for " + V2))
                .isEqualTo(Map.of(V2, Set.of("pretrained_weights")));
        assertThat(targets("pretrained_weights: a damaged file")).isEqualTo(Map.of(
                V2, Set.of("pretrained_weights"), BN, Set.of("pretrained_weights")));
    }

    @Test
    void aNameInsideALongerNameIsNotIt() {
        assertThat(SpaceErrorTargets.position("per_item_lrate: low 0.5", "lrate")).isEqualTo(-1);
        assertThat(SpaceErrorTargets.position("x: lrate must be", "lrate")).isEqualTo(3);
        assertThat(targets("nothing about a parameter")).isEmpty();
    }

    private static String refusal(String json) {
        Throwable thrown = catchThrowable(() -> SearchSpace.parseJson(BOTH, json));
        assertThat(thrown).isInstanceOf(IllegalArgumentException.class);
        return thrown.getMessage();
    }

    /** What the form would mark, given each template's editors (its default space) and a name the request set. */
    private static Map<String, Set<String>> targets(String message) {
        Map<String, Set<String>> parameters = new LinkedHashMap<>();
        for (String template : BOTH) {
            Set<String> names = new LinkedHashSet<>(SearchSpace.defaults(template).template(template).parameters().keySet());
            names.add("pretrained_weights");
            parameters.put(template, names);
        }
        return SpaceErrorTargets.named(message, parameters);
    }
}
