package dev.templatelab.web.experiments;

import com.github.mvysny.kaributesting.v10.MockVaadin;
import com.vaadin.flow.component.UI;
import dev.templatelab.architectures.TemplateRegistry;
import dev.templatelab.storage.datasets.DatasetInfo;
import dev.templatelab.storage.datasets.DatasetService;
import dev.templatelab.storage.experiments.ExperimentInfo;
import dev.templatelab.storage.experiments.ExperimentService;
import dev.templatelab.tuning.space.DefaultSpaces;
import dev.templatelab.tuning.space.SearchSpace;
import dev.templatelab.web.TestData;
import dev.templatelab.web.UiTest;
import dev.templatelab.web.security.Role;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static com.github.mvysny.kaributesting.v10.LocatorJ._click;
import static com.github.mvysny.kaributesting.v10.LocatorJ._get;
import static org.assertj.core.api.Assertions.assertThat;

/** The New-experiment form: defaults pre-filled, errors next to their field, nothing created on refusal, launch. */
class NewExperimentViewTest extends UiTest {

    @Autowired
    DatasetService datasets;
    @Autowired
    ExperimentService experiments;

    DatasetInfo dataset;
    NewExperimentView form;

    @BeforeEach
    void open() throws IOException {
        dataset = TestData.dataset(datasets, datasetsDir().resolve("form-records"));
        UI.getCurrent().navigate(NewExperimentView.class);
        form = _get(NewExperimentView.class);
    }

    @Test
    void selectedTemplatesShowTheirDefaultSpaceAndDescription() {
        form.templates.setValue(Set.of(TestData.INCEPTION_V2, TestData.BN_INCEPTION));

        var defaults = DefaultSpaces.forTemplate(TemplateRegistry.standard().get(TestData.INCEPTION_V2));
        assertThat(form.spaceFields.get(TestData.INCEPTION_V2).keySet()).containsExactlyElementsOf(defaults.parameters().keySet());
        defaults.parameters().forEach((name, distribution) ->
                assertThat(form.spaceField(TestData.INCEPTION_V2, name).getValue()).isEqualTo(SpaceText.of(distribution)));
        assertThat(form.spaceFields).containsKey(TestData.BN_INCEPTION);
        assertThat(form.templates.getItemLabelGenerator().apply(TestData.INCEPTION_V2))
                .contains(TemplateRegistry.standard().get(TestData.INCEPTION_V2).description());
        // The command line's defaults, and every pruner the launcher takes.
        assertThat(form.sampler.getValue()).isEqualTo("tpe");
        assertThat(form.pruner.getValue()).isEqualTo("asha");
        assertThat(form.pruner.getListDataView().getItems()).contains("asha-optuna", "hyperband", "median", "none");
    }

    @Test
    void eachTemplateShowsItsRegisteredPretrainedWeights() throws Exception {
        Path registry = datasetsDir().getParent().resolve("weights").resolve(TestData.BN_INCEPTION);
        Files.createDirectories(registry);
        String label = TestData.unique("imagenet").replace('-', '_');
        Files.writeString(registry.resolve(label + ".tlckpt"), "checkpoint bytes");
        UI.getCurrent().navigate(NewExperimentView.class);
        NewExperimentView fresh = _get(NewExperimentView.class);

        assertThat(fresh.templates.getItemLabelGenerator().apply(TestData.BN_INCEPTION))
                .contains("pretrained weights: ").contains(label);
        assertThat(fresh.templates.getItemLabelGenerator().apply(TestData.INCEPTION_V2)).contains("trained from scratch");
        assertThat(fresh.templates.getItemLabelGenerator().apply("Clarifai_ResNext"))
                .contains("no pretrained weights registered");
    }

    @Test
    void aMissingNameIsShownOnTheNameFieldAndNothingIsCreated() {
        long before = experiments.list(null, org.springframework.data.domain.Pageable.unpaged()).getTotalElements();
        form.dataset.setValue(dataset);
        form.templates.setValue(Set.of(TestData.INCEPTION_V2));
        clickLaunch();

        assertThat(form.name.isInvalid()).isTrue();
        assertThat(form.name.getErrorMessage()).contains("name");
        assertThat(experiments.list(null, org.springframework.data.domain.Pageable.unpaged()).getTotalElements())
                .isEqualTo(before);
        assertThat(UI.getCurrent().getCurrentView()).isSameAs(form);
    }

    @Test
    void noTemplateAndBadBudgetAreShownOnTheirFields() {
        form.name.setValue(TestData.unique("form"));
        form.dataset.setValue(dataset);
        clickLaunch();
        assertThat(form.templates.isInvalid()).isTrue();
        assertThat(form.launch.isEnabled()).as("disabled while launching, enabled again once refused").isTrue();
        assertThat(form.launch.isDisableOnClick()).isTrue();

        form.templates.setValue(Set.of(TestData.INCEPTION_V2));
        form.maxTrials.setValue(0);
        clickLaunch();
        assertThat(form.templates.isInvalid()).isFalse();
        assertThat(form.maxTrials.isInvalid()).isTrue();
        assertThat(form.maxTrials.getErrorMessage()).isNotBlank();

        form.maxTrials.setValue(4);
        form.maxTotalEpochs.setValue(0);
        clickLaunch();
        assertThat(form.maxTrials.isInvalid()).isFalse();
        assertThat(form.maxTotalEpochs.isInvalid()).isTrue();
        assertThat(form.maxTotalEpochs.getErrorMessage()).contains("at least 1");
    }

    @Test
    void aBadRangeIsShownOnItsParameter() {
        String name = TestData.unique("form");
        form.name.setValue(name);
        form.dataset.setValue(dataset);
        form.templates.setValue(Set.of(TestData.INCEPTION_V2));
        form.spaceField(TestData.INCEPTION_V2, "per_item_lrate").setValue("0.5..0.1");
        clickLaunch();

        assertThat(form.spaceFields.get(TestData.INCEPTION_V2).get("per_item_lrate").isInvalid()).isTrue();
        assertThat(form.spaceError.getText()).contains("per_item_lrate");
        assertThat(experiments.findByName(name)).isEmpty();
    }

    @Test
    void aBadValueIsShownOnItsParameterOfItsTemplateOnly() {
        String name = TestData.unique("form");
        form.name.setValue(name);
        form.dataset.setValue(dataset);
        form.templates.setValue(Set.of(TestData.INCEPTION_V2, TestData.BN_INCEPTION));
        form.allowRandomInit.setValue(true);
        form.spaceField(TestData.INCEPTION_V2, "image_size").setValue("abc");
        clickLaunch();

        // The launcher says "search space of Clarifai_InceptionV2: image_size must be an integer in [...], got 'abc'".
        var field = form.spaceFields.get(TestData.INCEPTION_V2).get("image_size");
        assertThat(form.spaceError.getText()).contains("image_size must be");
        assertThat(field.isInvalid()).isTrue();
        assertThat(field.getErrorMessage()).contains("image_size must be").contains("'abc'");
        assertThat(form.spaceFields.get(TestData.BN_INCEPTION).get("image_size").isInvalid()).isFalse();
        assertThat(form.extra.isInvalid()).isFalse();
        assertThat(experiments.findByName(name)).isEmpty();

        // Fixed, the mark goes at the next launch.
        field.setValue(SpaceText.of(DefaultSpaces.forTemplate(TemplateRegistry.standard().get(TestData.INCEPTION_V2))
                .parameter("image_size")));
        form.maxTrials.setValue(0);
        clickLaunch();
        assertThat(field.isInvalid()).isFalse();
    }

    /** A field the form cannot read is refused before the launcher, on that field. */
    @Test
    void anUnreadableFieldIsShownOnItself() {
        form.name.setValue(TestData.unique("form"));
        form.dataset.setValue(dataset);
        form.templates.setValue(Set.of(TestData.INCEPTION_V2, TestData.BN_INCEPTION));
        form.spaceField(TestData.INCEPTION_V2, "image_size").setValue(" ");
        clickLaunch();

        var field = form.spaceFields.get(TestData.INCEPTION_V2).get("image_size");
        assertThat(field.isInvalid()).isTrue();
        assertThat(field.getErrorMessage()).isEqualTo(TestData.INCEPTION_V2 + ".image_size: empty; give a value, "
                + "low..high or a,b,c");
        assertThat(form.spaceFields.get(TestData.BN_INCEPTION).get("image_size").isInvalid()).isFalse();
    }

    /** The launcher's own refusals (not the space parser's) name their template and parameter too. */
    @Test
    void aLauncherRefusalIsShownOnThatTemplatesParameterOnly() {
        String name = TestData.unique("form");
        form.name.setValue(name);
        form.dataset.setValue(dataset);
        form.templates.setValue(Set.of(TestData.INCEPTION_V2, TestData.BN_INCEPTION));
        form.allowRandomInit.setValue(true);
        form.maxEpochs.setValue(10);
        form.spaceField(TestData.INCEPTION_V2, "num_epochs").setValue("1..5");
        form.spaceField(TestData.BN_INCEPTION, "num_epochs").setValue("1..30");
        clickLaunch();

        var field = form.spaceFields.get(TestData.BN_INCEPTION).get("num_epochs");
        assertThat(field.isInvalid()).isTrue();
        assertThat(field.getErrorMessage()).startsWith("num_epochs of " + TestData.BN_INCEPTION + " goes up to 30");
        assertThat(form.spaceFields.get(TestData.INCEPTION_V2).get("num_epochs").isInvalid()).isFalse();
        assertThat(form.extra.isInvalid()).isFalse();
        assertThat(experiments.findByName(name)).isEmpty();
    }

    @Test
    void aBadOtherSettingIsShownOnOtherSettingsNotOnTheTemplatesField() {
        form.name.setValue(TestData.unique("form"));
        form.dataset.setValue(dataset);
        form.templates.setValue(Set.of(TestData.INCEPTION_V2));
        form.extra.setValue("width_multiplier=0.25\nimage_size=abc");
        clickLaunch();

        assertThat(form.extra.isInvalid()).isTrue();
        assertThat(form.extra.getErrorMessage()).contains("image_size must be");
        assertThat(form.spaceFields.get(TestData.INCEPTION_V2).get("image_size").isInvalid()).isFalse();
    }

    @Test
    void launchesWithTheEditedSpaceAndOpensTheExperiment() {
        String name = TestData.unique("form");
        form.name.setValue(name);
        form.dataset.setValue(dataset);
        form.templates.setValue(Set.of(TestData.INCEPTION_V2, TestData.BN_INCEPTION));
        form.allowRandomInit.setValue(true);
        form.spaceField(TestData.INCEPTION_V2, "batch_size").setValue("16,32");
        form.maxTrials.setValue(4);
        form.maxEpochs.setValue(2);
        form.maxTotalEpochs.setValue(5);
        _click(form.launch);
        // The launch runs off the request thread: the page says so and cannot launch it twice meanwhile.
        assertThat(form.launching.isVisible()).isTrue();
        assertThat(form.launch.isEnabled()).isFalse();
        finishLaunch();
        assertThat(form.launching.isVisible()).isFalse();

        ExperimentInfo created = experiments.findByName(name).orElseThrow();
        assertThat(created.templates()).containsExactlyInAnyOrder(TestData.INCEPTION_V2, TestData.BN_INCEPTION);
        assertThat(created.owner()).isEqualTo(OPERATOR);
        assertThat(created.budget().maxTrials()).isEqualTo(4);
        assertThat(created.budget().maxTotalEpochs()).isEqualTo(5);
        SearchSpace space = SearchSpace.fromJson(created.searchSpaceJson());
        assertThat(SpaceText.of(space.template(TestData.INCEPTION_V2).parameter("batch_size"))).isEqualTo("16,32");
        assertThat(UI.getCurrent().getCurrentView()).isInstanceOf(ExperimentView.class);
        assertThat(((ExperimentView) UI.getCurrent().getCurrentView()).title.getText()).isEqualTo(name);
    }

    /** Clicks Launch and lets the launch finish: its outcome reaches the page through {@code UI.access}. */
    private void clickLaunch() {
        _click(form.launch);
        finishLaunch();
    }

    private void finishLaunch() {
        if (form.pendingLaunch != null) {
            form.pendingLaunch.orTimeout(60, TimeUnit.SECONDS).join();
        }
        MockVaadin.runUIQueue();
    }

    @Test
    void viewersCannotOpenTheForm() {
        login(Role.VIEWER);
        UI.getCurrent().navigate(NewExperimentView.class);
        assertThat(UI.getCurrent().getCurrentView()).isNotInstanceOf(NewExperimentView.class);
    }
}
