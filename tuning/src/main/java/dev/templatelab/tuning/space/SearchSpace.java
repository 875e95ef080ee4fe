package dev.templatelab.tuning.space;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import dev.templatelab.architectures.TemplateRegistry;
import dev.templatelab.training.hyper.HyperparameterDef;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * What a study searches: one or more templates, and for each its own parameters. The template is itself a
 * categorical dimension ({@value #TEMPLATE}) and each template's parameters are conditional on it, so a trial
 * of one template never sees another's parameters.
 *
 * @param templates the templates, in the order the grid visits them
 */
public record SearchSpace(List<TemplateSpace> templates) {

    /** The name of the template dimension. */
    public static final String TEMPLATE = "template";

    private static final TemplateRegistry REGISTRY = TemplateRegistry.standard();

    public SearchSpace {
        if (templates.isEmpty()) {
            throw new IllegalArgumentException("a search space needs at least one template; known: "
                    + String.join(", ", REGISTRY.names()));
        }
        var seen = new LinkedHashSet<String>();
        for (TemplateSpace t : templates) {
            if (!seen.add(t.template())) {
                throw new IllegalArgumentException("template " + t.template() + " is listed twice in the search space");
            }
        }
        templates = List.copyOf(templates);
    }

    /** The default space of each named template (see {@link DefaultSpaces}). */
    public static SearchSpace defaults(List<String> templateNames) {
        return new SearchSpace(templateNames.stream().map(name -> DefaultSpaces.forTemplate(REGISTRY.get(name))).toList());
    }

    /** The default space of each named template. */
    public static SearchSpace defaults(String... templateNames) {
        return defaults(List.of(templateNames));
    }

    /** The default spaces of {@code templateNames} changed by {@code name=value} entries (see {@link SpaceOverrides}). */
    public static SearchSpace parse(List<String> templateNames, List<String> entries) {
        return defaults(templateNames).withOverrides(SpaceOverrides.parse(entries));
    }

    /** The default spaces of {@code templateNames} changed by the JSON form (see {@link SpaceOverrides}). */
    public static SearchSpace parseJson(List<String> templateNames, String json) {
        return defaults(templateNames).withOverrides(SpaceOverrides.parseJson(json));
    }

    /** The template dimension: a categorical over the template names. */
    public CategoricalDistribution templateDistribution() {
        return new CategoricalDistribution(new ArrayList<>(templateNames()));
    }

    /** The templates searched, in order. */
    public List<String> templateNames() {
        return templates.stream().map(TemplateSpace::template).toList();
    }

    /** The space of one template, or an error naming the templates searched. */
    public TemplateSpace template(String name) {
        return templates.stream().filter(t -> t.template().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("template " + name + " is not in this search space ("
                        + String.join(", ", templateNames()) + ")"));
    }

    /**
     * This space with the user's changes: a {@value #TEMPLATE} entry picks the templates (new ones start from
     * their defaults), then every other entry narrows, widens, fixes or adds a parameter of each template (or of
     * the one it names). Invalid entries fail with the parameter and its allowed range, and
     * an {@link InvalidSpaceException} naming the parameter.
     */
    public SearchSpace withOverrides(List<SpaceOverride> overrides) {
        List<TemplateSpace> spaces = new ArrayList<>(templates);
        for (SpaceOverride o : overrides) {
            if (o.name().equals(TEMPLATE)) {
                spaces = selectTemplates(o, spaces);
            }
        }
        for (SpaceOverride o : overrides) {
            if (o.name().equals(TEMPLATE)) {
                continue;
            }
            if (o.template() != null) {
                SpaceParameter at = new SpaceParameter(o.template(), o.name());
                requireKnown(o.template(), at);
                if (spaces.stream().noneMatch(s -> s.template().equals(o.template()))) {
                    throw new InvalidSpaceException(at, "'" + at + "': template "
                            + o.template() + " is not searched (templates: "
                            + String.join(", ", spaces.stream().map(TemplateSpace::template).toList()) + ")");
                }
            }
            spaces.replaceAll(s -> o.template() == null || o.template().equals(s.template()) ? apply(s, o) : s);
        }
        return new SearchSpace(spaces);
    }

    /** Whether a trial's template and parameters could have been sampled from this space. */
    public boolean contains(String template, Map<String, Object> params) {
        return templateNames().contains(template) && template(template).contains(params);
    }

    /** The space as JSON: template -> parameter -> distribution. */
    public String toJson() {
        Map<String, Map<String, Distribution>> tree = new LinkedHashMap<>();
        templates.forEach(t -> tree.put(t.template(), t.parameters()));
        try {
            return SpaceJson.MAPPER.writerFor(new TypeReference<Map<String, Map<String, Distribution>>>() { })
                    .writeValueAsString(tree);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Reads {@link #toJson()} back, validating every distribution against the schema again. */
    public static SearchSpace fromJson(String json) {
        LinkedHashMap<String, LinkedHashMap<String, Distribution>> tree;
        try {
            tree = SpaceJson.MAPPER.readValue(json, new TypeReference<LinkedHashMap<String, LinkedHashMap<String, Distribution>>>() { });
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not a search space: " + SpaceJson.reason(e), e);
        }
        List<TemplateSpace> spaces = new ArrayList<>();
        tree.forEach((template, params) -> spaces.add(new TemplateSpace(template, params)));
        return new SearchSpace(spaces);
    }

    private static List<TemplateSpace> selectTemplates(SpaceOverride o, List<TemplateSpace> current) {
        SpaceParameter at = new SpaceParameter(o.template(), TEMPLATE);
        if (o instanceof SpaceOverride.Range) {
            throw new InvalidSpaceException(at,
                    "template takes template names (template=A or template=A,B), not a range");
        }
        List<Object> names = o instanceof SpaceOverride.Fixed f
                ? java.util.Collections.singletonList(f.value()) : ((SpaceOverride.Choices) o).values();
        if (o.template() != null) {
            throw new InvalidSpaceException(at, "'" + o.template() + ".template' makes no sense: write template=A,B");
        }
        List<TemplateSpace> chosen = new ArrayList<>();
        for (Object name : names) {
            String n = String.valueOf(name);
            requireKnown(n, at);
            chosen.add(current.stream().filter(s -> s.template().equals(n)).findFirst()
                    .orElseGet(() -> DefaultSpaces.forTemplate(REGISTRY.get(n))));
        }
        try {
            new SearchSpace(chosen);   // none, or one twice: this entry's fault, so said here
        } catch (IllegalArgumentException e) {
            throw new InvalidSpaceException(at, e.getMessage(), e);
        }
        return chosen;
    }

    private static TemplateSpace apply(TemplateSpace space, SpaceOverride o) {
        String template = space.template();
        HyperparameterDef def = SpaceRules.definition(template, o.name());
        if (o instanceof SpaceOverride.Fixed f) {
            return space.with(o.name(), CategoricalDistribution.fixed(SpaceRules.typed(template, def, f.value())));
        }
        if (o instanceof SpaceOverride.Choices c) {
            if (c.values().isEmpty()) {
                throw SpaceRules.refused(template, o.name(), o.name() + ": a categorical needs at least one choice",
                        null);
            }
            List<Object> typed = new ArrayList<>();
            c.values().forEach(v -> typed.add(SpaceRules.typed(template, def, v)));
            return space.with(o.name(), SpaceRules.rebuild(template, o.name(), () -> new CategoricalDistribution(typed)));
        }
        return space.with(o.name(), range(space, def, (SpaceOverride.Range) o));
    }

    /** A range override as a float or int distribution, inheriting log-ness and step from the current one. */
    private static Distribution range(TemplateSpace space, HyperparameterDef def, SpaceOverride.Range r) {
        String template = space.template();
        String name = def.name();
        Distribution current = space.parameter(name);
        boolean inheritedLog = current instanceof FloatDistribution f ? f.log()
                : current instanceof IntDistribution i && i.log();
        Number inheritedStep = current instanceof FloatDistribution f ? f.step()
                : current instanceof IntDistribution i && i.step() > 1 ? i.step() : null;
        boolean log = r.log() != null ? r.log() : inheritedLog && r.step() == null;
        if (Boolean.TRUE.equals(r.log()) && r.step() != null) {
            throw SpaceRules.refused(template, name, name
                    + ": log and step cannot be combined (a log range has no even grid)", null);
        }
        switch (def.type()) {
            case FLOAT -> {
                double low = ((Number) SpaceRules.typed(template, def, r.low())).doubleValue();
                double high = ((Number) SpaceRules.typed(template, def, r.high())).doubleValue();
                Double kept = r.step() == null && !log && inheritedStep != null ? inheritedStep.doubleValue() : null;
                Double step = r.step() != null ? Double.valueOf(positive(template, name, r.step())) : kept;
                return withStepHint(template, name, r, kept, () -> new FloatDistribution(low, high, log, step));
            }
            case INT -> {
                int low = (Integer) SpaceRules.typed(template, def, r.low());
                int high = (Integer) SpaceRules.typed(template, def, r.high());
                Integer kept = r.step() == null && !log && inheritedStep != null ? inheritedStep.intValue() : null;
                double step = r.step() != null ? positive(template, name, r.step()) : kept != null ? kept : 1;
                if (step != Math.rint(step)) {
                    throw SpaceRules.refused(template, name, name + ": step must be a whole number, got " + r.step(),
                            null);
                }
                return withStepHint(template, name, r, kept, () -> new IntDistribution(low, high, log, (int) step));
            }
            default -> throw SpaceRules.refused(template, name, name + " is " + def.allowed()
                    + "; give one value or a list a,b,c, not a range", null);
        }
    }

    /** Builds the distribution; when a step kept from the current space does not fit, says so and how to fix it. */
    private static Distribution withStepHint(String template, String name, SpaceOverride.Range r, Number keptStep,
                                             java.util.function.Supplier<Distribution> build) {
        try {
            return SpaceRules.rebuild(template, name, build);
        } catch (IllegalArgumentException e) {
            if (keptStep != null && e.getMessage().contains("does not divide")) {
                throw new InvalidSpaceException(new SpaceParameter(template, name), e.getMessage() + "; the step "
                        + keptStep + " was kept from the default space: give one that divides the range (" + name + "="
                        + r.low() + ".." + r.high() + ":STEP)", e);
            }
            throw e;
        }
    }

    /** An unknown template in an entry is that entry's fault: the registry's message, naming the entry. */
    private static void requireKnown(String template, SpaceParameter at) {
        try {
            REGISTRY.get(template);
        } catch (IllegalArgumentException e) {
            throw new InvalidSpaceException(at, e.getMessage(), e);
        }
    }

    private static double positive(String template, String name, Object raw) {
        double step;
        try {
            step = raw instanceof Number n ? n.doubleValue() : Double.parseDouble(String.valueOf(raw).trim());
        } catch (NumberFormatException e) {
            throw SpaceRules.refused(template, name, name + ": step must be a number, got '" + raw + "'", e);
        }
        if (!(step > 0) || !Double.isFinite(step)) {
            throw SpaceRules.refused(template, name, name + ": step must be a positive number, got " + raw, null);
        }
        return step;
    }
}
