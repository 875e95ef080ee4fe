package dev.templatelab.tuning.sampler;

import dev.templatelab.tuning.space.Distribution;
import dev.templatelab.tuning.space.SearchSpace;
import dev.templatelab.tuning.space.TemplateSpace;
import dev.templatelab.tuning.study.FrozenTrial;
import dev.templatelab.tuning.study.StudyView;
import dev.templatelab.tuning.study.TrialState;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Optuna's independent sampling over a conditional space: the template first, then each of that template's
 * parameters on its own, each learning only from finished trials that had that template and a value still
 * inside the current distribution.
 */
final class ConditionalSampling {

    /**
     * Trials a model can learn from: complete and pruned ones (failed ones have no value), and ones HELD at an ASHA
     * rung, which are ranked like pruned ones by how far they got; without them TPE would not see most of an ASHA
     * search. Not CANCELLED ones: where a cancel stopped them says nothing about their parameters (and a cancelled
     * experiment samples no more).
     */
    static final Set<TrialState> LEARNABLE = Set.of(TrialState.COMPLETE, TrialState.PRUNED, TrialState.HELD);

    /** A past trial and its value for the parameter being sampled. */
    record Observation(FrozenTrial trial, Object value) {
    }

    /** Draws one parameter's value given its history. */
    @FunctionalInterface
    interface ParameterSampler {
        Object sample(StudyView study, List<Observation> history, Distribution distribution, SplittableRandom random);
    }

    private ConditionalSampling() {
    }

    /**
     * @param learns whether {@code sampler} looks at the history (a random sampler does not, and skips collecting it)
     */
    static Sample sample(StudyView study, int trialNumber, long seed, boolean learns, ParameterSampler sampler) {
        SearchSpace space = study.space();
        List<FrozenTrial> learnable = learns ? study.trials(LEARNABLE) : List.of();
        Distribution templates = space.templateDistribution();
        String template = (String) draw(study, sampler, templates, seed, trialNumber, SearchSpace.TEMPLATE,
                learnable.stream().filter(t -> templates.contains(t.template()))
                        .map(t -> new Observation(t, t.template())).toList());
        TemplateSpace templateSpace = space.template(template);
        Map<String, Object> params = new LinkedHashMap<>();
        templateSpace.parameters().forEach((name, d) -> params.put(name, draw(study, sampler, d, seed, trialNumber,
                name, learnable.stream()
                        .filter(t -> t.template().equals(template) && t.params().containsKey(name)
                                && d.contains(t.params().get(name)))
                        .map(t -> new Observation(t, t.params().get(name))).toList())));
        return new Sample(template, params);
    }

    private static Object draw(StudyView study, ParameterSampler sampler, Distribution d, long seed, int trialNumber,
                               String name, List<Observation> history) {
        if (d.isSingle()) {
            return d.fromInternal(0);
        }
        return sampler.sample(study, history, d, Seeds.stream(seed, trialNumber, name));
    }
}
