package dev.templatelab.tuning.study;

import dev.templatelab.tuning.space.SearchSpace;
import java.util.List;
import java.util.Set;

/** What samplers and pruners see of a study: its name, direction, space and trials. */
public interface StudyView {

    String name();

    Direction direction();

    SearchSpace space();

    /** Every trial so far, running ones included, in number order. */
    List<FrozenTrial> trials();

    /** The trials in one of {@code states}, in number order. */
    default List<FrozenTrial> trials(Set<TrialState> states) {
        return trials().stream().filter(t -> states.contains(t.state())).toList();
    }

    /** This study with other trials: a part of them (a Hyperband bracket), or a what-if (one trial held). */
    default StudyView withTrials(List<FrozenTrial> trials) {
        return new WithTrials(this, trials);
    }

    /** See {@link #withTrials}. */
    record WithTrials(StudyView study, List<FrozenTrial> trials) implements StudyView {
        @Override
        public String name() {
            return study.name();
        }

        @Override
        public Direction direction() {
            return study.direction();
        }

        @Override
        public SearchSpace space() {
            return study.space();
        }
    }
}
