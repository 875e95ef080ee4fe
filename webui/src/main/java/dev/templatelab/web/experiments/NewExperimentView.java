package dev.templatelab.web.experiments;

import com.vaadin.flow.component.AbstractField;
import com.vaadin.flow.component.HasValidation;
import com.vaadin.flow.component.UI;
import com.vaadin.flow.component.button.Button;
import com.vaadin.flow.component.button.ButtonVariant;
import com.vaadin.flow.component.checkbox.Checkbox;
import com.vaadin.flow.component.checkbox.CheckboxGroup;
import com.vaadin.flow.component.checkbox.CheckboxGroupVariant;
import com.vaadin.flow.component.combobox.ComboBox;
import com.vaadin.flow.component.details.Details;
import com.vaadin.flow.component.formlayout.FormLayout;
import com.vaadin.flow.component.html.H2;
import com.vaadin.flow.component.html.Paragraph;
import com.vaadin.flow.component.html.Span;
import com.vaadin.flow.component.orderedlayout.VerticalLayout;
import com.vaadin.flow.component.select.Select;
import com.vaadin.flow.component.textfield.IntegerField;
import com.vaadin.flow.component.textfield.TextField;
import com.vaadin.flow.router.PageTitle;
import com.vaadin.flow.router.Route;
import com.vaadin.flow.router.RouteParameters;
import com.vaadin.flow.spring.security.AuthenticationContext;
import dev.templatelab.architectures.Template;
import dev.templatelab.architectures.TemplateRegistry;
import dev.templatelab.storage.datasets.DatasetInfo;
import dev.templatelab.storage.datasets.DatasetService;
import dev.templatelab.storage.experiments.ExperimentInfo;
import dev.templatelab.tuning.execution.ExperimentRequest;
import dev.templatelab.tuning.execution.InvalidExperimentException;
import dev.templatelab.tuning.execution.StudyParts;
import dev.templatelab.tuning.space.DefaultSpaces;
import dev.templatelab.tuning.space.Distribution;
import dev.templatelab.tuning.space.SpaceParameter;
import dev.templatelab.web.layout.BackgroundWork;
import dev.templatelab.web.layout.Dialogs;
import dev.templatelab.web.layout.MainLayout;
import jakarta.annotation.security.RolesAllowed;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Launch an experiment: dataset, templates (with their descriptions), each template's default search
 * space pre-filled and editable, sampler, pruner, budget, objective and parallel trials. The launcher
 * validates the request; its error is shown next to the field it names, and nothing is created.
 */
@Route(value = "experiments/new", layout = MainLayout.class)
@PageTitle("New experiment · TemplateLab")
@RolesAllowed("OPERATOR")
public class NewExperimentView extends VerticalLayout {

    private static final Logger log = LoggerFactory.getLogger(NewExperimentView.class);

    private static final TemplateRegistry TEMPLATES = TemplateRegistry.standard();

    private final ExperimentControl control;
    private final String owner;

    final TextField name = new TextField("Name");
    final ComboBox<DatasetInfo> dataset = new ComboBox<>("Dataset");
    final CheckboxGroup<String> templates = new CheckboxGroup<>("Templates");
    final VerticalLayout space = new VerticalLayout();
    final Span spaceError = new Span();
    final Select<String> sampler = new Select<>();
    final Select<String> pruner = new Select<>();
    final IntegerField maxTrials = new IntegerField("Trials");
    final IntegerField maxEpochs = new IntegerField("Epochs per trial (at most)");
    final IntegerField parallelism = new IntegerField("Trials at once");
    final Select<String> objective = new Select<>();
    final IntegerField maxMinutes = new IntegerField("Time limit (minutes, optional)");
    final IntegerField maxTotalEpochs = new IntegerField("Epoch budget, all trials (optional)");
    final TextField seed = new TextField("Seed (optional)");
    final Checkbox allowRandomInit = new Checkbox("Train pretrained-weight templates from random weights when none are registered");
    final com.vaadin.flow.component.textfield.TextArea extra = new com.vaadin.flow.component.textfield.TextArea(
            "Other settings (one per line: name=value, or Template.name=value for one template)");
    final Button launch = new Button("Launch");
    /** Shown while a launch runs off the request thread. */
    final Span launching = new Span();
    /** The launch in progress, done once its outcome is queued for the UI (tests wait on it); null before the first. */
    java.util.concurrent.CompletableFuture<Void> pendingLaunch;
    /** template -> parameter -> its editor (pre-filled with the default). */
    final Map<String, Map<String, TextField>> spaceFields = new LinkedHashMap<>();
    private final Map<String, Map<String, String>> defaults = new LinkedHashMap<>();
    /** The last request's search-space keys (Template.name or name) -> the editor each came from. */
    private final Map<String, HasValidation> changeOrigins = new LinkedHashMap<>();

    public NewExperimentView(ExperimentControl control, DatasetService datasets, PretrainedWeights weights,
                             AuthenticationContext auth) {
        this.control = control;
        this.owner = auth.getPrincipalName().orElse(null);
        setMaxWidth("1100px");
        add(new H2("New experiment"));

        name.setId("experiment-name");
        name.setRequired(true);
        dataset.setId("dataset");
        dataset.setItems(datasets.list());
        dataset.setItemLabelGenerator(d -> d.name() + " (" + d.imageCount() + " images, " + d.classes().size()
                + " classes)");
        dataset.setRequired(true);
        templates.setId("templates");
        templates.setItems(TEMPLATES.names());
        templates.setItemLabelGenerator(n -> n + " — " + TEMPLATES.get(n).description() + " (" + weights.summary(n) + ")");
        templates.addThemeVariants(CheckboxGroupVariant.LUMO_VERTICAL);
        templates.addValueChangeListener(e -> rebuildSpace());
        sampler.setId("sampler");
        sampler.setLabel("Sampler");
        sampler.setItems("tpe", "random", "grid");
        sampler.setValue(StudyParts.DEFAULT_SAMPLER);
        pruner.setId("pruner");
        pruner.setLabel("Pruner");
        pruner.setItems(StudyParts.PRUNERS);
        pruner.setValue(StudyParts.DEFAULT_PRUNER);
        objective.setId("objective");
        objective.setLabel("Objective");
        objective.setItems("accuracy", "macro_f1", "loss", "map");
        objective.setValue("accuracy");
        maxTrials.setId("max-trials");
        maxTrials.setValue(20);
        maxTrials.setStepButtonsVisible(true);
        maxEpochs.setId("max-epochs");
        maxEpochs.setValue(10);
        maxEpochs.setStepButtonsVisible(true);
        parallelism.setId("parallelism");
        parallelism.setValue(1);
        parallelism.setStepButtonsVisible(true);
        maxMinutes.setId("max-minutes");
        maxTotalEpochs.setId("max-total-epochs");
        maxTotalEpochs.setHelperText("With ASHA a hard cap: a trial starts or is promoted only if the budget can finish "
                + "it, and once no new trial may start the rest goes to the best held trials. With other pruners no "
                + "trial starts once this many epochs are trained.");
        seed.setId("seed");
        allowRandomInit.setId("allow-random-init");
        extra.setId("space-extra");
        extra.setWidthFull();
        extra.setPlaceholder("e.g. width_multiplier=0.25\nimage_size=32");
        spaceError.setId("space-error");
        spaceError.addClassName("tl-error-text");
        space.setPadding(false);
        space.setId("search-space");

        FormLayout form = new FormLayout();
        form.add(name, dataset, sampler, pruner, maxTrials, maxEpochs, parallelism, objective, maxMinutes, maxTotalEpochs,
                seed);
        form.setResponsiveSteps(new FormLayout.ResponsiveStep("0", 1), new FormLayout.ResponsiveStep("600px", 2));
        launch.setId("launch");
        launch.addThemeVariants(ButtonVariant.LUMO_PRIMARY);
        launch.setDisableOnClick(true);   // a second click while the first launches would launch it twice
        launch.addClickListener(e -> launch());
        launching.setId("launching");
        launching.setText("Launching... where workers on other machines need them, the dataset and pretrained weights "
                + "are copied to the artifact store first (a dataset's first launch reads every image).");
        launching.setVisible(false);
        add(form, templates, allowRandomInit,
                new Paragraph("Search space: each template's defaults; edit a range as low..high, log:low..high,"
                        + " low..high:step, choices as a,b,c, or give one value to fix it."),
                spaceError, space, extra, launch, launching);
    }

    /** One Details per selected template with its default space pre-filled; edits survive re-selection. */
    private void rebuildSpace() {
        space.removeAll();
        for (String template : templates.getSelectedItems().stream().sorted(
                java.util.Comparator.comparingInt(TEMPLATES.names()::indexOf)).toList()) {
            Map<String, TextField> fields = spaceFields.computeIfAbsent(template, this::defaultFields);
            FormLayout grid = new FormLayout();
            fields.values().forEach(grid::add);
            grid.setResponsiveSteps(new FormLayout.ResponsiveStep("0", 1), new FormLayout.ResponsiveStep("600px", 3));
            Details details = new Details(template, grid);
            details.setOpened(true);
            space.add(details);
        }
    }

    private Map<String, TextField> defaultFields(String template) {
        Template t = TEMPLATES.get(template);
        Map<String, TextField> fields = new LinkedHashMap<>();
        Map<String, String> texts = new LinkedHashMap<>();
        for (Map.Entry<String, Distribution> p : DefaultSpaces.forTemplate(t).parameters().entrySet()) {
            TextField f = new TextField(p.getKey());
            String text = SpaceText.of(p.getValue());
            f.setValue(text);
            f.setId("space-" + template + "-" + p.getKey());
            fields.put(p.getKey(), f);
            texts.put(p.getKey(), text);
        }
        defaults.put(template, texts);
        return fields;
    }

    private void launch() {
        clearErrors();
        ExperimentRequest request;
        try {
            request = request();
        } catch (InvalidExperimentException e) {
            showError(e);
            launch.setEnabled(true);   // the form stays when launching was refused
            return;
        }
        UI ui = UI.getCurrent();
        launching.setVisible(true);
        // A launch may pack the dataset into the artifact store (reading every image) and copy pretrained weights:
        // off the request thread, so the page (and the user's other tabs) stay responsive; the outcome is pushed.
        pendingLaunch = java.util.concurrent.CompletableFuture.supplyAsync(() -> control.launch(request))
                .handle((created, error) -> {
                    if (!BackgroundWork.accessIfOpen(ui, () -> launched(created, error))) {
                        log.info("launch finished after its page was closed: experiment={}, error={}",
                                created == null ? null : created.id(), error == null ? null : error.toString());
                    }
                    return null;
                });
    }

    private void launched(ExperimentInfo created, Throwable error) {
        launching.setVisible(false);
        launch.setEnabled(true);   // the form stays when launching was refused
        Throwable cause = BackgroundWork.cause(error);
        if (cause == null) {
            getUI().ifPresent(ui -> ui.navigate(ExperimentView.class,
                    new RouteParameters("id", Long.toString(created.id()))));
        } else if (cause instanceof InvalidExperimentException invalid) {
            showError(invalid);
        } else {   // not the form's fault (say, the database went away): say so, keep the form
            log.warn("launch failed: {}", cause.toString(), cause);
            Dialogs.showError("Could not launch the experiment: " + cause.getMessage() + " (the form is kept; try again)");
        }
    }

    /** The form as a launch request; a space text that cannot be read fails here, naming its field. */
    ExperimentRequest request() {
        if (dataset.getValue() == null) {
            throw new InvalidExperimentException("datasetId", "choose a dataset (upload one on the Datasets page)");
        }
        Map<String, Object> changes = new LinkedHashMap<>();
        changeOrigins.clear();
        for (String template : templates.getSelectedItems()) {
            Map<String, TextField> fields = spaceFields.getOrDefault(template, Map.of());
            for (Map.Entry<String, TextField> f : fields.entrySet()) {
                String text = f.getValue().getValue();
                if (!text.trim().equals(defaults.get(template).get(f.getKey()))) {
                    try {
                        changes.put(template + "." + f.getKey(), SpaceText.toJson(text));
                        changeOrigins.put(template + "." + f.getKey(), f.getValue());
                    } catch (IllegalArgumentException e) {
                        SpaceParameter at = new SpaceParameter(template, f.getKey());
                        throw new InvalidExperimentException("searchSpace", at + ": " + e.getMessage(), e, List.of(at));
                    }
                }
            }
        }
        int line = 0;
        for (String entry : extra.getValue().split("\\R")) {
            line++;
            if (entry.isBlank()) {
                continue;
            }
            int eq = entry.indexOf('=');
            try {
                if (eq <= 0) {
                    throw new IllegalArgumentException("expected name=value");
                }
                changes.put(entry.substring(0, eq).trim(), SpaceText.toJson(entry.substring(eq + 1)));
                changeOrigins.put(entry.substring(0, eq).trim(), extra);
            } catch (IllegalArgumentException e) {
                invalid(extra, "line " + line + " '" + entry.trim() + "': " + e.getMessage());
                throw new InvalidExperimentException("searchSpace", "other settings, line " + line + ": " + e.getMessage());
            }
        }
        Long seedValue = null;
        if (!seed.getValue().isBlank()) {
            try {
                seedValue = Long.parseLong(seed.getValue().trim());
            } catch (NumberFormatException e) {
                throw new InvalidExperimentException("seed", "the seed must be a whole number, got '" + seed.getValue() + "'");
            }
        }
        return new ExperimentRequest(name.getValue(), dataset.getValue().id(),
                new ArrayList<>(templates.getSelectedItems().stream().sorted(
                        java.util.Comparator.comparingInt(TEMPLATES.names()::indexOf)).toList()),
                sampler.getValue(), pruner.getValue(), orZero(maxTrials), orZero(maxEpochs), orZero(parallelism),
                objective.getValue(), changes, maxMinutes.getValue() == null ? null
                : Duration.ofMinutes(maxMinutes.getValue()), seedValue, maxTotalEpochs.getValue(), null,
                allowRandomInit.getValue(), owner);
    }

    private static int orZero(IntegerField f) {
        return f.getValue() == null ? 0 : f.getValue();
    }

    private void showError(InvalidExperimentException e) {
        HasValidation field = switch (e.field()) {
            case "name" -> name;
            case "datasetId" -> dataset;
            case "templates" -> templates;
            case "sampler" -> sampler;
            case "pruner" -> pruner;
            case "maxTrials" -> maxTrials;
            case "maxEpochsPerTrial" -> maxEpochs;
            case "parallelism" -> parallelism;
            case "objective" -> objective;
            case "maxWallClock" -> maxMinutes;
            case "maxTotalEpochs" -> maxTotalEpochs;
            case "seed" -> seed;
            default -> null;
        };
        String message = e.getMessage().startsWith(e.field() + ": ")
                ? e.getMessage().substring(e.field().length() + 2) : e.getMessage();
        if (field != null) {
            invalid(field, message);
            return;
        }
        // A search-space refusal names its parameters: mark the editor each one's value came from (a Template.name
        // key, else a name key for all templates, else the template's field). No template: each selected one's.
        spaceError.setText(message);
        for (SpaceParameter p : e.parameters()) {
            for (String template : p.template() == null ? templates.getSelectedItems() : Set.of(p.template())) {
                HasValidation own = spaceFields.getOrDefault(template, Map.of()).get(p.name());
                HasValidation editor = changeOrigins.getOrDefault(template + "." + p.name(),
                        changeOrigins.getOrDefault(p.name(), own));
                if (editor != null) {
                    invalid(editor, message);
                }
            }
        }
    }

    private static void invalid(HasValidation field, String message) {
        field.setErrorMessage(message);
        field.setInvalid(true);
    }

    private void clearErrors() {
        spaceError.setText("");
        for (HasValidation f : List.<HasValidation>of(name, dataset, templates, sampler, pruner, maxTrials, maxEpochs,
                parallelism, objective, maxMinutes, maxTotalEpochs, seed)) {
            f.setInvalid(false);
        }
        spaceFields.values().forEach(m -> m.values().forEach(f -> f.setInvalid(false)));
        extra.setInvalid(false);
    }

    /** For tests: the value of a space field. */
    AbstractField<?, String> spaceField(String template, String param) {
        return spaceFields.get(template).get(param);
    }
}
