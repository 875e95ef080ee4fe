package dev.templatelab.training.data;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/** Deterministic, per-class stratified train/validation/test splits. */
public final class Splitter {

    private Splitter() {
    }

    /**
     * Splits {@code dataset} so each class (first label, for multi-label data) is divided in the given proportions;
     * the same seed always gives the same split.
     */
    public static Split split(ImageDataset dataset, double validationFraction, double testFraction, long seed) {
        checkFraction("validationFraction", validationFraction);
        checkFraction("testFraction", testFraction);
        if (validationFraction + testFraction >= 1) {
            throw new IllegalArgumentException("validationFraction + testFraction must be below 1 so some images"
                    + " are left to train on, was " + validationFraction + " + " + testFraction);
        }
        Map<String, List<ImageRecord>> byClass = new LinkedHashMap<>();
        for (String label : dataset.classes()) {
            byClass.put(label, new ArrayList<>());
        }
        for (ImageRecord record : dataset.records()) {
            byClass.computeIfAbsent(record.label(), l -> new ArrayList<>()).add(record);
        }
        // Identity sets: two records may be equal (same file and labels) yet are distinct images of the list.
        Set<ImageRecord> validation = Collections.newSetFromMap(new IdentityHashMap<>());
        Set<ImageRecord> test = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Map.Entry<String, List<ImageRecord>> entry : byClass.entrySet()) {
            List<ImageRecord> members = new ArrayList<>(entry.getValue());
            // One stream per class, so adding a class does not reshuffle the others.
            Collections.shuffle(members, new Random(seed ^ (entry.getKey().hashCode() * 0x9E3779B97F4A7C15L)));
            int n = members.size();
            int validationCount = (int) Math.round(n * validationFraction);
            int testCount = (int) Math.round(n * testFraction);
            if (validationFraction > 0 && n >= 2 && validationCount == 0) {
                validationCount = 1; // every class must be seen by validation, or its metrics are undefined
            }
            while (validationCount + testCount >= n && testCount > 0) {
                testCount--; // keep at least one training image; trim test first, validation guides tuning
            }
            while (validationCount + testCount >= n && validationCount > 0) {
                validationCount--;
            }
            validation.addAll(members.subList(0, validationCount));
            test.addAll(members.subList(validationCount, validationCount + testCount));
        }
        // Each part keeps the dataset's order, so a split is reproducible down to list order.
        List<ImageRecord> trainList = new ArrayList<>();
        List<ImageRecord> validationList = new ArrayList<>();
        List<ImageRecord> testList = new ArrayList<>();
        for (ImageRecord record : dataset.records()) {
            if (validation.contains(record)) {
                validationList.add(record);
            } else if (test.contains(record)) {
                testList.add(record);
            } else {
                trainList.add(record);
            }
        }
        return new Split(trainList, validationList, testList, seed);
    }

    private static void checkFraction(String name, double fraction) {
        if (!(fraction >= 0 && fraction < 1)) {
            throw new IllegalArgumentException(name + " must be at least 0 and below 1 (e.g. 0.2 for 20%), was "
                    + fraction);
        }
    }
}
