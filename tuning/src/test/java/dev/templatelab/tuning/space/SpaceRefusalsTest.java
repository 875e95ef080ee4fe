package dev.templatelab.tuning.space;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Each shape of the space parser's refusals names the parameter at fault (and its template) as data, not only in its
 * message: what the New-experiment form marks and the REST 400 lists.
 */
class SpaceRefusalsTest {

    private static final String V2 = "Clarifai_InceptionV2";
    private static final String BN = "Clarifai_InceptionBatchNorm";
    private static final List<String> BOTH = List.of(V2, BN);

    @Test
    void aValueTheParameterCannotTakeNamesItsTemplateAndParameter() {
        assertRefused("{\"" + V2 + ".image_size\":\"abc\"}", V2, "image_size",
                "search space of " + V2 + ": image_size must be");
        assertRefused("{\"" + V2 + ".image_size\":{\"low\":64,\"high\":4096}}", V2, "image_size",
                "search space of " + V2 + ": image_size must be");
        assertRefused("{\"" + BN + ".learning_speed\":3}", BN, "learning_speed",
                "search space of " + BN + ": unknown hyperparameter 'learning_speed'");
    }

    @Test
    void aBadRangeOrStepNamesItsParameter() {
        assertRefused("{\"" + BN + ".per_item_lrate\":{\"low\":0.5,\"high\":0.1}}", BN, "per_item_lrate",
                "search space of " + BN + ": per_item_lrate: low 0.5 is above high 0.1");
        assertRefused("{\"" + V2 + ".image_size\":{\"low\":32,\"high\":64,\"step\":0.5}}", V2, "image_size",
                "search space of " + V2 + ": image_size: step must be a whole number, got 0.5");
        // The default's step of 16 kept, but it does not divide 32..40: the hint names the parameter too.
        assertThat(refusal("{\"" + V2 + ".image_size\":{\"low\":32,\"high\":40}}").getMessage())
                .contains("was kept from the default space");
        assertRefused("{\"" + V2 + ".image_size\":{\"low\":32,\"high\":40}}", V2, "image_size",
                "search space of " + V2 + ": image_size: step 16 does not divide");
    }

    /** An entry for every template is refused in the space of the first template that cannot take it. */
    @Test
    void anUnqualifiedEntryNamesTheTemplateWhoseSpaceRefusedIt() {
        assertRefused("{\"batch_size\":0}", V2, "batch_size", "search space of " + V2 + ": batch_size must be");
        assertThat(catchThrowable(() -> SearchSpace.parseJson(List.of(BN, V2), "{\"batch_size\":0}")))
                .isInstanceOfSatisfying(InvalidSpaceException.class,
                        e -> assertThat(e.parameter()).isEqualTo(new SpaceParameter(BN, "batch_size")));
    }

    /** A malformed entry is refused before any template's space: it is named as the request wrote its key. */
    @Test
    void aMalformedEntryNamesItsKey() {
        assertRefused("{\"" + V2 + ".image_size\":{\"lo\":1,\"high\":2}}", V2, "image_size",
                "search space JSON, '" + V2 + ".image_size': unknown key 'lo'");
        assertRefused("{\"image_size\":[[1]]}", null, "image_size",
                "search space JSON, 'image_size': expected a number, boolean or string");
        assertRefused("{\"image_size\":{\"low\":\"a\",\"high\":2}}", null, "image_size",
                "search space JSON, 'image_size': range bounds and step must be numbers");
    }

    @Test
    void anEntryForATemplateNotSearchedAndABadTemplateChoiceNameTheirKey() {
        assertRefused("{\"Clarifai_ResNext.lrate\":0.1}", "Clarifai_ResNext", "lrate",
                "'Clarifai_ResNext.lrate': template Clarifai_ResNext is not searched");
        assertRefused("{\"template\":{\"low\":1,\"high\":2}}", null, SearchSpace.TEMPLATE,
                "template takes template names");
        assertRefused("{\"template\":[\"Clarifai_Nope\"]}", null, SearchSpace.TEMPLATE,
                "unknown template 'Clarifai_Nope'");
        assertRefused("{\"template\":[\"" + V2 + "\",\"" + V2 + "\"]}", null, SearchSpace.TEMPLATE,
                "template " + V2 + " is listed twice");
    }

    @Test
    void aParameterPrintsAsTheKeyThatSetsIt() {
        assertThat(new SpaceParameter(V2, "lrate")).hasToString(V2 + ".lrate");
        assertThat(new SpaceParameter(null, "lrate")).hasToString("lrate");
    }

    private static void assertRefused(String json, String template, String name, String messageStart) {
        InvalidSpaceException refused = refusal(json);
        assertThat(refused.getMessage()).startsWith(messageStart);
        assertThat(refused.parameter()).isEqualTo(new SpaceParameter(template, name));
    }

    private static InvalidSpaceException refusal(String json) {
        Throwable thrown = catchThrowable(() -> SearchSpace.parseJson(BOTH, json));
        assertThat(thrown).isInstanceOf(InvalidSpaceException.class);
        return (InvalidSpaceException) thrown;
    }
}
